import { readFileSync } from "node:fs";
import { test, expect, openHydrated } from "./fixtures";

const stub = process.env.E2E_LLM_STUB ?? "http://127.0.0.1:8091";

async function script(replies: object[]) {
  const r = await fetch(`${stub}/script`, { method: "POST", body: JSON.stringify(replies) });
  expect(r.status).toBe(204);
}

async function openDemo(page) {
  await openHydrated(page, "/");
  await page.locator(".ds-card", { hasText: "Demo shop" }).getByRole("link", { name: "Open" }).click();
  await expect(page.locator("#question")).toBeVisible();
}

test("ask a question, see the corrected answer, follow up, edit the SQL", async ({ page, consoleProblems }) => {
  await script([
    { sql: "SELECT name, sum(qty) FROM products" },
    { sql: "SELECT p.name, sum(i.quantity) AS sold FROM order_items i JOIN products p ON p.id = i.product_id GROUP BY p.name ORDER BY sold DESC LIMIT 5" },
    { sql: "SELECT p.name, sum(i.quantity) AS sold FROM order_items i JOIN products p ON p.id = i.product_id GROUP BY p.name ORDER BY sold ASC LIMIT 5" },
  ]);
  await openDemo(page);
  await page.locator("#question").fill("Which 5 products sold the most units?");
  await page.getByRole("button", { name: "Ask" }).click();
  const answer = page.getByTestId("answer").last();
  await expect(answer.locator(".explanation")).toHaveText("Shows name and sold (total of quantity) from order_items and products, for each name, sorted by sold (highest first), keeping the first 5 rows.");
  await expect(answer.locator(".result-table tbody tr[data-row]")).toHaveCount(5);
  await expect(answer.locator(".attempts summary")).toHaveText("1 earlier attempt corrected");
  await answer.locator(".attempts summary").click();
  await expect(answer.locator(".attempts")).toContainText("no such column");
  await page.screenshot({ path: "test-results/ask-answer.png", fullPage: true });

  // The first answer shown as a chart stays a chart when the next answer arrives.
  const first = page.getByTestId("answer").first();
  await first.getByRole("tab", { name: "Chart" }).click();
  await expect(first.locator("svg.chart-svg")).toBeVisible();

  // A follow-up carries the conversation.
  await page.locator("#question").fill("and the least?");
  await page.getByRole("button", { name: "Ask" }).click();
  await expect(answer.locator(".explanation")).toHaveText("Shows name and sold (total of quantity) from order_items and products, for each name, sorted by sold (lowest first), keeping the first 5 rows.");
  await expect(page.getByTestId("answer")).toHaveCount(2);
  await expect(first.locator("svg.chart-svg")).toBeVisible();
  const sent = await (await fetch(`${stub}/requests`)).json();
  expect(JSON.stringify(sent[2].messages)).toContain("Which 5 products sold the most units?");

  // The conversation has its own address: a reload opens it again.
  await expect(page).toHaveURL(/\?c=[0-9a-f-]{36}$/);
  const address = page.url();
  await page.reload();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await expect(page.locator(".thread .question")).toHaveText(["Which 5 products sold the most units?", "and the least?"]);
  await expect(page).toHaveURL(address);
  await page.getByRole("button", { name: "New conversation" }).click();
  await expect(page).not.toHaveURL(/\?c=/);
  await page.goto(address);
  await expect(page.locator(".thread .question")).toHaveCount(2);

  // The answer's SQL goes to the editor and runs there.
  await page.getByTestId("stored-answer").last().getByRole("button", { name: "Edit in SQL editor" }).click();
  await expect(page.locator("textarea#sql")).toHaveValue(/ORDER BY sold ASC LIMIT 5/);
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByTestId("result-meta").last()).toContainText("5 rows");
});

test("a failing model gets a clear message and the page keeps working", async ({ page, consoleProblems }) => {
  await script([{ status: 500, error: "model crashed" }, { sql: "SELECT count(*) AS n FROM orders" }]);
  await openDemo(page);
  await page.getByRole("button", { name: "Ask" }).click();
  await expect(page.getByTestId("ask-error")).toContainText("the question is empty");
  await page.locator("#question").fill("How many orders?");
  await page.getByRole("button", { name: "Ask" }).click();
  await expect(page.getByTestId("ask-error").last()).toContainText("HTTP 500: model crashed");
  await page.getByRole("button", { name: "Ask" }).click();
  await expect(page.getByTestId("answer").last().locator(".result-table tbody tr[data-row] td")).toHaveText("2400");
});

test("a request to change data gets a plain refusal after one model call", async ({ page, consoleProblems }) => {
  await script([{ sql: "DELETE FROM customers" }, { sql: "SELECT count(*) FROM customers" }]);
  await openDemo(page);
  await page.locator("#question").fill("Please delete all customers");
  await page.getByRole("button", { name: "Ask" }).click();
  await expect(page.getByTestId("ask-notice").last()).toHaveText(
    "DatabaseAI only reads data, so it does not run DELETE or any other change. Ask a question about the data instead.",
  );
  // The stub keeps the requests the user watches (greedy ones): one, and no correction.
  expect(await (await fetch(`${stub}/requests`)).json()).toHaveLength(1);
  await page.screenshot({ path: "test-results/ask-refusal.png", fullPage: true });
});

