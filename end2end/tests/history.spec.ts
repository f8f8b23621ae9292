import { readFileSync } from "node:fs";
import { test, expect, openEditor, openHydrated } from "./fixtures";

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

test("history lists runs, searches them and runs one again", async ({ page, consoleProblems }) => {
  await openDemo(page);
  const sql = "SELECT id, first_name FROM customers WHERE id <= 3 ORDER BY id";
  await openEditor(page);
  await page.locator("textarea#sql").fill(sql);
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByTestId("result-meta")).toContainText("3 rows");

  await page.getByRole("link", { name: "History" }).click();
  await expect(page).toHaveURL(/\/history$/);
  const row = page.getByTestId("history").locator("tr", { hasText: sql }).first();
  await expect(row).toContainText("Demo shop");
  await expect(row.locator("td.num").first()).toHaveText("3");
  await page.screenshot({ path: "test-results/history.png", fullPage: true });

  await page.getByLabel("Search history").fill("first_name FROM customers WHERE id <= 3");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("history").locator("tbody tr")).toHaveCount(1);
  await page.getByLabel("Search history").fill("no such thing anywhere");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("history-empty")).toBeVisible();
  await page.getByLabel("Search history").fill("first_name FROM customers WHERE id <= 3");
  await page.getByRole("button", { name: "Search" }).click();

  await page.getByTestId("history").getByRole("link", { name: "Run again" }).first().click();
  await expect(page).toHaveURL(/\/datasources\/.+sql=/);
  await expect(page.locator("textarea#sql")).toHaveValue(sql);
  // A link only fills the editor (a link from another site could carry any SQL): nothing runs
  // until the person presses Run.
  await page.waitForTimeout(500);
  await expect(page.getByTestId("result-meta")).toHaveCount(0);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect(page.getByTestId("result-meta")).toContainText("3 rows");
});

test("a verified answer guides a similar question, and verified answers move as CSV", async ({ page, consoleProblems }) => {
  const verifiedSql = "SELECT p.name, sum(i.quantity) AS units FROM products p JOIN order_items i ON i.product_id = p.id GROUP BY p.name ORDER BY units DESC LIMIT 5";
  await script([
    { sql: "SELECT p.name FROM products p LIMIT 5" },
    { sql: verifiedSql.replace("LIMIT 5", "LIMIT 3") },
  ]);
  await openDemo(page);
  await page.locator("#question").fill("Which 5 products sold the most units?");
  await page.getByRole("button", { name: "Ask" }).click();
  const first = page.getByTestId("answer").last();
  await expect(first.locator(".explanation")).toHaveText("Shows name from products, keeping the first 5 rows.");

  // The SQL was not quite right: fix it, then mark it correct and share it.
  await first.getByRole("button", { name: "Mark as correct" }).click();
  await expect(first.locator("input[name=verified_question]")).toHaveValue("Which 5 products sold the most units?");
  await first.locator("textarea[name=verified_sql]").fill(verifiedSql);
  await first.locator("input[name=verified_shared]").check();
  await first.getByRole("button", { name: "Save as verified" }).click();
  await expect(first.getByText("Saved as a verified answer")).toBeVisible();
  const panel = page.getByTestId("verified-panel");
  await expect(panel.locator("summary")).toContainText("(1)");

  // A similar question: the verified pair is in the prompt, and the answer says so.
  await page.locator("#question").fill("What are the 3 products that sold the most?");
  await page.getByRole("button", { name: "Ask" }).click();
  const second = page.getByTestId("answer").last();
  await expect(second.getByTestId("examples-used")).toContainText("Guided by 1 verified answer: Which 5 products sold the most units?");
  const requests = await (await fetch(`${stub}/requests`)).json();
  const prompt = requests[requests.length - 1].messages.at(-1).content as string;
  expect(prompt).toContain(verifiedSql);
  await page.screenshot({ path: "test-results/verified.png", fullPage: true });

  // The same question with another number is a lookup: the verified SQL runs with 10, no model call.
  await page.locator("#question").fill("Which 10 products sold the most units?");
  await page.getByRole("button", { name: "Ask" }).click();
  const third = page.getByTestId("answer").last();
  await expect(third.getByTestId("confidence")).toHaveAttribute("data-confidence", "verified");
  await expect(third.getByTestId("verified-used")).toContainText("Which 5 products sold the most units?");
  await expect(third.getByTestId("answer-sql")).toHaveText(verifiedSql.replace("LIMIT 5", "LIMIT 10"));
  await expect(third.locator(".result-table tbody tr[data-row]")).toHaveCount(10);
  expect((await (await fetch(`${stub}/requests`)).json()).length).toBe(requests.length);
  await page.screenshot({ path: "test-results/verified-lookup.png", fullPage: true });

  // Export, then import the same pairs (reworded) from a file.
  await panel.locator("summary").click();
  await expect(panel.locator("li")).toHaveCount(1);
  const [file] = await Promise.all([page.waitForEvent("download"), panel.getByRole("link", { name: "Export CSV" }).click()]);
  const csv = readFileSync((await file.path())!, "utf8");
  expect(csv.split("\n")[0]).toBe("question,sql,shared");
  expect(csv).toContain(verifiedSql);
  await panel.locator("input[name=verified_import]").setInputFiles({
    name: "more.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv.replace("Which 5 products", "Which five products")),
  });
  await expect(panel.getByText("Imported 1 verified answer")).toBeVisible();
  await expect(panel.locator("li")).toHaveCount(2);
  // A bad file is refused with the line, and nothing is added.
  await panel.locator("input[name=verified_import]").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from("question,sql\nOops,DELETE FROM orders\n") });
  await expect(panel.getByRole("alert")).toContainText("line 2");
  await expect(panel.locator("li")).toHaveCount(2);
});

