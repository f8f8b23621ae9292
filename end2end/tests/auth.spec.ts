import { test, expect, openEditor, openHydrated } from "./fixtures";
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
    // A page that needs signing in sends to sign-in, and sign-in leads back to it.
    await page.goto("/settings");
    await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
    await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
    await page.locator("input[name=username]").fill(ADMIN.username);
    await page.locator("input[name=password]").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByTestId("whoami")).toHaveText("admin · admin");
  });

  test("sign-in works before the page's WebAssembly has loaded", async ({ page }) => {
    // The WebAssembly never arrives: the form posts itself and the server answers with pages.
    await page.route("**/*.wasm", (route) => route.abort());
    await page.goto("/settings");
    await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
    await page.locator("input[name=username]").fill(ADMIN.username);
    await page.locator("input[name=password]").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/login\?next=%2Fsettings&failed=invalid_input$/);
    await expect(page.getByRole("alert")).toHaveText("wrong username or password");
    await page.locator("input[name=username]").fill(ADMIN.username);
    await page.locator("input[name=password]").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByTestId("whoami")).toHaveText("admin · admin");
    await expect(page.locator("body[data-hydrated=true]")).toHaveCount(0);
  });

  test("Back after signing out shows no signed-in page", async ({ page, consoleProblems }) => {
    const marker = `kept-out-of-the-cache-${Date.now()}`;
    await openHydrated(page, "/login");
    await page.locator("input[name=username]").fill(ADMIN.username);
    await page.locator("input[name=password]").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("whoami")).toHaveText("admin · admin");
    await page.locator(".ds-card", { hasText: "Demo shop" }).getByRole("link", { name: "Open" }).click();
    await expect(page.locator("#question")).toBeVisible();
    // Loaded in full, so the browser has this page's own document to keep (or not).
    const workbench = page.url();
    await openHydrated(page, workbench);
    await openEditor(page);
    await page.locator("textarea#sql").fill(`SELECT '${marker}' AS marker`);
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.locator(".result-table tbody tr[data-row] td").last()).toHaveText(marker);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    // The browser asks the server for the workbench again (nothing signed-in was cached, not
    // even the whole page) and is sent to sign in.
    const back = await page.goBack();
    expect(back, "Back loaded a page from the server").not.toBeNull();
    expect(back!.request().redirectedFrom()?.url()).toBe(workbench);
    await expect(page).toHaveURL(/\/login\?next=%2Fdatasources%2F/);
    expect(await page.content()).not.toContain(marker);
    await expect(page.getByTestId("whoami")).toHaveCount(0);
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

test("deleting an account takes a confirmation; your own has no Delete", async ({ page, consoleProblems }) => {
  const temp = `temp.user${Date.now() % 100000}`;
  await openHydrated(page, "/admin");
  await expect(page.locator(`[data-user=${ADMIN.username}]`)).toContainText("(you)");
  await expect(page.locator(`[data-user=${ADMIN.username}]`).getByRole("button")).toHaveCount(0);
  await page.locator("input[name=new_username]").fill(temp);
  await page.locator("input[name=new_password]").fill("temp-password-1");
  await page.getByRole("button", { name: "Add account" }).click();
  await expect(page.getByText(`Added ${temp}.`)).toBeVisible();
  const row = page.locator(`tr[data-user="${temp}"]`);
  await row.getByRole("button", { name: "Delete" }).click();
  await row.getByRole("button", { name: "Keep" }).click();
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: "Delete" }).click();
  await row.getByRole("button", { name: "Confirm delete" }).click();
  await expect(row).toHaveCount(0);
  await expect(page.getByText(`Added ${temp}.`)).toHaveCount(0);

  // The audit log filters by what, who, datasource and day.
  const audit = page.getByTestId("audit");
  await page.locator("select[name=audit_action]").selectOption("user_deleted");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(audit.locator("tbody tr td:nth-child(3)", { hasNotText: "user_deleted" })).toHaveCount(0);
  await expect(audit.locator("tbody tr").first()).toContainText("user_deleted");
  await page.screenshot({ path: "test-results/admin-audit-filtered.png", fullPage: true });
  await page.locator("input[name=audit_user]").fill("nobody-at-all");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(audit.locator("tbody tr")).toHaveCount(0);
  await page.locator("input[name=audit_user]").fill("");
  await page.locator("select[name=audit_action]").selectOption("");
  await page.locator("input[name=audit_to]").fill(new Date().toISOString().slice(0, 10));
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(audit.locator("tbody tr td:nth-child(3)", { hasText: "user_deleted" }).first()).toBeVisible();
  await page.locator("input[name=audit_from]").fill(new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10));
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(audit.locator("tbody tr")).toHaveCount(0);
  await page.getByRole("button", { name: "Clear", exact: true }).click();
  await expect(page.locator("input[name=audit_user]")).toHaveValue("");
  await expect(audit.locator("tbody tr td:nth-child(3)", { hasText: "login" }).first()).toBeVisible();
});

