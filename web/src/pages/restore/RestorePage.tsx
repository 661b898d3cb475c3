// TEMPORARY scaffold: replaced by the real page before this lands.
export default function RestorePage() {
  return <section className="page"><h1>RestorePage</h1></section>;
}
