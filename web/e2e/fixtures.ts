// What every spec needs: the run's settings, logging in as a role, the API with a role's token, screenshots,
// and the axe accessibility check.
import AxeBuilder from "@axe-core/playwright";
import { expect, request, type APIRequestContext, type Page } from "@playwright/test";
import { mkdir } from "node:fs/promises";

export type Role = "viewer" | "operator" | "admin";

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests through pytest tests/e2e`);
  return value;
}

export const CLUSTER = process.env.E2E_CLUSTER ?? "e2e";

/** Log in through the login page as the platform user of `role` (the users are named after their roles). */
export async function loginAs(page: Page, role: Role): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username").fill(role);
  await page.getByLabel("Password").fill(setting("E2E_PASSWORD"));
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("whoami")).toContainText(role);
}

/** The API as the user of `role` (a bearer token), for setting up or changing the cluster behind the page's back. */
export async function apiAs(role: Role): Promise<APIRequestContext> {
  return request.newContext({
    baseURL: setting("E2E_BASE_URL"),
    extraHTTPHeaders: { Authorization: `Bearer ${setting(`E2E_TOKEN_${role.toUpperCase()}`)}` },
  });
}

/** Wait for a job the API started to end, and return its final record. */
export async function waitForJob(api: APIRequestContext, jobId: string, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api.get(`/api/v1/jobs/${jobId}`);
    expect(response.ok()).toBeTruthy();
    const job = (await response.json()) as Record<string, unknown>;
    if (["succeeded", "failed", "cancelled"].includes(String(job.state))) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${String(job.state)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const SCREENSHOTS = new URL("./screenshots/", import.meta.url);

/** Save a full-page screenshot as e2e/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

/** Fail on any serious or critical axe violation of the page as it is now (WCAG 2.1 A and AA rules). */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  expect(
    serious.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`),
  ).toEqual([]);
}
