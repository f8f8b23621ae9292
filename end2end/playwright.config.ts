import { defineConfig } from "@playwright/test";
import { ADMIN_STATE } from "./tests/accounts";

// Debian's Chromium: Playwright cannot download browsers on this network.
export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.E2E_BASE_URL ?? "http://127.0.0.1:8088",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
    },
  },
  // "setup" creates the admin account through the first-run page of a fresh server and saves
  // its session; every other test starts signed in as that admin unless it says otherwise.
  projects: [
    { name: "setup", testMatch: /first-run\.setup\.ts/, use: { browserName: "chromium" } },
    { name: "chromium", dependencies: ["setup"], use: { browserName: "chromium", storageState: ADMIN_STATE } },
  ],
});
