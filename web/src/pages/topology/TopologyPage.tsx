// TEMPORARY scaffold: replaced by the real page before this lands.
export default function TopologyPage() {
  return <section className="page"><h1>TopologyPage</h1></section>;
}
