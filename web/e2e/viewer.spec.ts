// What a viewer may do: read every page, with none of the buttons of what needs the operator (or admin) role, and
// the API refuses those actions even when they are sent from the viewer's own logged-in browser with its CSRF
// token. Each absence is checked next to an operator who sees the same page with the button, so that no check
// passes merely because the page had not loaded. What this spec starts (a backup, a schedule) it removes again.
import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { apiAs, CLUSTER, expectAccessible, loginAs, screenshot, waitForJob, type Role } from "./fixtures";

const SCHEDULE = "viewer-spec health check";

let operator: APIRequestContext;
let admin: APIRequestContext;
let backupId = "";
let scheduleId = "";

test.beforeAll(async () => {
  operator = await apiAs("operator");
  admin = await apiAs("admin");
  // A complete backup, so that the catalog has a row with its verify, drill and delete buttons.
  const started = await operator.post(`/api/v1/clusters/${CLUSTER}/backups`, { data: { type: "full" } });
  expect(started.status()).toBe(202);
  const job = await waitForJob(operator, ((await started.json()) as { job_id: string }).job_id);
  expect(job.state).toBe("succeeded");
  backupId = String(job.reference);
  // A schedule that would run on 1 January at 03:00 only: its row has pause (operator), edit and delete (admin).
  const schedule = await admin.post("/api/v1/schedules", {
    data: { name: SCHEDULE, kind: "health-check", cluster: CLUSTER, cron: "0 3 1 1 *" },
  });
  expect(schedule.status()).toBe(201);
  scheduleId = ((await schedule.json()) as { id: string }).id;
});

test.afterAll(async () => {
  if (scheduleId) expect((await admin.delete(`/api/v1/schedules/${scheduleId}`)).status()).toBe(204);
  if (backupId) await operator.delete(`/api/v1/clusters/${CLUSTER}/backups/${encodeURIComponent(backupId)}`);
  await operator.dispose();
  await admin.dispose();
});

async function pageAs(browser: Browser, role: Role): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await loginAs(page, role);
  return page;
}

test("the viewer has no operator or admin button where the operator has them", async ({ browser }) => {
  const asOperator = await pageAs(browser, "operator");
  const asViewer = await pageAs(browser, "viewer");

  // The header: no users or audit for anyone but an admin; every role has its account.
  const viewerNav = asViewer.getByRole("navigation", { name: "Main" });
  await expect(viewerNav.getByRole("link", { name: "Clusters" })).toBeVisible();
  await expect(viewerNav.getByRole("link", { name: "Users" })).toHaveCount(0);
  await expect(viewerNav.getByRole("link", { name: "Audit" })).toHaveCount(0);
  await expect(asViewer.getByRole("link", { name: "My account" })).toBeVisible();
  await asViewer.goto("/users");
  await expect(asViewer.getByText("Only administrators manage users.", { exact: false })).toBeVisible();
  await asViewer.goto("/audit");
  await expect(asViewer.getByText("Only administrators read the audit trail.")).toBeVisible();

  // Backups: create, and on a complete backup verify, restore drill and delete.
  const backups = `/clusters/${CLUSTER}/backups`;
  const backupRow = (page: Page) =>
    page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: backupId, exact: true }) });
  for (const page of [asOperator, asViewer]) {
    await page.goto(backups);
    // Both read the catalog, and may open the backup's runbook.
    await expect(backupRow(page).getByRole("button", { name: "Runbook" })).toBeVisible();
  }
  const backupActions = (page: Page) => [
    page.getByRole("button", { name: "Create backup" }),
    backupRow(page).getByRole("button", { name: "Verify" }),
    backupRow(page).getByRole("button", { name: "Restore drill" }),
    backupRow(page).getByRole("link", { name: "Restore…" }),
    backupRow(page).getByRole("button", { name: "Delete" }),
  ];
  for (const action of backupActions(asOperator)) await expect(action).toBeVisible();
  for (const action of backupActions(asViewer)) await expect(action).toHaveCount(0);
  await expectAccessible(asViewer);
  await screenshot(asViewer, "viewer-backups");

  // Restore: the wizard for the operator, an explanation for the viewer.
  const restore = `/clusters/${CLUSTER}/restore`;
  await asOperator.goto(restore);
  await expect(asOperator.getByRole("radio", { name: "Whole cluster from a backup" })).toBeVisible();
  await expect(asOperator.getByRole("button", { name: "Next" })).toBeVisible();
  await asViewer.goto(restore);
  await expect(asViewer.getByTestId("viewer-explanation")).toBeVisible();
  await expect(asViewer.getByRole("radio")).toHaveCount(0);
  await expect(asViewer.getByRole("button", { name: "Next" })).toHaveCount(0);
  await expectAccessible(asViewer);

  // Schedules: pause or resume for the operator; nothing for the viewer (nor new, edit, delete).
  for (const page of [asOperator, asViewer]) {
    await page.goto("/schedules");
    await expect(page.getByTestId(`schedule-${SCHEDULE}`)).toBeVisible();
  }
  await expect(asOperator.getByTestId(`schedule-${SCHEDULE}`).getByRole("button", { name: "Pause" })).toBeVisible();
  await expect(asViewer.getByTestId(`schedule-${SCHEDULE}`).getByRole("button")).toHaveCount(0);
  await expect(asViewer.getByRole("button", { name: "New schedule" })).toHaveCount(0);
  await expectAccessible(asViewer);

  // Jobs: a running job can be cancelled by the operator, not by the viewer. It reads slowly, so it is still
  // running while both look at it; then the operator cancels it.
  const started = await operator.post(`/api/v1/clusters/${CLUSTER}/backups`, { data: { type: "full", rate_limit_mb_s: 0.01 } });
  expect(started.status()).toBe(202);
  const { job_id: jobId } = (await started.json()) as { job_id: string };
  try {
    for (const page of [asOperator, asViewer]) {
      await page.goto(`/jobs/${jobId}`);
      await expect(page.getByTestId("job-status")).toContainText("running");
    }
    await expect(asOperator.getByRole("button", { name: "Cancel job" })).toBeVisible();
    await expect(asViewer.getByRole("button", { name: "Cancel job" })).toHaveCount(0);
    await expect(asViewer.getByTestId("job-status")).toContainText("running");
    // From the viewer's browser, the API refuses to cancel it.
    const refused = await sendAsSession(asViewer, "POST", `/api/v1/jobs/${jobId}/cancel`);
    expect(refused).toEqual({ status: 403, detail: "requires the operator role" });
  } finally {
    await operator.post(`/api/v1/jobs/${jobId}/cancel`);
    const job = await waitForJob(operator, jobId);
    if (job.reference) await operator.delete(`/api/v1/clusters/${CLUSTER}/backups/${encodeURIComponent(String(job.reference))}`);
  }
});

