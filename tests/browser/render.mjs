// Renders finsim HTML reports in Debian's Chromium, driven by playwright-core, and prints one JSON
// line per report: what the console said at error level, uncaught page errors, every request
// other than the page itself (a self-contained report makes none), and what the DOM shows: the
// title, the sequence diagram's lanes, the compliance rows, the who-saw-what cells, and every pair
// of texts drawn over each other in a diagram (their boxes, as the browser laid them out, overlap).
//   node render.mjs [--screenshot DIR] [--clip] [--from SELECTOR] [--diagram] [--pdf DIR] REPORT.html...
// --screenshot writes DIR/<report name>.png of each page (the whole page, or with --clip the
// first 1280x900 pixels, or with --from the 1280x900 pixels from the first element SELECTOR matches),
// and with --diagram DIR/<report name>-diagram.png of its sequence diagram.
// --pdf prints each page to DIR/<report name>.pdf as Chromium prints it (the page's own @page
// size, A4) and says how many milliseconds loading and printing took.
import { chromium } from 'playwright-core';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
let shots = null;
let clip = false;
let from = null;
let diagram = false;
let pdfs = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--screenshot') shots = args[++i];
  else if (args[i] === '--clip') clip = true;
  else if (args[i] === '--from') from = args[++i];
  else if (args[i] === '--diagram') diagram = true;
  else if (args[i] === '--pdf') pdfs = args[++i];
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
  const started = performance.now();
  await page.goto(url, { waitUntil: 'load' });
  seen.load_ms = Math.round(performance.now() - started);
  Object.assign(seen, await page.evaluate(() => {
    const cells = (row) => [...row.querySelectorAll('td')].map((td) => td.textContent.trim());
    const rows = (selector) => [...document.querySelectorAll(selector)].filter((tr) => tr.querySelector('td')).map(cells);
    return {
      title: document.title,
      heading: document.querySelector('h1')?.textContent ?? null,
      verdict: document.querySelector('.verdict')?.textContent ?? null,
      lanes: [...document.querySelectorAll('svg text.lane')].map((t) => t.dataset.actor),
      lane_headings: [...document.querySelectorAll('svg text.lane')].map((t) => [...t.querySelectorAll('tspan')].map((s) => s.textContent)),
      texts: document.querySelectorAll('svg text').length,
      overlaps: (() => {
        const found = [];
        for (const svg of document.querySelectorAll('svg')) {
          const boxes = [...svg.querySelectorAll('text')].map((t) => [t.textContent, t.getBoundingClientRect()]);
          // Sorted by left edge, each box is compared only with those that start before it ends.
          boxes.sort((a, b) => a[1].left - b[1].left);
          for (let i = 0; i < boxes.length; i++) {
            const [ta, a] = boxes[i];
            for (let j = i + 1; j < boxes.length && boxes[j][1].left < a.right - 0.5; j++) {
              const [tb, b] = boxes[j];
              const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
              const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
              if (w > 0.5 && h > 0.5) found.push([ta, tb]);
            }
          }
        }
        return found;
      })(),
      compliance: rows('table.compliance tr'),
      who_saw: rows('table#who-saw tr'),
      svgs: document.querySelectorAll('svg').length,
      headings: [...document.querySelectorAll('h1, h2, h3')].map((h) => h.textContent.trim()),
      width: document.documentElement.scrollWidth,
      height: document.documentElement.scrollHeight,
    };
  }));
  if (shots) {
    const top = from ? await page.locator(from).first().evaluate((e) => e.getBoundingClientRect().top + window.scrollY) : 0;
    const area = clip ? { clip: { x: 0, y: Math.max(0, top - 12), width: 1280, height: 900 } } : {};
    await page.screenshot({ path: join(shots, `${basename(file, '.html')}.png`), fullPage: !clip || from !== null, ...area });
  }
  if (shots && diagram) {
    // The whole diagram: its box is let out of its scrolling frame and the window made wide enough.
    const svg = page.locator('svg[aria-label="sequence diagram"]');
    await page.addStyleTag({ content: '.diagram { overflow: visible; }' });
    const width = await svg.evaluate((e) => e.getBoundingClientRect().right);
    await page.setViewportSize({ width: Math.max(1280, Math.ceil(width) + 40), height: 900 });
    await svg.screenshot({ path: join(shots, `${basename(file, '.html')}-diagram.png`) });
  }
  if (pdfs) {
    const printing = performance.now();
    await page.pdf({ path: join(pdfs, `${basename(file, '.html')}.pdf`), preferCSSPageSize: true, printBackground: true });
    seen.print_ms = Math.round(performance.now() - printing);
  }
  console.log(JSON.stringify(seen));
  await page.close();
}
await browser.close();
