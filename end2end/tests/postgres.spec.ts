import { test, expect, openEditor, openHydrated } from "./fixtures";

const database = process.env.E2E_PG_DATABASE ?? "databaseai_e2e";

test("add a PostgreSQL datasource, browse its schema and run SQL", async ({ page, consoleProblems }) => {
  await openHydrated(page, "/");
  const form = page.locator("form.ds-form");

  // Bad input first: every broken field at once, each marked and explained next to it, the
  // focus on the first one; nothing saved.
  await form.getByLabel("Port").fill("abc");
  await form.getByRole("button", { name: "Test and save" }).click();
  for (const [field, message] of [
    ["Name", "Name is required."],
    ["Host", "Host is required."],
    ["Port", "Port must be a number between 1 and 65535."],
    ["Database", "Database is required."],
    ["User", "User is required."],
  ]) {
    await expect(form.getByLabel(field)).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByLabel(field)).toHaveAccessibleDescription(message);
  }
  await expect(form.getByLabel("Password")).not.toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Name")).toBeFocused();
  await expect(form.getByRole("alert")).toContainText("5 fields need a change");
  await page.screenshot({ path: "test-results/datasource-field-errors.png", fullPage: true });
  await form.getByLabel("Name").fill("Sales (e2e)");

  await form.getByLabel("Host").fill("127.0.0.1");
  await form.getByLabel("Port").fill("5432");
  await form.getByLabel("Database").fill(database);
  await form.getByLabel("User").fill("postgres");
  await form.getByLabel("Password").fill("unused-with-trust-auth");
  await form.getByLabel("SSL mode").selectOption("disable");
  await form.getByRole("button", { name: "Test and save" }).click();
  // Tested, then saved: the card shows the test, the form is empty again.
  const card = page.locator(".ds-card", { hasText: "Sales (e2e)" });
  await expect(card.locator(".test-result")).toContainText("Connection OK — PostgreSQL");
  await expect(card.locator(".warning")).toContainText("superuser");
  await expect(card.locator("pre.sql")).toContainText("CREATE ROLE databaseai_reader");
  await expect(form.getByRole("status")).toHaveText("Saved “Sales (e2e)”.");
  await expect(form.getByLabel("Name")).toHaveValue("");
  await expect(form.getByLabel("Host")).not.toHaveAttribute("aria-invalid", "true");
  await page.screenshot({ path: "test-results/datasource-added.png", fullPage: true });

  await expect(card).toContainText(`postgres@127.0.0.1:5432/${database}`);
  await card.getByRole("link", { name: "Open" }).click();

  const schema = page.locator("aside.schema");
  await expect(schema.locator('[data-table="sales.customers"]')).toBeVisible();
  await expect(schema.locator('[data-table="sales.customers"] .comment')).toHaveText("People who bought something");
  await schema.locator('[data-table="sales.orders"] button.toggle').click();
  await expect(schema.locator('[data-table="sales.orders"] .column', { hasText: "customer_id" })).toContainText("→ customers.id");

  await openEditor(page);
  await page.locator("textarea#sql").fill("SELECT c.name, c.country, sum(o.total) AS spent\nFROM sales.customers c JOIN sales.orders o ON o.customer_id = c.id\nGROUP BY 1, 2 ORDER BY spent DESC LIMIT 10");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByTestId("result-meta")).toContainText("10 rows");
  await expect(page.locator(".result-table thead")).toContainText("numeric");
  await expect(page.locator(".result-table tbody tr[data-row]").first().locator("td.num")).toHaveText("16,000.00");
  await page.screenshot({ path: "test-results/workbench-postgres.png", fullPage: true });

  // Delete it again (two-step), so reruns start clean.
  await page.goto("/");
  const again = page.locator(".ds-card", { hasText: "Sales (e2e)" });
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await again.getByRole("button", { name: "Delete" }).click();
  await again.getByRole("button", { name: "Confirm delete" }).click();
  await expect(page.locator(".ds-card", { hasText: "Sales (e2e)" })).toHaveCount(0);
});

test("settings that fail their test are not saved unless the admin insists", async ({ page, consoleProblems }) => {
  await openHydrated(page, "/");
  const form = page.locator("form.ds-form");
  await form.getByLabel("Name").fill("Broken (e2e)");
  await form.getByLabel("Host").fill("127.0.0.1");
  await form.getByLabel("Port").fill("1");
  await form.getByLabel("Database").fill(database);
  await form.getByLabel("User").fill("postgres");
  await form.getByRole("button", { name: "Test and save" }).click();
  await expect(form.locator(".test-result")).toContainText("connection refused");
  await expect(form).toContainText("Nothing was saved.");
  // The form keeps what was typed, and no card appeared.
  await expect(form.getByLabel("Name")).toHaveValue("Broken (e2e)");
  await expect(form.getByLabel("Port")).toHaveValue("1");
  const card = page.locator(".ds-card", { hasText: "Broken (e2e)" });
  await expect(card).toHaveCount(0);
  await page.screenshot({ path: "test-results/datasource-test-failed.png", fullPage: true });

  await form.getByRole("button", { name: "Save anyway" }).click();
  await expect(card.locator(".test-result")).toContainText("connection refused");
  await expect(form.getByLabel("Name")).toHaveValue("");
  await card.getByRole("button", { name: "Delete" }).click();
  await card.getByRole("button", { name: "Confirm delete" }).click();
  await expect(card).toHaveCount(0);
});
