// TEMPORARY scaffold: replaced by the real page before this lands.
export default function BackupsPage() {
  return <section className="page"><h1>BackupsPage</h1></section>;
}