test("an analyst's shared answer waits for an admin's approval before it guides other people", async ({ page, playwright, baseURL, consoleProblems }) => {
  // An analyst shares a verified answer (through the API, as a script would).
  const created = await page.request.post("/api/v1/users", { data: { username: "vera", password: "vera-password-1", role: "analyst" } });
  expect(created.status()).toBe(201);
  const vera = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  expect((await vera.post("/api/v1/auth/login", { data: { username: "vera", password: "vera-password-1" } })).status()).toBe(200);
  await openDemo(page);
  const demoId = page.url().split("/datasources/")[1].split(/[?#]/)[0];
  const shared = await vera.post(`/api/v1/datasources/${demoId}/verified`, {
    data: { question: "How many reviews are there per rating?", sql: "SELECT rating, count(*) AS n FROM reviews GROUP BY rating ORDER BY rating", shared: true },
  });
  expect(shared.status()).toBe(201);
  await vera.dispose();

  // The admin sees it waiting, approves it, and the badge goes.
  await page.reload();
  // The Approve button works once the page's WebAssembly has hydrated it.
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const panel = page.getByTestId("verified-panel");
  await panel.locator("summary").click();
  const item = panel.locator("li", { hasText: "How many reviews are there per rating?" });
  await expect(item.locator(".badge.warn")).toHaveText("awaiting approval");
  await page.screenshot({ path: "test-results/verified-awaiting-approval.png", fullPage: true });
  await item.getByRole("button", { name: "Approve for everyone's prompts" }).click();
  await expect(panel.locator("li", { hasText: "How many reviews are there per rating?" }).locator(".badge.warn")).toHaveCount(0);
  await expect(panel.locator("li", { hasText: "How many reviews are there per rating?" })).toContainText("shared");
});

test.describe("in the reader's time zone", () => {
  test.use({ timezoneId: "Asia/Kolkata" });

  test("times are shown in the browser's time zone, UTC on hover", async ({ page, consoleProblems }) => {
    await openHydrated(page, "/history");
    const time = page.getByTestId("history").locator("time").first();
    const utc = (await time.getAttribute("title")) ?? "";
    const m = utc.match(/^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d) UTC$/);
    expect(m, utc).not.toBeNull();
    // India is UTC+05:30 all year.
    const local = new Date(Date.UTC(+m![1], +m![2] - 1, +m![3], +m![4], +m![5]) + 330 * 60_000);
    const two = (n: number) => String(n).padStart(2, "0");
    const expected = `${local.getUTCFullYear()}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())} ${two(local.getUTCHours())}:${two(local.getUTCMinutes())}`;
    await expect(time).toHaveText(expected);
    expect(await time.getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
  });
});
