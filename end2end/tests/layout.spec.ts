import { readFileSync } from "node:fs";
import { test, expect, openHydrated } from "./fixtures";

// axe-core, run inside the page (through the debugger protocol, so the page's CSP allows it).
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

async function noSeriousViolations(page, where: string) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => await (window as any).axe.run());
  const serious = result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(" | ")}`);
  expect(serious, `${where}: axe-core`).toEqual([]);
}

const stub = process.env.E2E_LLM_STUB ?? "http://127.0.0.1:8091";
const SIZES = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1366, height: 900 },
];

async function fitsTheWidth(page, where: string) {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scroll, `${where}: the page is ${scroll} px wide in a ${inner} px window`).toBeLessThanOrEqual(inner);
}

for (const size of SIZES) {
  test(`${size.name} ${size.width}×${size.height}: no page is wider than the window or has a serious axe-core violation, and the question comes first`, async ({ page, consoleProblems }) => {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const path of ["/", "/history", "/settings", "/admin", "/account"]) {
      await openHydrated(page, path);
      await fitsTheWidth(page, path);
      await noSeriousViolations(page, path);
      // The top bar's links stay on the dark bar, inside the window.
      for (const link of await page.locator(".topbar a, .topbar button").all()) {
        const box = await link.boundingBox();
        expect(box!.x + box!.width, `${path}: ${await link.textContent()}`).toBeLessThanOrEqual(size.width);
      }
      const name = path === "/" ? "datasources" : path.slice(1);
      await page.screenshot({ path: `test-results/layout-${size.name}-${name}.png`, fullPage: true });
    }

    const sql = "SELECT country, count(*) AS customers FROM customers GROUP BY country ORDER BY customers DESC";
    const scripted = await fetch(`${stub}/script`, { method: "POST", body: JSON.stringify([{ sql }]) });
    expect(scripted.status).toBe(204);
    await openHydrated(page, "/");
    await page.locator(".ds-card", { hasText: "Demo shop" }).getByRole("link", { name: "Open" }).click();
    const question = page.locator("#question");
    await expect(question).toBeVisible();
    const schema = page.locator("aside.schema");
    if (size.name === "phone") {
      // Ask first: the question box is on the first screen; the schema waits in a drawer.
      const box = await question.boundingBox();
      expect(box!.y + box!.height).toBeLessThan(size.height);
      await expect(schema).toBeHidden();
      await page.getByRole("button", { name: "Show schema" }).click();
      await expect(schema).toBeVisible();
      await expect(page.getByRole("button", { name: "Close the schema" })).toBeFocused();
      const drawer = (await schema.boundingBox())!;
      expect(drawer.x + drawer.width).toBeLessThanOrEqual(size.width);
      await noSeriousViolations(page, "the workbench with its schema drawer open");
      await page.screenshot({ path: "test-results/layout-phone-schema-drawer.png" });
      await page.keyboard.press("Escape");
      await expect(schema).toBeHidden();
      await expect(page.getByRole("button", { name: "Show schema" })).toBeFocused();
    } else {
      await expect(page.getByRole("button", { name: "Show schema" })).toBeHidden();
      const [box, side] = [(await question.boundingBox())!, (await schema.boundingBox())!];
      expect(side.x + side.width).toBeLessThanOrEqual(box.x);
    }
    await question.fill("How many customers per country?");
    await page.getByRole("button", { name: "Ask" }).click();
    const answer = page.getByTestId("answer").last();
    await expect(answer.locator(".result-table tbody tr[data-row]").first()).toBeVisible();
    await fitsTheWidth(page, "the workbench with an answer");
    await answer.getByRole("tab", { name: "Chart" }).click();
    await expect(answer.locator("svg.chart-svg")).toBeVisible();
    await fitsTheWidth(page, "the workbench with a chart");
    await noSeriousViolations(page, "the workbench with an answer and a chart");
    // The chart keeps its drawn size (readable labels) and scrolls inside its own box.
    expect((await answer.locator("svg.chart-svg").boundingBox())!.width).toBeGreaterThanOrEqual(600);
    // The follow-up box keeps a usable width.
    expect((await question.boundingBox())!.width).toBeGreaterThan(250);
    await page.screenshot({ path: `test-results/layout-${size.name}-workbench.png`, fullPage: true });
  });
}
