#!/usr/bin/env node
// End to end: open the live preview, edit a file on disk, and wait for the page to show it.
//
//   node preview.mjs URL SECTION_FILE OLD_TEXT NEW_TEXT [SCREENSHOT.png]
//   node preview.mjs --break-and-fix URL FILE GOOD_TEXT BAD_TEXT
//
// The first exits 0 when the framed edition shows NEW_TEXT without a manual
// reload. The second replaces GOOD_TEXT with BAD_TEXT, waits for the problem
// box, puts GOOD_TEXT back, and exits 0 when the box has gone and the status
// says the save fixed it. Either exits 1 if that does not happen within 20 s
// (or the browser fails), 2 on bad use.

import { readFileSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const args = process.argv.slice(2);
const breakAndFix = args[0] === "--break-and-fix";
const [url, file, oldText, newText, screenshot] = breakAndFix ? args.slice(1) : args;
if (!newText) {
  console.error("usage: node preview.mjs URL SECTION_FILE OLD_TEXT NEW_TEXT [SCREENSHOT.png]\n" +
                "       node preview.mjs --break-and-fix URL FILE GOOD_TEXT BAD_TEXT");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
// The page has its event stream open: what is saved from now on reaches it.
const connected = "#status[data-connected='true']";

async function showsAnEdit(page) {
  const frame = page.frameLocator("#edition");
  await frame.locator("body").waitFor();
  const before = await frame.locator("body").innerText();
  if (!before.includes(oldText)) throw new Error(`the page does not show "${oldText}" to start with`);
  let navigations = 0;
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigations += 1; });
  await page.locator(connected).waitFor({ timeout: 20000 });
  writeFileSync(file, readFileSync(file, "utf8").replace(oldText, newText));
  await frame.locator(`text=${newText}`).first().waitFor({ timeout: 20000 });
  if (navigations > 0) throw new Error("the whole page reloaded; only the edition should");
  if (screenshot) await page.screenshot({ path: screenshot });
}

async function showsAFix(page) {
  const good = readFileSync(file, "utf8");
  if (!good.includes(oldText)) throw new Error(`${file} does not hold "${oldText}"`);
  await page.locator(connected).waitFor({ timeout: 20000 });
  writeFileSync(file, good.replace(oldText, newText));
  await page.locator("#problem").waitFor({ state: "visible", timeout: 20000 });
  writeFileSync(file, good);
  await page.locator("#problem").waitFor({ state: "hidden", timeout: 20000 });
  await page.locator("#status", { hasText: "Fixed" }).waitFor({ timeout: 20000 });
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await (breakAndFix ? showsAFix(page) : showsAnEdit(page));
  const status = await page.locator("#status").innerText();
  console.log(JSON.stringify({ ok: true, status }));
} catch (error) {
  console.error(String(error));
  process.exitCode = 1;
} finally {
  await browser.close();
}
