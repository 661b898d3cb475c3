// Users and roles, the audit trail and My account, against the real API: an administrator creates a user, changes
// its role, disables and deletes it, then finds those requests in the audit trail; a user of its own changes its
// password and creates and revokes an API token. Every user made here is deleted again, whatever happens.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiAs, expectAccessible, loginAs, screenshot } from "./fixtures";

// Names this spec alone uses, unique per run (the same API serves every spec file).
const RUN = `p5-${Date.now().toString(36)}`;
const MANAGED = `${RUN}-managed`;
const SELF = `${RUN}-self`;
const FIRST_PASSWORD = "first password of the e2e run";
const SECOND_PASSWORD = "second password of the e2e run";

interface UserRecord {
  id: number;
  username: string;
  role: string;
  disabled: boolean;
}

async function usersNamed(admin: APIRequestContext, username: string): Promise<UserRecord[]> {
  const response = await admin.get("/api/v1/users");
  expect(response.ok()).toBeTruthy();
  const { data } = (await response.json()) as { data: UserRecord[] };
  return data.filter((user) => user.username === username);
}

test.afterAll(async () => {
  const admin = await apiAs("admin");
  for (const username of [MANAGED, SELF]) {
    for (const user of await usersNamed(admin, username)) await admin.delete(`/api/v1/users/${user.id}`);
  }
  await admin.dispose();
});

