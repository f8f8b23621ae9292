import { test, expect, openHydrated } from "./fixtures";

const stub = process.env.E2E_LLM_STUB ?? "http://127.0.0.1:8091";
const KEY = "sk-e2e-7d1f-never-shown";

test("the language model is set on the settings page; its key never comes back", async ({ page, consoleProblems }) => {
  await openHydrated(page, "/settings");
  await expect(page.getByTestId("llm-source")).toContainText("from the server's flags / environment");

  // A forbidden address is refused with a reason.
  await page.locator("input[name=base_url]").fill("http://169.254.169.254/v1");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("settings-message")).toContainText("metadata");

  await fetch(`${stub}/script`, { method: "POST", body: JSON.stringify([{ content: "OK" }]) });
  await page.locator("input[name=base_url]").fill(`${stub}/v1`);
  await page.locator("input[name=model]").fill("e2e-model");
  await page.locator("input[name=api_key]").fill(KEY);
  await page.getByRole("button", { name: "Test" }).click();
  await expect(page.getByTestId("settings-message")).toContainText("the model answered");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("settings-message")).toContainText("Saved.");
  await expect(page.getByTestId("llm-source")).toContainText("saved on this page");
  const sent = await (await fetch(`${stub}/requests`)).json();
  expect(sent[0].model).toBe("e2e-model");

  // After a reload the key field is empty and the page never holds the key.
  await openHydrated(page, "/settings");
  await expect(page.locator("input[name=model]")).toHaveValue("e2e-model");
  await expect(page.locator("input[name=api_key]")).toHaveValue("");
  await expect(page.locator("input[name=api_key]")).toHaveAttribute("placeholder", "unchanged (stored encrypted)");
  expect(await page.content()).not.toContain(KEY);
  await page.screenshot({ path: "test-results/settings.png", fullPage: true });

  await page.getByRole("button", { name: "Use the server's settings" }).click();
  await expect(page.getByTestId("llm-source")).toContainText("from the server's flags / environment");
});
