import { readFileSync } from "node:fs";
import { test, expect, openEditor, openHydrated } from "./fixtures";
import ExcelJS from "exceljs";
// The library's entry point runs a self-test when loaded directly; its implementation does not.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const pdfParse = require("pdf-parse/lib/pdf-parse.js");

async function openDemo(page) {
  await openHydrated(page, "/");
  await page.locator(".ds-card", { hasText: "Demo shop" }).getByRole("link", { name: "Open" }).click();
  await openEditor(page);
}

async function run(page, sql: string) {
  await page.locator("textarea#sql").fill(sql);
  await page.getByRole("button", { name: "Run" }).click();
}

const HUNDRED_K = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
SELECT i, 'row ' || i AS label, i % 7 AS bucket FROM n`;

test("100,000 rows: sort, filter, scroll and copy stay quick", async ({ page, context, consoleProblems }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await openDemo(page);
  await run(page, HUNDRED_K);
  await expect(page.getByTestId("result-meta")).toContainText("100000 rows", { timeout: 30_000 });
  await expect(page.getByTestId("shown-count")).toHaveText("100,000 shown");
  const rows = page.locator(".result-table tbody tr[data-row]");
  expect(await rows.count()).toBeLessThan(100);

  // Scroll to the end: the last rows are drawn, the first are not.
  const wrap = page.locator(".table-wrap");
  let started = Date.now();
  await wrap.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(rows.last().locator("td").first()).toHaveText("100,000");
  expect(Date.now() - started).toBeLessThan(2_000);
  await expect(page.locator('tr[data-row="0"]')).toHaveCount(0);
  await wrap.evaluate((el) => (el.scrollTop = 0));

  // Sort descending by i (two clicks), then by label.
  started = Date.now();
  const iHeader = page.locator("th", { hasText: "i" }).first().locator("button.sort");
  await iHeader.click();
  await iHeader.click();
  await expect(page.locator("th").first()).toHaveAttribute("aria-sort", "descending");
  await expect(rows.first().locator("td").first()).toHaveText("100,000");
  expect(Date.now() - started).toBeLessThan(3_000);

  // Filter.
  started = Date.now();
  await page.getByLabel("Filter rows").fill("row 99999");
  await expect(page.getByTestId("shown-count")).toHaveText("1 shown");
  expect(Date.now() - started).toBeLessThan(3_000);
  await expect(rows).toHaveCount(1);

  // Copy a cell, a row, the table (what is shown).
  await rows.first().locator("td").nth(1).click();
  await page.getByRole("button", { name: "Copy cell" }).click();
  await expect(page.getByText("Copied the cell")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("row 99999");
  await page.getByRole("button", { name: "Copy row" }).click();
  await expect(page.getByText("Copied the row")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("99999\trow 99999\t4");
  await page.getByRole("button", { name: "Copy table" }).click();
  await expect(page.getByText("Copied the table")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("i\tlabel\tbucket\n99999\trow 99999\t4");
  await page.screenshot({ path: "test-results/results-100k.png", fullPage: true });
});

test("export CSV, Excel and PDF from the server; the files open", async ({ page, consoleProblems }) => {
  await openDemo(page);
  await run(page, "SELECT id, first_name, city FROM customers ORDER BY id");
  await expect(page.getByTestId("result-meta")).toContainText("600 rows");

  const download = async (label: string) => {
    const [file] = await Promise.all([page.waitForEvent("download"), page.locator("form.export").getByRole("button", { name: label, exact: true }).click()]);
    return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
  };

  const csv = await download("CSV");
  expect(csv.name).toMatch(/^demo-shop-\d{8}-\d{4}\.csv$/);
  const lines = csv.bytes.toString("utf8").trim().split("\n");
  expect(lines[0]).toBe("id,first_name,city");
  expect(lines).toHaveLength(601);
  expect(lines[1].split(",")[0]).toBe("1");

  // Column choice: without city.
  await page.locator("details.export-columns summary").click();
  await page.locator("details.export-columns label", { hasText: "city" }).locator("input").uncheck();
  await expect(page.locator("details.export-columns summary")).toHaveText("Columns (2 of 3)");
  const fewer = await download("CSV");
  expect(fewer.bytes.toString("utf8").split("\n")[0]).toBe("id,first_name");
  await page.locator("details.export-columns label", { hasText: "city" }).locator("input").check();

  const xlsx = await download("Excel");
  expect(xlsx.name).toMatch(/\.xlsx$/);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(xlsx.bytes);
  const sheet = book.worksheets[0];
  expect(sheet.rowCount).toBe(601);
  expect(sheet.getRow(1).values).toEqual([undefined, "id", "first_name", "city"]);
  expect(sheet.getRow(2).getCell(1).value).toBe(1);

  const pdf = await download("PDF");
  expect(pdf.name).toMatch(/\.pdf$/);
  const text = (await pdfParse(pdf.bytes)).text as string;
  expect(text).toContain("first_name");
  expect(text).toContain("600 rows");
  expect(text).toMatch(new RegExp(lines[600].split(",")[1]));
});

test("charts: chosen from the result, switchable, downloadable", async ({ page, consoleProblems }) => {
  await openDemo(page);
  await run(page, "SELECT country, count(*) AS customers FROM customers GROUP BY country ORDER BY customers DESC");
  await expect(page.getByTestId("result-meta")).toContainText("rows");
  await page.getByRole("tab", { name: "Chart" }).click();
  const svg = page.locator("svg.chart-svg");
  const kind = await svg.getAttribute("data-kind");
  expect(["bar", "pie"]).toContain(kind);
  await page.screenshot({ path: "test-results/chart-auto.png", fullPage: true });

  await page.locator("select[name=chart_type]").selectOption("bar");
  await expect(svg).toHaveAttribute("data-kind", "bar");
  const bars = await svg.locator("rect.bar").count();
  expect(bars).toBeGreaterThan(1);
  // Both axes are titled with their columns; values tick at round numbers.
  expect((await svg.locator("text.axis-title").allTextContents()).sort()).toEqual(["country", "customers"]);
  await page.screenshot({ path: "test-results/chart-bar.png", fullPage: true });
  await page.locator("select[name=chart_type]").selectOption("pie");
  await expect(svg.locator("path.slice")).toHaveCount(Math.min(bars, 6));
  await expect(svg.locator("rect.swatch")).toHaveCount(Math.min(bars, 6));
  // Past six slices the smallest are folded into one, not dropped.
  await expect(svg.locator("text", { hasText: /^Other \(\d+ more\)/ })).toHaveCount(bars > 6 ? 1 : 0);
  await page.screenshot({ path: "test-results/chart-pie.png", fullPage: true });
  await page.locator("select[name=chart_type]").selectOption("none");
  await expect(page.getByTestId("no-chart")).toBeVisible();
  await page.locator("select[name=chart_type]").selectOption("bar");
  // Axes can be changed: y = country is not a number, so no bars are drawn.
  await page.locator("select[name=y]").selectOption({ label: "country" });
  await expect(svg.locator("rect.bar")).toHaveCount(0);
  await page.locator("select[name=y]").selectOption({ label: "customers" });
  await expect(svg.locator("rect.bar")).toHaveCount(bars);

  const [svgFile] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download SVG" }).click()]);
  expect(svgFile.suggestedFilename()).toBe("chart.svg");
  const svgText = readFileSync((await svgFile.path())!, "utf8");
  expect(svgText.startsWith("<svg")).toBe(true);
  expect(svgText).toContain("<rect");
  const [pngFile] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download PNG" }).click()]);
  expect(pngFile.suggestedFilename()).toBe("chart.png");
  const png = readFileSync((await pngFile.path())!);
  expect(png.subarray(1, 4).toString()).toBe("PNG");
  expect(png.length).toBeGreaterThan(2_000);

  // A time series is drawn as a line.
  await page.getByRole("tab", { name: "Table" }).click();
  await run(page, "SELECT substr(ordered_at, 1, 7) AS month, count(*) AS orders FROM orders GROUP BY 1 ORDER BY 1");
  await page.getByRole("tab", { name: "Chart" }).last().click();
  await expect(page.locator("svg.chart-svg").last()).toHaveAttribute("data-kind", "line");
  await page.screenshot({ path: "test-results/chart-line.png", fullPage: true });
});
