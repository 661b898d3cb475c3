// Backups and the restore wizard against the real cluster: an operator starts a full backup from the page and
// watches it complete, then restores the whole cluster to a point in time picked on the timeline (after that
// backup), sees the preflight, confirms, and watches the restore succeed; the data is checked through the API.
// The restore puts the cluster back as it was at that moment: the data the other specs expect.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiAs, CLUSTER, expectAccessible, loginAs, screenshot, waitForJob } from "./fixtures";

/** The job the page just started, by its card (the newest): followed on the page until it succeeds, then its final
 * record as the API gives it. */
async function newestJobSucceeds(page: Page, api: APIRequestContext, timeout: number): Promise<Record<string, unknown>> {
  const card = page.locator(".job-card").first();
  await expect(card.getByRole("link", { name: "Open the job" })).toBeVisible();
  const jobId = (await card.getAttribute("data-testid"))!.replace(/^job-/, "");
  await expect(card.getByRole("status")).toContainText("succeeded", { timeout });
  const job = await waitForJob(api, jobId);
  expect(job.state).toBe("succeeded");
  return job;
}

test("a full backup from the page, then a point-in-time restore from the timeline", async ({ page }) => {
  test.setTimeout(600_000);
  const api = await apiAs("operator");
  await loginAs(page, "operator");
  await page.goto(`/clusters/${CLUSTER}/backups`);

  // The backup: started from the dialog, followed live until it succeeds, then listed in the catalog.
  await page.getByRole("button", { name: "Create backup" }).click();
  const dialog = page.getByRole("dialog", { name: `Create a backup of ${CLUSTER}` });
  await expect(dialog.getByRole("radio", { name: /^Full/ })).toBeChecked();
  await dialog.getByRole("button", { name: "Start backup" }).click();
  await expect(dialog).toBeHidden();
  const backupJob = await newestJobSucceeds(page, api, 180_000);
  const backupId = String(backupJob.reference);
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: backupId }) });
  await expect(row).toContainText("done");
  await expect(row).toContainText("full");
  const marker = page.getByRole("button", { name: new RegExp(`full backup ${backupId}, restore point`) });
  await expect(marker).toBeVisible();
  await marker.focus();
  await page.keyboard.press("Enter");
  await expect(row).toHaveClass(/highlighted/);
  await screenshot(page, "backups");
  await expectAccessible(page);

  const catalog = (await (await api.get(`/api/v1/clusters/${CLUSTER}/backups`)).json()) as {
    backups: { backup_id: string; restore_to_time: string }[];
  };
  const restorePoint = Date.parse(catalog.backups.find((backup) => backup.backup_id === backupId)!.restore_to_time);

  // The wizard: point in time, a time picked on the timeline after the backup, the preflight, the confirmation.
  await page.getByRole("link", { name: "Restore", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/clusters/${CLUSTER}/restore$`));
  await page.getByRole("radio", { name: /Whole cluster to a point in time/ }).check();
  await screenshot(page, "restore-1-kind");
  await page.getByRole("button", { name: "Next" }).click();

  const slider = page.getByRole("slider", { name: "Time to restore to" });
  // The slicer extends the window every few seconds: wait until it reaches past the new backup's restore point.
  await expect
    .poll(async () => Number(await slider.getAttribute("aria-valuemax")) * 1000, { timeout: 90_000, intervals: [1000] })
    .toBeGreaterThan(restorePoint + 2000);
  await slider.focus();
  await page.keyboard.press("End");
  await page.keyboard.press("Shift+ArrowLeft");
  const chosen = Number(await slider.getAttribute("aria-valuenow")) * 1000;
  expect(chosen).toBeGreaterThan(restorePoint);
  await expect(page.getByText(/^Restore to \d{4}-\d\d-\d\d, \d\d:\d\d:\d\d$/)).toBeVisible();
  await expect(page.getByLabel("Exact time to restore to")).not.toHaveValue("");
  await screenshot(page, "restore-2-source");
  await expectAccessible(page);
  await page.getByRole("button", { name: "Next" }).click();

  await expect(page.getByTestId("preflight-verdict")).toHaveText("Every check passed: the restore can start.", { timeout: 120_000 });
  for (const check of ["Base backup", "Backup complete", "Files intact", "Primaries", "Oplog covers the time", "Nothing else running"]) {
    await expect(page.getByRole("listitem").filter({ hasText: check })).toContainText("passed");
  }
  await expect(page.getByRole("table", { name: "Dropped and written again" })).toContainText("shop.orders");
  await screenshot(page, "restore-3-preflight");
  await page.getByRole("button", { name: "Next" }).click();

  const start = page.getByRole("button", { name: "Start the restore" });
  await expect(start).toBeDisabled();
  await page.getByLabel(`Type the cluster name (${CLUSTER}) to confirm`).fill(CLUSTER);
  await screenshot(page, "restore-4-confirm");
  await start.click();

  const restoreJob = await newestJobSucceeds(page, api, 300_000);
  const restoreId = String(restoreJob.reference);
  const restored = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: restoreId }) });
  await expect(restored).toContainText("done", { timeout: 30_000 });
  await screenshot(page, "restore-done");
  await expectAccessible(page);

  // The data is there: the job restored the backup's documents, and the sharded collection has all its orders.
  const result = restoreJob.result as { documents: number; restore_to_time: string; backup_id: string };
  expect(result.backup_id).toBe(backupId);
  expect(result.documents).toBeGreaterThanOrEqual(550);
  expect(Date.parse(result.restore_to_time)).toBe(chosen);
  const distribution = (await (await api.get(`/api/v1/clusters/${CLUSTER}/distribution`)).json()) as {
    collections: { namespace: string; documents: number }[];
  };
  expect(distribution.collections.find((collection) => collection.namespace === "shop.orders")?.documents).toBe(500);
});