test("an admin changes a role and sets a new password; a user changes their own", async ({ page, browser, consoleProblems }) => {
  const name = `bea${Date.now() % 100000}`;
  await openHydrated(page, "/admin");
  await page.locator("input[name=new_username]").fill(name);
  await page.locator("input[name=new_password]").fill("bea-password-1");
  await page.getByRole("button", { name: "Add account" }).click();
  const row = page.locator(`tr[data-user="${name}"]`);
  await row.getByLabel(`Role of ${name}`).selectOption("admin");
  await expect(page.getByTestId("audit")).toContainText(`${name} is now admin (was analyst)`);
  await expect(page.locator(`tr[data-user="${name}"]`).getByLabel(`Role of ${name}`)).toHaveValue("admin");
  await page.locator(`tr[data-user="${name}"]`).getByLabel(`Role of ${name}`).selectOption("analyst");
  await expect(page.getByTestId("audit")).toContainText(`${name} is now analyst (was admin)`);
  await page.locator(`tr[data-user="${name}"]`).getByRole("button", { name: "Reset password" }).click();
  await page.getByLabel(`New password for ${name}`).fill("set-by-admin-1");
  await page.locator(`tr[data-user="${name}"]`).getByRole("button", { name: "Set password" }).click();
  await expect(page.locator(`tr[data-user="${name}"]`).getByRole("status")).toHaveText(`Password set; ${name} was signed out everywhere.`);

  // The user signs in with the new password and changes it on the Account page.
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const bea = await context.newPage();
  await openHydrated(bea, "/login?next=%2Faccount");
  await bea.locator("input[name=username]").fill(name);
  await bea.locator("input[name=password]").fill("set-by-admin-1");
  await bea.getByRole("button", { name: "Sign in" }).click();
  await expect(bea).toHaveURL(/\/account$/);
  await expect(bea.locator("body[data-hydrated=true]")).toHaveCount(1);
  await bea.getByLabel("Current password").fill("a wrong guess");
  await bea.getByLabel("New password", { exact: true }).fill("beas-own-password");
  await bea.getByLabel("New password again").fill("beas-other-password");
  await bea.getByRole("button", { name: "Change password" }).click();
  await expect(bea.getByLabel("New password again")).toHaveAttribute("aria-invalid", "true");
  await expect(bea.getByLabel("New password again")).toHaveAccessibleDescription("The two new passwords differ.");
  await bea.getByLabel("New password again").fill("beas-own-password");
  await bea.getByRole("button", { name: "Change password" }).click();
  await expect(bea.getByLabel("Current password")).toHaveAccessibleDescription("The current password is wrong.");
  await expect(bea.getByLabel("Current password")).toBeFocused();
  await bea.getByLabel("Current password").fill("set-by-admin-1");
  await bea.getByRole("button", { name: "Change password" }).click();
  await expect(bea.getByRole("status")).toHaveText("Password changed. Your other sessions were signed out.");
  await bea.screenshot({ path: "test-results/account-password.png", fullPage: true });
  await context.close();
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
