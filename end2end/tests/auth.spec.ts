import { test, expect, openHydrated } from "./fixtures";
import { ADMIN } from "./accounts";

const ANALYST = { username: "ana", password: "ana-password-1" };

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("sign in with a wrong then the right password, then sign out", async ({ page, consoleProblems }) => {
    await openHydrated(page, "/");
    await expect(page).toHaveURL(/\/login$/);
    await page.locator("input[name=username]").fill(ADMIN.username);
    await page.locator("input[name=password]").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toHaveText("wrong username or password");
    await page.screenshot({ path: "test-results/login.png", fullPage: true });

    await page.locator("input[name=password]").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
    await expect(page.getByTestId("whoami")).toHaveText("admin · admin");
    const cookie = (await page.context().cookies()).find((c) => c.name === "databaseai_session");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Lax");
    expect(await page.evaluate(() => document.cookie)).not.toContain("databaseai_session");

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/settings");
    await expect(page).toHaveURL(/\/login$/);
  });
});

test("an admin adds an analyst, who sees the shared demo but no admin pages", async ({ page, browser, consoleProblems }) => {
  await openHydrated(page, "/admin");
  await page.locator("input[name=new_username]").fill(ANALYST.username);
  await page.locator("input[name=new_password]").fill(ANALYST.password);
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(page.getByText(`Added ${ANALYST.username}.`)).toBeVisible();
  await expect(page.locator(`[data-user=${ANALYST.username}]`)).toContainText("analyst");
  await expect(page.getByTestId("audit")).toContainText("user_created");
  await page.screenshot({ path: "test-results/admin.png", fullPage: true });

  const analyst = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const other = await analyst.newPage();
  const problems: string[] = [];
  other.on("console", (m) => { if (m.type() === "error" || /hydrat/i.test(m.text())) problems.push(m.text()); });
  await openHydrated(other, "/login");
  await other.locator("input[name=username]").fill(ANALYST.username);
  await other.locator("input[name=password]").fill(ANALYST.password);
  await other.getByRole("button", { name: "Sign in" }).click();
  await expect(other.getByTestId("whoami")).toHaveText("ana · analyst");
  await expect(other.locator(".ds-card", { hasText: "Demo shop" })).toBeVisible();
  await expect(other.locator(".ds-card button", { hasText: "Delete" })).toHaveCount(0);
  await expect(other.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await expect(other.getByRole("link", { name: "Settings" })).toHaveCount(0);
  for (const path of ["/admin", "/settings"]) {
    await openHydrated(other, path);
    await expect(other.getByTestId("not-allowed")).toBeVisible();
  }
  await other.screenshot({ path: "test-results/analyst-admin-page.png", fullPage: true });

  // A personal token is shown once and works for the API.
  await openHydrated(other, "/account");
  await other.locator("input[name=token_name]").fill("notebook");
  await other.getByRole("button", { name: "Create token" }).click();
  const secret = (await other.getByTestId("new-token").textContent()) ?? "";
  expect(secret).toMatch(/^dbai_/);
  const api = await fetch(new URL("/api/v1/datasources", other.url()), { headers: { authorization: `Bearer ${secret}` } });
  expect(api.status).toBe(200);
  expect((await api.json()).map((d: { name: string }) => d.name)).toEqual(["Demo shop"]);
  await openHydrated(other, "/account");
  await expect(other.getByTestId("tokens")).toContainText("notebook");
  expect(await other.content()).not.toContain(secret);
  expect(problems).toEqual([]);
  await analyst.close();
});

test("an admin names a datasource's own functions that queries may call", async ({ page, consoleProblems }) => {
  await openHydrated(page, "/admin");
  const row = page.locator("fieldset.share-row[data-datasource='Demo shop']");
  const input = row.locator("input[name=allowed_functions]");
  // The server's own functions cannot be added; the reason is shown and nothing is saved.
  await input.fill("pg_sleep");
  await row.getByRole("button", { name: "Save functions" }).click();
  await expect(row.getByRole("alert")).toContainText("belongs to the server");
  await input.fill("main.loyalty_tier,  Net_Revenue");
  await row.getByRole("button", { name: "Save functions" }).click();
  await expect(row.getByRole("status")).toHaveText("Saved");
  await expect(input).toHaveValue("main.loyalty_tier, net_revenue");
  await page.screenshot({ path: "test-results/admin-functions.png", fullPage: true });
  await page.reload();
  await expect(page.locator("fieldset.share-row[data-datasource='Demo shop'] input[name=allowed_functions]")).toHaveValue("main.loyalty_tier, net_revenue");
  await expect(page.getByTestId("audit")).toContainText("functions_allowed");
});
