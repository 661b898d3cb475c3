// TEMPORARY scaffold: replaced by the real page before this lands.
export default function JobsPage() {
  return <section className="page"><h1>JobsPage</h1></section>;
}
