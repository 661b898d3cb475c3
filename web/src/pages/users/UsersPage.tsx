// TEMPORARY scaffold: replaced by the real page before this lands.
export default function UsersPage() {
  return <section className="page"><h1>UsersPage</h1></section>;
}