test("live progress streams the reply, cancel stops the model, conversations reopen", async ({ page, consoleProblems }) => {
  await script([
    { sql: "SELECT count(*) AS n FROM customers", chunkDelayMs: 150 },
    { sql: "SELECT 1", delayMs: 60000 },
  ]);
  await openDemo(page);
  await page.locator("#question").fill("How many customers do we have?");
  await page.getByRole("button", { name: "Ask" }).click();
  const progress = page.getByTestId("ask-progress");
  await expect(progress.locator(".stage")).toContainText("Writing SQL");
  await expect(progress.getByTestId("ask-tokens")).toContainText('{"sql"');
  await page.screenshot({ path: "test-results/ask-progress.png", fullPage: true });
  await expect(page.getByTestId("answer").last().locator(".result-table tbody tr[data-row] td")).toHaveText("600");
  await expect(progress).toHaveCount(0);

  await page.locator("#question").fill("And how many orders?");
  await page.getByRole("button", { name: "Ask" }).click();
  await expect(progress.locator(".stage")).toContainText("Writing SQL");
  await progress.getByRole("button", { name: "Cancel" }).click();
  // A cancel the person chose is said plainly, not shown as a fault.
  await expect(page.getByTestId("ask-notice").last()).toHaveText("the question was cancelled");
  await expect(page.getByTestId("ask-error")).toHaveCount(0);
  await expect.poll(async () => (await (await fetch(`${stub}/requests`)).json())[1].aborted).toBe(true);

  // Both turns were kept: the conversation is listed and reopens.
  await page.getByRole("button", { name: "New conversation" }).click();
  await expect(page.locator(".thread .turn")).toHaveCount(0);
  const list = page.getByTestId("conversations");
  await list.locator("summary").click();
  await list.getByRole("button", { name: "How many customers do we have?" }).first().click();
  const stored = page.getByTestId("stored-answer");
  await expect(stored).toHaveCount(2);
  await expect(stored.first()).toContainText("SELECT count(*) AS n FROM customers");
  await expect(stored.first()).toContainText("1 row when asked");
  await expect(stored.last()).toContainText("the question was cancelled");
  await page.screenshot({ path: "test-results/ask-conversation.png", fullPage: true });
});

