#!/usr/bin/env node
// End to end: open the live preview, edit a section on disk, and wait for the page to show it.
//
//   node preview.mjs URL SECTION_FILE OLD_TEXT NEW_TEXT [SCREENSHOT.png]
//
// Exits 0 when the framed edition shows NEW_TEXT without a manual reload,
// 1 if it does not within 20 s (or the browser fails), 2 on bad use.

import { readFileSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [url, file, oldText, newText, screenshot] = process.argv.slice(2);
if (!newText) {
  console.error("usage: node preview.mjs URL SECTION_FILE OLD_TEXT NEW_TEXT [SCREENSHOT.png]");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  const frame = page.frameLocator("#edition");
  await frame.locator("body").waitFor();
  const before = await frame.locator("body").innerText();
  if (!before.includes(oldText)) throw new Error(`the page does not show "${oldText}" to start with`);
  let navigations = 0;
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigations += 1; });
  writeFileSync(file, readFileSync(file, "utf8").replace(oldText, newText));
  await frame.locator(`text=${newText}`).first().waitFor({ timeout: 20000 });
  if (navigations > 0) throw new Error("the whole page reloaded; only the edition should");
  const status = await page.locator("#status").innerText();
  if (screenshot) await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ ok: true, status }));
} catch (error) {
  console.error(String(error));
  process.exitCode = 1;
} finally {
  await browser.close();
}
