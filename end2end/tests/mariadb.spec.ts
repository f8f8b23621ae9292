import { test, expect, openEditor, openHydrated } from "./fixtures";

const database = process.env.E2E_PG_DATABASE ?? "databaseai_e2e";
const stub = process.env.E2E_LLM_STUB ?? "http://127.0.0.1:8091";

test("add a MariaDB datasource, browse its schema, run SQL and ask a question", async ({ page, consoleProblems }) => {
  await openHydrated(page, "/");
  const form = page.locator("form.ds-form");
  await form.getByLabel("Name").fill("Shop (MariaDB e2e)");
  await form.getByLabel("Engine").selectOption("mysql");
  // The untouched default port follows the engine.
  await expect(form.getByLabel("Port")).toHaveValue("3306");
  await form.getByLabel("Host").fill("127.0.0.1");
  await form.getByLabel("Database").fill(database);
  await form.getByLabel("User").fill("root");
  await form.getByLabel("SSL mode").selectOption("disable");
  await form.getByRole("button", { name: "Test and save" }).click();
  const card = page.locator(".ds-card", { hasText: "Shop (MariaDB e2e)" });
  await expect(card.locator(".test-result")).toContainText("Connection OK — MariaDB");
  await expect(card.locator(".warning")).toContainText("administrative privileges");
  await expect(card.locator("pre.sql")).toContainText(`GRANT SELECT, SHOW VIEW ON \`${database}\`.*`);
  await page.screenshot({ path: "test-results/datasource-added-mariadb.png", fullPage: true });

  await expect(card).toContainText(`root@127.0.0.1:3306/${database}`);
  await expect(card).toContainText("MySQL / MariaDB");
  await card.getByRole("link", { name: "Open" }).click();

  const schema = page.locator("aside.schema");
  await expect(schema.locator('[data-table="customers"] .comment')).toHaveText("People who bought something");
  await schema.locator('[data-table="orders"] button.toggle').click();
  await expect(schema.locator('[data-table="orders"] .column', { hasText: "customer_id" })).toContainText("→ customers.id");

  await openEditor(page);
  await page.locator("textarea#sql").fill(
    "SELECT c.`name`, c.country, SUM(o.total) AS spent\nFROM orders o JOIN customers c ON c.id = o.customer_id\nGROUP BY c.`name`, c.country ORDER BY spent DESC LIMIT 10",
  );
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByTestId("result-meta")).toContainText("10 rows");
  await expect(page.locator(".result-table thead")).toContainText("decimal");
  await expect(page.locator(".result-table tbody tr[data-row]").first().locator("td.num")).toHaveText("16,000.00");
  await page.screenshot({ path: "test-results/workbench-mariadb.png", fullPage: true });

  // Asking: the prompt carries MySQL's rules, and the answer runs on MariaDB.
  const r = await fetch(`${stub}/script`, {
    method: "POST",
    body: JSON.stringify([
      { sql: "SELECT DATE_FORMAT(placed_on, '%Y-%m') AS month, SUM(total) AS revenue FROM orders GROUP BY month ORDER BY month" },
    ]),
  });
  expect(r.status).toBe(204);
  await page.getByRole("tab", { name: "Ask" }).click();
  await page.locator("#question").fill("Revenue per month?");
  await page.getByRole("button", { name: "Ask" }).click();
  const answer = page.getByTestId("answer").last();
  await expect(answer.locator(".explanation")).toHaveText("Shows month (DATE_FORMAT(placed_on, '%Y-%m')) and revenue (total of total) from orders, for each month, sorted by month (lowest first).");
  await expect(answer.locator(".result-table tbody tr[data-row]")).toHaveCount(10);
  await expect(answer.locator(".result-table tbody tr[data-row]").first()).toContainText("2024-01");
  const sent = await (await fetch(`${stub}/requests`)).json();
  const prompt = JSON.stringify(sent[sent.length - 1].messages);
  expect(prompt).toContain("Dialect: MySQL");
  expect(prompt).toContain("CREATE TABLE orders");
  await page.screenshot({ path: "test-results/ask-mariadb.png", fullPage: true });

  await page.goto("/");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const again = page.locator(".ds-card", { hasText: "Shop (MariaDB e2e)" });
  await again.getByRole("button", { name: "Delete" }).click();
  await again.getByRole("button", { name: "Confirm delete" }).click();
  await expect(again).toHaveCount(0);
});