test("candidates that agree say so; when they split, Did you mean offers the readings and the pick is kept", async ({ page, consoleProblems }) => {
  await script([{ sql: "SELECT count(*) AS orders FROM orders" }]);
  await openDemo(page);
  await page.locator("#question").fill("How many orders?");
  await page.getByRole("button", { name: "Ask" }).click();
  const first = page.getByTestId("answer").last();
  await expect(first.getByTestId("confidence")).toHaveAttribute("data-confidence", "high");
  await expect(first.getByTestId("confidence")).toContainText(/[23] independent queries returned these rows, and none other/);
  await expect(first.getByTestId("did-you-mean")).toHaveCount(0);

  // The greedy candidate counts orders, both samples count customers: the samples win, and
  // the orders reading is offered beside it.
  const r = await fetch(`${stub}/script`, {
    method: "POST",
    body: JSON.stringify({
      replies: [{ sql: "SELECT count(*) AS orders FROM orders" }],
      samples: [
        { sql: "SELECT count(*) AS customers FROM customers" },
        { sql: "SELECT count(id) AS customers FROM customers" },
      ],
    }),
  });
  expect(r.status).toBe(204);
  await page.locator("#question").fill("How many do we have?");
  await page.getByRole("button", { name: "Ask" }).click();
  const answer = page.getByTestId("answer").last();
  await expect(answer.getByTestId("confidence")).toHaveAttribute("data-confidence", "low");
  await expect(answer.getByTestId("confidence")).toContainText("only 2 of 3");
  await expect(answer.locator(".result-table tbody tr[data-row] td")).toHaveText("600");
  const readings = answer.getByTestId("reading");
  await expect(readings).toHaveCount(2);
  // Each reading says what its own query does.
  // (Either sample may speak for the winning group: count(*) or count(id).)
  await expect(readings.nth(0)).toContainText(/Shows customers \(number of (rows|id)\) from customers\./);
  await expect(readings.nth(1)).toContainText("Shows orders (number of rows) from orders.");
  await expect(readings.nth(1).locator(".preview td")).toHaveText("2400");
  await page.screenshot({ path: "test-results/ask-did-you-mean.png", fullPage: true });

  await readings.nth(1).getByRole("button", { name: "Use this reading" }).click();
  await expect(answer.getByTestId("answer-sql")).toHaveText("SELECT count(*) AS orders FROM orders");
  await expect(answer.locator(".result-table tbody tr[data-row] td")).toHaveText("2400");
  await expect(readings.nth(1).getByRole("button")).toHaveText("Shown above");
  // One click makes the chosen reading a verified answer.
  await answer.getByRole("button", { name: "Mark as correct" }).click();
  await expect(answer.locator("textarea[name=verified_sql]")).toHaveValue("SELECT count(*) AS orders FROM orders");
  await answer.getByRole("button", { name: "Save as verified" }).click();
  await expect(answer.getByText("Saved as a verified answer")).toBeVisible();
  await page.screenshot({ path: "test-results/ask-reading-chosen.png", fullPage: true });

  // The pick is stored with the turn: reopening the conversation shows the chosen SQL.
  await page.getByRole("button", { name: "New conversation" }).click();
  const list = page.getByTestId("conversations");
  await list.locator("summary").click();
  await list.getByRole("button", { name: "How many orders?" }).first().click();
  const stored = page.getByTestId("stored-answer");
  await expect(stored.last()).toContainText("SELECT count(*) AS orders FROM orders");
  await expect(stored.last()).toContainText("You chose this reading over the first answer.");
  await expect(stored.last().getByTestId("confidence")).toHaveAttribute("data-confidence", "low");

  // The verified answer made here would guide the other tests' questions: remove it.
  const demoId = page.url().split("/datasources/")[1].split(/[?#]/)[0];
  const saved = await (await page.request.get(`/api/v1/datasources/${demoId}/verified`)).json();
  for (const v of saved) expect((await page.request.delete(`/api/v1/verified/${v.id}`)).status()).toBe(204);
});

test("keyboard only: ask, read the answer cell by cell, export it", async ({ page, consoleProblems }) => {
  await script([{ sql: "SELECT status, count(*) AS orders FROM orders GROUP BY status ORDER BY orders DESC, status" }]);
  await openDemo(page);
  await openHydrated(page, new URL(page.url()).pathname);
  const focused = (selector: string) => page.evaluate((s) => !!document.activeElement?.matches(s), selector);
  const tabTo = async (selector: string, most: number, key = "Tab") => {
    for (let i = 0; i < most && !(await focused(selector)); i++) await page.keyboard.press(key);
    expect(await focused(selector), `${selector} within ${most} Tab presses`).toBe(true);
  };

  // The skip link comes first and the question box a few stops after it.
  await page.keyboard.press("Tab");
  await expect(page.locator(".skip-link")).toBeFocused();
  await page.keyboard.press("Enter");
  await tabTo("#question", 6);
  await page.keyboard.type("How many orders are there in each status?");
  await page.keyboard.press("Enter");
  const answer = page.getByTestId("answer").last();
  const rows = answer.locator(".result-table tbody tr[data-row]");
  await expect(rows.first()).toBeVisible();
  const texts = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
  expect(texts.length).toBeGreaterThan(1);

  // The answer is above the question: Shift+Tab goes back into it. The whole grid is one Tab
  // stop, its first cell; the arrows read on from there.
  await tabTo(`[data-testid=answer] .result-table td[data-cell]`, 25, "Shift+Tab");
  // The focus moves after the next paint: poll for it.
  const active = () => page.evaluate(() => document.activeElement?.textContent);
  await expect.poll(active).toBe(texts[0][0]);
  await page.keyboard.press("ArrowRight");
  await expect.poll(active).toBe(texts[0][1]);
  await page.keyboard.press("ArrowDown");
  await expect.poll(active).toBe(texts[1][1]);
  await page.keyboard.press("Control+End");
  await expect.poll(active).toBe(texts[texts.length - 1][1]);
  await page.keyboard.press("Control+Home");
  await expect.poll(active).toBe(texts[0][0]);
  await expect(rows.first().locator("td").first()).toHaveClass(/selected/);

  // Tab leaves the grid in one step and reaches the export buttons.
  const csvButton = answer.locator("form.export").getByRole("button", { name: "CSV", exact: true });
  for (let i = 0; i < 15 && !(await csvButton.evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(csvButton).toBeFocused();
  const [file] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
  const lines = readFileSync((await file.path())!).toString("utf8").trim().split("\n");
  expect(lines[0]).toBe("status,orders");
  expect(lines.map((l) => l.split(","))).toEqual([["status", "orders"], ...texts.map(([status, n]) => [status, n!.replace(/,/g, "")])]);
});

test("a question asked before the page's WebAssembly has loaded is answered by the server", async ({ page }) => {
  await script([{ sql: "SELECT count(*) AS n FROM orders" }]);
  await openDemo(page);
  const workbench = new URL(page.url()).pathname;
  // The WebAssembly never arrives: the form posts itself and the server renders the answer.
  await page.route("**/*.wasm", (route) => route.abort());
  await page.goto(workbench);
  await page.locator("#question").fill("How many orders are there?");
  await page.getByRole("button", { name: "Ask" }).click();
  await expect(page).toHaveURL(/\?c=[0-9a-f-]{36}$/);
  await expect(page.locator(".thread .question")).toHaveText(["How many orders are there?"]);
  const stored = page.getByTestId("stored-answer");
  await expect(stored.locator("pre.sql")).toContainText("count(*)");
  await expect(stored).toContainText("1 row when asked");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(0);
  await page.screenshot({ path: "test-results/ask-without-wasm.png", fullPage: true });
});
