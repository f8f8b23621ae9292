import { test, expect, openEditor, openHydrated } from "./fixtures";

test("demo datasource: browse schema, copy a name, run SQL", async ({ page, context, consoleProblems }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await openHydrated(page, "/");
  const card = page.locator(".ds-card", { hasText: "Demo shop" });
  await expect(card).toBeVisible();
  await expect(card.locator(".badge.demo")).toBeVisible();
  await page.screenshot({ path: "test-results/datasources.png", fullPage: true });

  await card.getByRole("link", { name: "Open" }).click();
  await expect(page).toHaveURL(/\/datasources\//);
  const schema = page.locator("aside.schema");
  await expect(schema.locator('[data-table="orders"]')).toBeVisible();
  await expect(schema.locator(".schema-table")).toHaveCount(8);

  // Search narrows the tree; expanding shows columns with keys.
  await schema.getByPlaceholder("Search tables and columns").fill("rating");
  await expect(schema.locator(".schema-table")).toHaveCount(1);
  const reviews = schema.locator('[data-table="reviews"]');
  await expect(reviews.locator(".column", { hasText: "rating" })).toBeVisible();
  await reviews.locator("button.toggle").click();
  await expect(reviews.locator(".column")).toHaveCount(0);
  await reviews.locator("button.toggle").click();
  await expect(reviews.locator(".column", { hasText: "product_id" })).toContainText("→ products.id");

  // Copy really copies.
  await reviews.getByRole("button", { name: "Copy" }).click();
  await expect(reviews.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("reviews");

  // Run SQL: typed cells, NULL shown distinctly, row count and time.
  await schema.getByPlaceholder("Search tables and columns").fill("");
  await openEditor(page);
  const editor = page.locator("textarea#sql");
  await editor.fill("SELECT id, first_name, city, signed_up_at FROM customers WHERE city IS NULL ORDER BY id LIMIT 5");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByTestId("result-meta")).toContainText("5 rows");
  await expect(page.locator(".result-table tbody tr[data-row]")).toHaveCount(5);
  await expect(page.locator(".result-table tbody tr[data-row]").first().locator("td.null")).toHaveText("NULL");
  await expect(page.locator(".result-table tbody tr[data-row]").first().locator("td.num")).toBeVisible();
  await page.screenshot({ path: "test-results/workbench-demo.png", fullPage: true });

  // Errors are clear and the page keeps working.
  await editor.fill("DELETE FROM orders");
  await editor.press("Control+Enter");
  await expect(page.getByTestId("sql-error")).toContainText("only read-only queries are allowed");
  await expect(page.getByTestId("sql-error-place")).toHaveCount(0);
  // A syntax error is marked where the parser stopped, and the editor selects that place.
  await editor.fill("SELECT status,\n  total,, placed_at\nFROM orders");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByTestId("sql-error")).toContainText("could not be parsed");
  await expect(page.getByTestId("sql-error-place")).toContainText("Line 2, column 9:");
  await expect(page.locator(".sql-error-at")).toHaveText(",");
  await expect(editor).toBeFocused();
  expect(await editor.evaluate((e: HTMLTextAreaElement) => [e.selectionStart, e.selectionEnd])).toEqual([23, 24]);
  await page.screenshot({ path: "test-results/workbench-syntax-error.png", fullPage: true });
  await editor.fill("SELECT no_such_column FROM orders");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByTestId("sql-error")).toContainText("no_such_column");
  await editor.fill("SELECT count(*) AS n FROM orders");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.locator(".result-table tbody tr[data-row] td")).toHaveText("2400");
});

test("cancel stops a long query", async ({ page, consoleProblems }) => {
  await openHydrated(page, "/");
  await page.locator(".ds-card", { hasText: "Demo shop" }).getByRole("link", { name: "Open" }).click();
  await openEditor(page);
  await page.locator("textarea#sql").fill("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r");
  await page.getByRole("button", { name: "Run" }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("sql-error")).toContainText("cancelled", { timeout: 5_000 });
});

test("unknown pages say so", async ({ page }) => {
  const response = await page.goto("/nowhere");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
