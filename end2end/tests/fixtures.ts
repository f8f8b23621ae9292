import { test as base, expect, Page } from "@playwright/test";

/** Fails the test on any console error, page error or hydration warning. */
export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: async ({ page }, use) => {
    const problems: string[] = [];
    page.on("console", (m) => {
      const text = m.text();
      if (m.type() === "error" || /hydrat/i.test(text)) problems.push(`${m.type()}: ${text}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    await use(problems);
    expect(problems, "console errors or hydration warnings").toEqual([]);
  },
});
export { expect };

/** Opens a page and waits until the WASM app has hydrated it. */
export async function openHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}

/** Opens the workbench's SQL editor tab (asking is the first tab). */
export async function openEditor(page: Page) {
  await page.getByRole("tab", { name: "SQL editor" }).click();
  await expect(page.locator("textarea#sql")).toBeVisible();
}
