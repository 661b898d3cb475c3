// TEMPORARY scaffold: replaced by the real page before this lands.
export default function ClustersPage() {
  return <section className="page"><h1>ClustersPage</h1></section>;
}
