import { test, expect, openHydrated } from "./fixtures";

// Runs only when scripts/test found the local model (E2E_REAL_LLM=1): the whole path from the
// browser through the ask pipeline to Qwen2.5-Coder-1.5B on llama-server and back.
test.skip(!process.env.E2E_REAL_LLM, "the local model is not installed (scripts/local-llm --fetch)");

test("the real local model answers a question on the demo shop", async ({ page, consoleProblems }) => {
  test.setTimeout(300_000);
  await openHydrated(page, "/");
  await page.locator(".ds-card", { hasText: "Demo shop" }).getByRole("link", { name: "Open" }).click();
  await page.locator("#question").fill("How many customers are there?");
  await page.getByRole("button", { name: "Ask" }).click();
  const answer = page.getByTestId("answer");
  await expect(answer.locator(".result-table tbody tr[data-row] td").first()).toHaveText("600", { timeout: 280_000 });
  await expect(answer.locator("pre.sql").first()).toContainText(/customers/i);
  // Three candidates were asked at once and compared: the answer says how far they agreed.
  await expect(answer.getByTestId("confidence")).toHaveAttribute("data-confidence", /^(high|low)$/);
  await page.screenshot({ path: "test-results/real-model-answer.png", fullPage: true });
});
