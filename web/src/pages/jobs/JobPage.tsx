// TEMPORARY scaffold: replaced by the real page before this lands.
export default function JobPage() {
  return <section className="page"><h1>JobPage</h1></section>;
}
