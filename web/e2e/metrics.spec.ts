import { expect, test } from "@playwright/test";
import { CLUSTER, expectAccessible, loginAs, screenshot } from "./fixtures";

test("a viewer watches live metrics: charts with data, numbers, another range, updates without a reload", async ({ page }) => {
  await loginAs(page, "viewer");
  await page.goto(`/clusters/${CLUSTER}/metrics`);
  await expect(page.getByRole("heading", { name: "Live metrics" })).toBeVisible();

  // Every chart draws on a canvas once its series arrive (the collector reads the cluster every second).
  for (const chart of ["ops", "connections", "lag", "cache", "queues", "disk"]) {
    await expect(page.getByTestId(`chart-${chart}`).locator(".uplot canvas").first()).toBeVisible({ timeout: 30_000 });
  }
  const ops = page.getByTestId("chart-ops").getByRole("img");
  await expect(ops).toHaveAttribute("aria-label", /router-0: latest [\d.,]+\/s/);

  // The latest round as numbers: every node of the cluster, answering, with its connections counted.
  const table = page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: "Connections" }) });
  for (const node of ["cfg-0", "shard0-0", "shard0-1", "shard0-2", "shard1-0", "router-0"]) {
    const row = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: node, exact: true }) });
    await expect(row.getByText("answering")).toBeVisible();
    await expect(row.getByRole("cell").nth(1)).toHaveText(/^\d[\d,]*/);
  }

  // Another range: the grid gets coarser, the charts draw again.
  await page.getByRole("button", { name: "1 hour", exact: true }).click();
  await expect(page.getByRole("button", { name: "1 hour", exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(page).toHaveURL(/range=1h/);
  await expect(ops).toHaveAttribute("aria-label", /last 1 hour/);
  await expect(page.getByTestId("chart-ops").locator(".uplot canvas").first()).toBeVisible();

  // One node: its operations by type on one chart, with a legend naming each.
  await page.getByLabel("Node", { exact: true }).selectOption("shard0-0");
  await expect(page.getByTestId("chart-ops").locator(".u-legend")).toContainText("insert");
  await expect(page.getByTestId("chart-ops").locator(".u-legend")).toContainText("command");
  await expect(ops).toHaveAttribute("aria-label", /shard0-0, last 1 hour\. insert: latest/);

  // Live: the latest round's time moves on by itself, without reloading the page.
  await page.evaluate(() => {
    (globalThis as unknown as { stayedLoaded: boolean }).stayedLoaded = true;
  });
  const takenAt = page.getByTestId("metrics-taken-at");
  const before = await takenAt.textContent();
  await expect.poll(async () => takenAt.textContent(), { timeout: 20_000 }).not.toEqual(before);
  expect(await page.evaluate(() => (globalThis as unknown as { stayedLoaded?: boolean }).stayedLoaded)).toBe(true);
  await expect(page.getByRole("status").filter({ hasText: "Live:" })).toBeVisible();

  // Back to every node over the last 5 minutes for the screenshot (the cluster of this run is minutes old).
  await page.getByLabel("Node", { exact: true }).selectOption("");
  await page.getByRole("button", { name: "5 min", exact: true }).click();
  await expect(page).toHaveURL(/range=5m/);
  for (const chart of ["ops", "connections", "lag", "cache", "queues", "disk"]) {
    await expect(page.getByTestId(`chart-${chart}`).locator(".uplot canvas").first()).toBeVisible();
  }
  await screenshot(page, "metrics");
  await expectAccessible(page);
});
