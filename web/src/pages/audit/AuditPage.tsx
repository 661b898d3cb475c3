// TEMPORARY scaffold: replaced by the real page before this lands.
export default function AuditPage() {
  return <section className="page"><h1>AuditPage</h1></section>;
}
