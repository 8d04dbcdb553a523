#!/usr/bin/env node
// Loads an HTML report in headless Chromium (playwright-core, Debian's
// /usr/bin/chromium) with every network request refused, and prints one
// verdict a line for the shell test: "ok<TAB>what" or "not_ok<TAB>what<TAB>detail".
//
//   node browser-check.js REPORT.html SCREENSHOT.png PDF
//
// Checks: no console error or page error, no request leaves the page
// (file: and data: only), the charts are inline SVG with bars drawn, the
// sections are there; then a full-page screenshot and a printed PDF.
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

const [file, shot, pdf] = process.argv.slice(2);
const say = (ok, what, detail) =>
	console.log([ok ? 'ok' : 'not_ok', what, ok ? '' : String(detail || '').replace(/\n/g, '\\n')].join('\t'));

(async () => {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
		const errors = [], external = [];
		page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
		page.on('pageerror', e => errors.push(String(e)));
		await page.route('**/*', route => {
			const u = route.request().url();
			if (u.startsWith('file:') || u.startsWith('data:')) return route.continue();
			external.push(u);
			return route.abort();
		});
		await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
		say(errors.length === 0, 'the page loads without console errors', errors.join('\n'));
		say(external.length === 0, 'the page fetches nothing from outside', external.join('\n'));
		const scripts = await page.locator('script').count();
		say(scripts === 0, 'the page has no script', scripts + ' script elements');
		const charts = await page.$$eval('svg.chart', svgs => svgs.map(s => ({
			id: s.id,
			bars: s.querySelectorAll('rect.bar1').length,
			drawn: Array.from(s.querySelectorAll('rect.bar1')).filter(r => r.getBBox().width > 0 && r.getBBox().height > 0).length,
			width: s.getBoundingClientRect().width,
		})));
		for (const id of ['chart-category', 'chart-source', 'chart-density', 'chart-confidence']) {
			const c = charts.find(x => x.id === id);
			say(c && c.drawn > 0 && c.width > 100, 'chart ' + id + ' renders with bars',
			    JSON.stringify(c || 'missing'));
		}
		for (const id of ['summary', 'scope', 'coverage', 'inventory', 'regimes', 'about']) {
			const n = await page.locator('section#' + id).count();
			say(n === 1, 'section ' + id + ' is there', n + ' found');
		}
		const hipaa = await page.locator('#regimes table').last().locator('tbody tr').count();
		say(hipaa === 18, 'the HIPAA table has 18 rows', hipaa);
		// The first screen, and the charts: a full-page shot of a long
		// report costs seconds of software rendering.
		await page.screenshot({ path: shot });
		await page.locator('#inventory figure').first().screenshot({ path: shot.replace(/\.png$/, '') + '-chart.png' });
		say(true, 'screenshots taken');
		if (pdf) {
			await page.emulateMedia({ media: 'print' });
			await page.pdf({ path: pdf, format: 'A4', printBackground: true });
			say(true, 'printed to PDF');
		}
	} finally {
		await browser.close();
	}
})().catch(e => { say(false, 'the browser check ran', e.stack || e); process.exit(1); });
