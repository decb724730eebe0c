// The browser half of scripts/browser_check.sh: opens a training report in
// headless Chromium (Debian's, driven by playwright-core), takes a
// full-page screenshot and checks what a reader would see.
//
//     node scripts/browser_check.cjs REPORT.html SCREENSHOT.png MODULES_DIR
//
// Fails (exit code 1) if the page logs a console error or warning or
// throws, requests anything but itself, has no charts, or has a chart that
// is not drawn: an SVG with no size, a line chart without a drawn line of
// at least three points, a decision boundary without regions and points, a
// graph without a box and a label per node, a confusion matrix without a
// square and a label per class, misclassified images without 64 squares
// each, a predicted-against-true chart without its points, a set of heat
// strips without cells for each strip.
'use strict';
const path = require('path');
const { pathToFileURL } = require('url');

const [report, screenshot, modules] = process.argv.slice(2);
if (!report || !screenshot || !modules) {
    console.error('usage: node browser_check.cjs REPORT.html SCREENSHOT.png MODULES_DIR');
    process.exit(2);
}
const { chromium } = require(require.resolve('playwright-core', { paths: [modules] }));

(async () => {
    const problems = [];
    const browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        headless: true,
        // This machine's network is closed: without these, Chromium's
        // background connections fail at every start. (Each launch gets a
        // fresh temporary profile: playwright passes its own --user-data-dir.)
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const url = pathToFileURL(path.resolve(report)).href;
    page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
        if (r.url() !== url) problems.push(`the page requested ${r.url()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(url, { waitUntil: 'load' });

    const charts = await page.$$eval('figure.chart', (figures) => figures.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        const count = (selector) => (svg ? svg.querySelectorAll(selector).length : 0);
        const lines = svg ? [...svg.querySelectorAll('polyline')].filter((l) => {
            const b = l.getBBox();
            return l.points.numberOfItems >= 3 && (b.width > 0 || b.height > 0);
        }).length : 0;
        const title = f.querySelector('text') ? f.querySelector('text').textContent.trim() : '';
        return {
            kind: f.dataset.kind, title, width: box.width, height: box.height, lines,
            rects: count('rect'), circles: count('circle'), texts: count('text'),
            nodes: Number(f.dataset.nodes || 0),
            classes: Number(f.dataset.classes || 0), images: Number(f.dataset.images || 0),
            points: Number(f.dataset.points || 0), strips: Number(f.dataset.strips || 0),
            cells: svg ? [...svg.querySelectorAll('path')].filter((p) => (p.getAttribute('d') || '').length > 0).length : 0,
        };
    }));
    if (charts.length === 0) problems.push('no charts on the page');
    for (const c of charts) {
        const name = `${c.kind} chart "${c.title}"`;
        let drawn = c.width > 50 && c.height > 50;
        if (c.kind === 'lines') drawn = drawn && c.lines >= 1;
        else if (c.kind === 'boundary') drawn = drawn && c.rects >= 10 && c.circles >= 10;
        else if (c.kind === 'graph') drawn = drawn && c.nodes > 0 && c.rects >= 2 * c.nodes && c.texts >= c.nodes;
        else if (c.kind === 'confusion') drawn = drawn && c.classes > 1 && c.rects >= c.classes ** 2 && c.texts >= 2 * c.classes;
        else if (c.kind === 'images') drawn = drawn && c.images > 0 && c.rects >= 64 * c.images && c.texts >= 2 * c.images;
        else if (c.kind === 'scatter') drawn = drawn && c.points > 0 && c.circles >= Math.min(c.points, 10);
        else if (c.kind === 'heatstrip') drawn = drawn && c.strips > 0 && c.cells >= c.strips && c.texts >= c.strips;
        else problems.push(`${name}: unknown kind`);
        console.log(`${drawn ? 'ok   ' : 'EMPTY'} ${name}: ${Math.round(c.width)}x${Math.round(c.height)} px, ` +
            `${c.lines} lines, ${c.rects} rects, ${c.circles} circles, ${c.texts} texts` +
            (c.kind === 'heatstrip' ? `, ${c.strips} strips, ${c.cells} shaded paths` : ''));
        if (!drawn) problems.push(`${name} is empty`);
    }
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
    await browser.close();
    if (problems.length > 0) {
        for (const p of problems) console.error(`FAIL: ${p}`);
        process.exit(1);
    }
    console.log(`${charts.length} charts drawn, no console errors, no requests: the page passes`);
})().catch((e) => {
    console.error(`FAIL: ${e.stack || e}`);
    process.exit(1);
});
