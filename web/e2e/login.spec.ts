import { expect, test } from "@playwright/test";
import { expectAccessible, loginAs, screenshot } from "./fixtures";

test("a wrong password is refused with the API's reason", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
  await expectAccessible(page);
  await screenshot(page, "login");
});

test("log in, switch to Korean and back, log out", async ({ page }) => {
  await loginAs(page, "admin");
  await expect(page).toHaveURL(/\/clusters$/);
  await page.getByLabel("Language").selectOption("ko");
  await expect(page.getByRole("link", { name: "클러스터" }).first()).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await page.getByLabel("언어").selectOption("en");
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  // The session is gone: a logged-in page sends the browser back to the login page.
  await page.goto("/jobs");
  await expect(page).toHaveURL(/\/login$/);
});
