// TEMPORARY scaffold: replaced by the real page before this lands.
export default function MetricsPage() {
  return <section className="page"><h1>MetricsPage</h1></section>;
}
