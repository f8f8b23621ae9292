// Prints the median time (ms) from navigation start until the app marks itself hydrated, over
// five loads of the datasources page in Chromium. Used by scripts/bench.
import { chromium } from "@playwright/test";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${process.env.TOKEN}` } });
const page = await context.newPage();
const times = [];
for (let i = 0; i < 6; i++) {
  await page.goto(process.env.APP_URL + "/");
  await page.waitForSelector("body[data-hydrated=true]");
  const ms = await page.evaluate(() => performance.now());
  if (i > 0) times.push(ms); // the first load fills the cache
}
await browser.close();
times.sort((a, b) => a - b);
console.log(times[Math.floor(times.length / 2)].toFixed(0));
