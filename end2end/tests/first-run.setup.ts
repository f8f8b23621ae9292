import { test, expect, openHydrated } from "./fixtures";
import { ADMIN, ADMIN_STATE } from "./accounts";

test("first run: the browser asks for the admin account, then signs it in", async ({ page, consoleProblems }) => {
  // A fresh server has no account: every page leads to the set-up page.
  await openHydrated(page, "/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Welcome to DatabaseAI" })).toBeVisible();
  await page.screenshot({ path: "test-results/setup.png", fullPage: true });

  await page.locator("input[name=username]").fill(ADMIN.username);
  await page.locator("input[name=password]").fill(ADMIN.password);
  await page.locator("input[name=repeat]").fill("something else");
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page.getByRole("alert")).toContainText("The two passwords differ.");

  await page.locator("input[name=repeat]").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await expect(page.getByTestId("whoami")).toHaveText("admin · admin");
  await expect(page.getByRole("link", { name: "Admin" })).toBeVisible();

  // The set-up page cannot be used twice.
  await openHydrated(page, "/setup");
  await expect(page.getByText("The admin account exists.")).toBeVisible();
  await page.context().storageState({ path: ADMIN_STATE });
});
