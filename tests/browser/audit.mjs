#!/usr/bin/env node
// Audit HTML files with axe-core in headless Chromium; print the violations as JSON.
//
//   node audit.mjs [--require-contrast SELECTOR] FILE.html...
//
// Prints {"<file>": [{id, impact, help, nodes: [target...], viewports: [...]}]}
// on stdout and exits 0 whatever axe finds; the caller judges the violations.
// With --require-contrast, every element matching SELECTOR whose colour
// contrast axe could not measure (it reports such nodes as "incomplete", not as
// violations) is reported as a serious "color-contrast-unverified" violation,
// so a contrast check that silently did not happen cannot pass.
// Exits 1 if the browser cannot start or a page cannot be audited, 2 on bad use.
// Each page is audited at a desktop and a phone viewport in one browser; the
// pages are self-contained, so the browser runs offline. CHROMIUM names the
// browser (default /usr/bin/chromium, Debian's package).

import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// Runs in the page: axe's violations, plus elements whose contrast went unmeasured.
async function runAxe({ tags, contrast }) {
  const result = await window.axe.run(document, {
    runOnly: { type: "tag", values: tags },
    elementRef: true,
  });
  const violations = result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
  // A short CSS path to an element, for the report (axe's own needs its internal setup).
  const describe = (e) => {
    const parts = [];
    for (let n = e; n && n !== document.body && parts.length < 3; n = n.parentElement) {
      if (n.id) {
        parts.unshift(`#${n.id}`);
        break;
      }
      parts.unshift([n.localName, ...n.classList].join("."));
    }
    return parts.join(" > ");
  };
  if (contrast) {
    const measured = new Set();
    for (const rule of [...result.passes, ...result.violations]) {
      if (rule.id === "color-contrast") rule.nodes.forEach((n) => measured.add(n.element));
    }
    const unmeasured = [...document.querySelectorAll(contrast)].filter((e) => !measured.has(e));
    if (unmeasured.length) {
      violations.push({
        id: "color-contrast-unverified",
        impact: "serious",
        help: `Colour contrast of ${contrast} could not be measured`,
        nodes: unmeasured.map(describe),
      });
    }
  }
  return violations;
}

async function audit(browser, file, contrast) {
  const found = new Map();
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext({ viewport, offline: true });
    try {
      const page = await context.newPage();
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(runAxe, { tags: TAGS, contrast });
      for (const v of violations) {
        const entry = found.get(v.id) ?? {
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: [],
          viewports: [],
        };
        entry.viewports.push(name);
        for (const target of v.nodes) {
          if (!entry.nodes.includes(target)) entry.nodes.push(target);
        }
        found.set(v.id, entry);
      }
    } finally {
      await context.close();
    }
  }
  return [...found.values()];
}

async function main(argv) {
  let contrast = null;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--require-contrast") contrast = argv[++i];
    else files.push(argv[i]);
  }
  if (files.length === 0 || contrast === undefined) {
    process.stderr.write("usage: node audit.mjs [--require-contrast SELECTOR] FILE.html...\n");
    return 2;
  }
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) {
    process.stderr.write(`audit.mjs: no such file: ${missing.join(", ")}\n`);
    return 2;
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ARGS,
  });
  const report = {};
  try {
    for (const file of files) report[file] = await audit(browser, resolve(file), contrast);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`audit.mjs: ${error.stack || error}\n`);
    process.exit(1);
  },
);
