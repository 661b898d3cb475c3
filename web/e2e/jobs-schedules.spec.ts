// Jobs and schedules in a real browser: a schedule made with its live preview, paused, resumed and deleted; the
// roles' limits; a backup job followed live on its page to the end, then found in the jobs list.
import { expect, test } from "@playwright/test";
import { apiAs, CLUSTER, expectAccessible, loginAs, screenshot, waitForJob } from "./fixtures";

test("an admin schedules a health check with a live preview, pauses, resumes and deletes it", async ({ page }) => {
  await loginAs(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Schedules" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Schedules" })).toBeVisible();

  await page.getByRole("button", { name: "New schedule" }).click();
  const form = page.getByRole("form", { name: "New schedule" });
  const name = "e2e health every 5 min";
  await form.getByLabel("Name", { exact: true }).fill(name);
  // Selects by role: a <label> around a <select> also holds the chosen option's text.
  await form.getByRole("combobox", { name: "Kind", exact: true }).selectOption("health-check");
  await form.getByRole("combobox", { name: "Cluster", exact: true }).selectOption(CLUSTER);
  const cron = form.getByLabel("Cron expression");
  const preview = form.getByTestId("schedule-preview");
  // A bad expression: the API's own reason, as the user types.
  await cron.fill("61 * * * *");
  await expect(preview).toContainText("The API refuses this expression");
  await cron.fill("*/5 * * * *");
  await expect(preview.getByRole("listitem")).toHaveCount(5);
  await expect(preview).toContainText("Every 5 minutes");
  await screenshot(page, "schedule-form");
  await expectAccessible(page);

  await form.getByRole("button", { name: "Create schedule" }).click();
  await expect(form).toHaveCount(0);
  const row = page.getByTestId(`schedule-${name}`);
  await expect(row).toContainText("*/5 * * * *");
  await expect(row).toContainText("Every 5 minutes");
  await expect(row.getByText("active", { exact: true })).toBeVisible();
  await screenshot(page, "schedules");
  await expectAccessible(page);

  await row.getByRole("button", { name: "Pause" }).click();
  await expect(row.getByText("paused", { exact: true })).toBeVisible();
  await expect(row).toContainText("paused: no next run");
  await row.getByRole("button", { name: "Resume" }).click();
  await expect(row.getByText("active", { exact: true })).toBeVisible();

  await row.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog", { name: `Delete schedule ${name}?` }).getByRole("button", { name: "Delete" }).click();
  await expect(row).toHaveCount(0);
});

test("an operator pauses and resumes a schedule, and is not offered what only an admin may do", async ({ page }) => {
  const admin = await apiAs("admin");
  const created = await admin.post("/api/v1/schedules", {
    data: { name: "e2e nightly check", kind: "health-check", cluster: CLUSTER, cron: "0 3 * * *", timezone: "Asia/Seoul" },
  });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  try {
    await loginAs(page, "operator");
    await page.goto("/schedules");
    const row = page.getByTestId("schedule-e2e nightly check");
    await expect(row).toContainText("At 03:00");
    await expect(row).toContainText("Asia/Seoul");
    await expect(page.getByRole("button", { name: "New schedule" })).toHaveCount(0);
    await expect(row.getByRole("button", { name: "Edit" })).toHaveCount(0);
    await expect(row.getByRole("button", { name: "Delete" })).toHaveCount(0);

    await row.getByRole("button", { name: "Pause" }).click();
    await expect(row.getByText("paused", { exact: true })).toBeVisible();
    await row.getByRole("button", { name: "Resume" }).click();
    await expect(row.getByText("active", { exact: true })).toBeVisible();

    // What the page does not offer, the API refuses.
    const operator = await apiAs("operator");
    expect((await operator.delete(`/api/v1/schedules/${id}`)).status()).toBe(403);
  } finally {
    expect((await admin.delete(`/api/v1/schedules/${id}`)).status()).toBe(204);
  }
});

test("a backup job's page follows its progress and log live to the end; the jobs list shows it", async ({ page }) => {
  const operator = await apiAs("operator");
  await loginAs(page, "operator");
  // Read slowly, so the job is still running when its page opens.
  const started = await operator.post(`/api/v1/clusters/${CLUSTER}/backups`, { data: { type: "full", rate_limit_mb_s: 0.01 } });
  expect(started.status()).toBe(202);
  const { job_id: jobId } = (await started.json()) as { job_id: string };
  let backupId: string | null = null;
  try {
    const stream = page.waitForRequest((request) => request.url().endsWith(`/api/v1/jobs/${jobId}/events`));
    await page.goto(`/jobs/${jobId}`);
    await expect(page.getByRole("heading", { level: 1, name: `backup on ${CLUSTER}` })).toBeVisible();
    await stream;
    await expect(page.getByTestId("stream-status")).toHaveText("Live");
    await expect(page.getByTestId("job-status")).toContainText("running");
    const log = page.getByRole("log", { name: "Log" }).getByRole("listitem");
    await expect(log.first()).toBeVisible();

    await expect(page.getByTestId("job-status")).toContainText("succeeded", { timeout: 120_000 });
    await expect(page.getByRole("progressbar", { name: "Progress of the job" })).toHaveAttribute("aria-valuenow", "100");
    await expect(page.getByTestId("stream-status")).toHaveText("The job has ended.");
    await expect(page.getByRole("heading", { name: "Result" })).toBeVisible();
    expect(await log.count()).toBeGreaterThan(3);
    const job = await waitForJob(operator, jobId);
    expect(job.state).toBe("succeeded");
    backupId = String(job.reference);
    await screenshot(page, "job");
    await expectAccessible(page);

    await page.getByRole("link", { name: "All jobs" }).click();
    const link = page.getByRole("link", { name: "backup" }).and(page.locator(`[href="/jobs/${jobId}"]`));
    await expect(link).toBeVisible();
    const row = page.getByRole("row").filter({ has: link });
    await expect(row).toContainText("succeeded");
    await expect(row).toContainText("operator");
    await screenshot(page, "jobs");
    await expectAccessible(page);
  } finally {
    // Leave the catalog as it was: the backup this test took goes.
    const job = await waitForJob(operator, jobId);
    backupId ??= job.reference ? String(job.reference) : null;
    if (backupId) await operator.delete(`/api/v1/clusters/${CLUSTER}/backups/${encodeURIComponent(backupId)}`);
  }
});