/** Send a request from the page with the browser's session cookie and the session's CSRF token, as the dashboard
 * itself would; the answer's status and detail. */
async function sendAsSession(page: Page, method: string, path: string, body?: unknown, csrf = true) {
  return page.evaluate(
    async ({ method, path, body, csrf }) => {
      const session = (await (await fetch("/api/v1/auth/session")).json()) as { csrf_token: string };
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (csrf) headers["X-CSRF-Token"] = session.csrf_token;
      const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const answer = (await response.json().catch(() => ({}))) as { detail?: string };
      return { status: response.status, detail: answer.detail };
    },
    { method, path, body, csrf },
  );
}

test("the API refuses a viewer's operator and admin actions sent from the viewer's own browser session", async ({ page }) => {
  await loginAs(page, "viewer");
  const catalog = `/api/v1/clusters/${CLUSTER}/backups`;
  const backupIds = async () => {
    const response = await operator.get(catalog);
    expect(response.ok()).toBeTruthy();
    return ((await response.json()) as { backups: { backup_id: string }[] }).backups.map((entry) => entry.backup_id).sort();
  };
  const backupsBefore = await backupIds();

  // The session works: a viewer reads, and a request without the CSRF token is refused before anything else.
  const read = await page.evaluate(async (path) => (await fetch(path)).status, catalog);
  expect(read).toBe(200);
  const noCsrf = await sendAsSession(page, "POST", catalog, { type: "full" }, false);
  expect(noCsrf.status).toBe(403);
  expect(noCsrf.detail).toMatch(/CSRF/);

  // With the token, the role decides: each is refused with the API's reason.
  const backup = `${catalog}/${encodeURIComponent(backupId)}`;
  const attempts: [string, string, unknown, string][] = [
    ["POST", catalog, { type: "full" }, "operator"],
    ["POST", `${backup}/verify`, undefined, "operator"],
    ["DELETE", backup, undefined, "operator"],
    ["POST", `/api/v1/clusters/${CLUSTER}/restores`, { kind: "cluster", backup_id: backupId }, "operator"],
    ["POST", `/api/v1/schedules/${scheduleId}/pause`, undefined, "operator"],
    ["DELETE", `/api/v1/schedules/${scheduleId}`, undefined, "admin"],
    ["POST", "/api/v1/users", { username: "viewer-made", password: "a long enough password", role: "admin" }, "admin"],
  ];
  for (const [method, path, body, role] of attempts) {
    const answer = await sendAsSession(page, method, path, body);
    expect(answer, `${method} ${path}`).toEqual({ status: 403, detail: `requires the ${role} role` });
  }

  // Nothing happened: the same catalog, the schedule still there and active, no new user.
  expect(await backupIds()).toEqual(backupsBefore);
  const schedule = (await (await admin.get(`/api/v1/schedules/${scheduleId}`)).json()) as { paused: boolean };
  expect(schedule.paused).toBe(false);
  const users = (await (await admin.get("/api/v1/users")).json()) as { data: { username: string }[] };
  expect(users.data.map((user) => user.username)).not.toContain("viewer-made");

  // And the audit trail has the viewer's refused attempts, made with the dashboard session.
  const audit = await admin.get("/api/v1/audit", { params: { actor: "viewer", status: 403, path_prefix: catalog } });
  const events = ((await audit.json()) as { data: { method: string; actor_kind: string }[] }).data;
  expect(events.filter((event) => event.method === "POST" && event.actor_kind === "session").length).toBeGreaterThanOrEqual(2);
});