test("an administrator manages a user and finds every change in the audit trail", async ({ page }) => {
  const admin = await apiAs("admin");
  await loginAs(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Users and roles" })).toBeVisible();

  // Create.
  const form = page.getByRole("form", { name: "Add a user" });
  await form.getByLabel("Username").fill(MANAGED);
  await form.getByLabel("Role").selectOption("viewer");
  await form.getByLabel("Password", { exact: true }).fill(FIRST_PASSWORD);
  await form.getByLabel("Confirm password").fill(FIRST_PASSWORD);
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("status").filter({ hasText: `User ${MANAGED} created as viewer.` })).toBeVisible();
  const [created] = await usersNamed(admin, MANAGED);
  expect(created?.role).toBe("viewer");
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: MANAGED }) });
  await expect(row.getByText("never")).toBeVisible();

  // Change its role.
  await page.getByLabel(`Role of ${MANAGED}`, { exact: true }).selectOption("operator");
  await page.getByRole("button", { name: `Change role of ${MANAGED}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `${MANAGED} is now operator.` })).toBeVisible();
  expect((await usersNamed(admin, MANAGED))[0]?.role).toBe("operator");

  // Disable, after the confirmation.
  await page.getByRole("button", { name: `Disable ${MANAGED}` }).click();
  const disable = page.getByRole("dialog", { name: `Disable ${MANAGED}?` });
  await expect(disable).toBeVisible();
  await disable.getByRole("button", { name: "Disable user" }).click();
  await expect(page.getByRole("status").filter({ hasText: `${MANAGED} is disabled.` })).toBeVisible();
  await expect(row.getByText("disabled", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: `Enable ${MANAGED}` })).toBeVisible();
  expect((await usersNamed(admin, MANAGED))[0]?.disabled).toBe(true);

  // The API's refusal, in its own words: the only administrator cannot give up the role.
  await page.getByLabel("Role of admin", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Change role of admin" }).click();
  await page.getByRole("dialog", { name: "Give up your admin role?" }).getByRole("button", { name: "Change my role" }).click();
  await expect(page.getByRole("alert")).toContainText("the last active admin cannot be demoted, disabled or deleted");
  await expect(page.getByLabel("Role of admin", { exact: true })).toHaveValue("admin");
  await expectAccessible(page);
  await screenshot(page, "users");

  // Delete, after the confirmation.
  await page.getByRole("button", { name: `Delete ${MANAGED}` }).click();
  const remove = page.getByRole("dialog", { name: `Delete ${MANAGED}?` });
  await expect(remove).toContainText("This cannot be undone");
  await remove.getByRole("button", { name: "Delete user" }).click();
  await expect(page.getByRole("status").filter({ hasText: `${MANAGED} was deleted.` })).toBeVisible();
  await expect(page.getByRole("rowheader", { name: MANAGED })).toHaveCount(0);
  expect(await usersNamed(admin, MANAGED)).toEqual([]);

  // The audit trail: the user's requests by path, then by target from a link.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Audit trail" })).toBeVisible();
  await page.getByRole("textbox", { name: "Actor" }).fill("admin");
  await page.getByLabel("Path starts with").fill(`/api/v1/users/${created!.id}`);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]path_prefix=%2Fapi%2Fv1%2Fusers%2F${created!.id}(&|$)`));
  const events = page.getByRole("table", { name: "Audit events, newest first" }).locator("tbody tr");
  await expect(events).toHaveCount(3);
  await expect(events.nth(0)).toContainText("DELETE");
  await expect(events.nth(0)).toContainText("204");
  await expect(events.nth(1)).toContainText("PATCH");
  await expect(events.nth(2)).toContainText("PATCH");
  for (const event of await events.all()) await expect(event).toContainText("dashboard");

  // The link reproduces the view: open it afresh.
  const url = page.url();
  await page.goto(url);
  await expect(events).toHaveCount(3);

  // Narrow to the target from its link, then to the refused requests of the administrator.
  await events.nth(0).getByRole("link", { name: `users/${created!.id}: show only events on this target` }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]target=users%2F${created!.id}(&|$)`));
  await expect(events).toHaveCount(3);
  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.getByRole("textbox", { name: "Actor" }).fill("admin");
  await page.getByLabel("Outcome").selectOption("4xx");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/status_class=4xx/);
  const refusal = events.filter({ hasText: "409" }).first();
  await expect(refusal).toContainText("PATCH");
  await expect(refusal.getByText("409")).toHaveClass(/badge warn/);
  await expectAccessible(page);
  await screenshot(page, "audit");
  await admin.dispose();
});

async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("whoami")).toContainText(username);
}

test("a user changes their own password and creates and revokes an API token", async ({ page, playwright }) => {
  const admin = await apiAs("admin");
  const made = await admin.post("/api/v1/users", { data: { username: SELF, password: FIRST_PASSWORD, role: "viewer" } });
  expect(made.status()).toBe(201);
  await logIn(page, SELF, FIRST_PASSWORD);
  // A viewer sees neither Users nor Audit, but has an account page.
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
  await page.getByRole("link", { name: "My account" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "My account" })).toBeVisible();
  await expect(page.getByText(`Signed in as ${SELF} with the viewer role.`)).toBeVisible();

  // A token: shown once, works as a bearer token, then revoked.
  await page.getByLabel("Name", { exact: true }).fill("e2e-token");
  await page.getByLabel("Expires after (days)").fill("1");
  await page.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByRole("region", { name: "New token: e2e-token" });
  await expect(shown).toContainText("shown only this once");
  const token = await shown.getByLabel("Token").inputValue();
  expect(token).toMatch(/^mat_/);
  await expect(page.getByRole("rowheader", { name: "e2e-token" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "account");
  const bearer = await playwright.request.newContext({
    baseURL: process.env.E2E_BASE_URL,
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
  });
  const me = await bearer.get("/api/v1/auth/me");
  expect(me.status()).toBe(200);
  expect(((await me.json()) as { username: string }).username).toBe(SELF);
  await shown.getByRole("button", { name: "I have copied it" }).click();
  await expect(shown).toHaveCount(0);
  await page.getByRole("button", { name: "Revoke e2e-token" }).click();
  await page.getByRole("dialog", { name: "Revoke the token e2e-token?" }).getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Token e2e-token revoked." })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "e2e-token" })).toContainText("revoked");
  expect((await bearer.get("/api/v1/auth/me")).status()).toBe(401);
  await bearer.dispose();

  // The password: changed, this session goes on (renewed), and only the new password logs in.
  const form = page.getByRole("form", { name: "Change your password" });
  await form.getByLabel("Current password").fill(FIRST_PASSWORD);
  await form.getByLabel("New password").fill(SECOND_PASSWORD);
  await form.getByLabel("Confirm password").fill(SECOND_PASSWORD);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByRole("status")).toContainText("Password changed.");
  await page.reload();
  await expect(page.getByTestId("whoami")).toContainText(SELF);
  await expect(page).toHaveURL(/\/account$/);
  const oldLogin = await admin.post("/api/v1/auth/token", { form: { username: SELF, password: FIRST_PASSWORD } });
  expect(oldLogin.status()).toBe(401);
  await page.getByRole("button", { name: "Log out" }).click();
  await logIn(page, SELF, SECOND_PASSWORD);
  await admin.dispose();
});
