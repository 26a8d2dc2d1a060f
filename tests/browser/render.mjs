// Renders finsim HTML reports in Debian's Chromium, driven by playwright-core, and prints one JSON
// line per report: what the console said at error level, uncaught page errors, every request
// other than the page itself (a self-contained report makes none), and what the DOM shows: the
// title, the sequence diagram's lanes, the compliance rows and the who-saw-what cells.
//   node render.mjs [--screenshot DIR] [--clip] [--diagram] REPORT.html...
// --screenshot writes DIR/<report name>.png of each page (the whole page, or with --clip the
// first 1280x900 pixels), and with --diagram DIR/<report name>-diagram.png of its sequence diagram.
import { chromium } from 'playwright-core';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
let shots = null;
let clip = false;
let diagram = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--screenshot') shots = args[++i];
  else if (args[i] === '--clip') clip = true;
  else if (args[i] === '--diagram') diagram = true;
  else files.push(args[i]);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
for (const file of files) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const url = pathToFileURL(resolve(file)).href;
  const seen = { file, console_errors: [], page_errors: [], requests_outside: [] };
  page.on('console', (m) => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
  page.on('pageerror', (e) => seen.page_errors.push(String(e)));
  page.on('request', (r) => { if (r.url() !== url) seen.requests_outside.push(r.url()); });
  await page.goto(url, { waitUntil: 'load' });
  Object.assign(seen, await page.evaluate(() => {
    const cells = (row) => [...row.querySelectorAll('td')].map((td) => td.textContent.trim());
    const rows = (selector) => [...document.querySelectorAll(selector)].filter((tr) => tr.querySelector('td')).map(cells);
    return {
      title: document.title,
      heading: document.querySelector('h1')?.textContent ?? null,
      verdict: document.querySelector('.verdict')?.textContent ?? null,
      lanes: [...document.querySelectorAll('svg text.lane')].map((t) => t.textContent),
      compliance: rows('table.compliance tr'),
      who_saw: rows('table#who-saw tr'),
      svgs: document.querySelectorAll('svg').length,
      width: document.documentElement.scrollWidth,
      height: document.documentElement.scrollHeight,
    };
  }));
  if (shots) await page.screenshot({ path: join(shots, `${basename(file, '.html')}.png`), fullPage: !clip });
  if (shots && diagram) {
    await page.locator('svg[aria-label="sequence diagram"]').screenshot({ path: join(shots, `${basename(file, '.html')}-diagram.png`) });
  }
  console.log(JSON.stringify(seen));
  await page.close();
}
await browser.close();
