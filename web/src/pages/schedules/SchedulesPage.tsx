// TEMPORARY scaffold: replaced by the real page before this lands.
export default function SchedulesPage() {
  return <section className="page"><h1>SchedulesPage</h1></section>;
}
