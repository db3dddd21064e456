/// <reference lib="dom" />
// The callbacks given to page.evaluate run in the browser, hence the DOM types.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { App } from '../../src/app';
import { pollFeeds } from '../../src/ingest/poll';
import { newTestDb, type TestDb } from '../helpers/db';
import { fixture, startFeedServer, type FeedServer } from '../helpers/feed-server';
import { fixtureConfig, fixtureRoutes, openTestApp, startHttp, closeAll } from '../helpers/app';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser test skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);
const maybe = haveChromium ? describe : describe.skip;

maybe('GET / in headless Chromium', () => {
  let feeds: FeedServer;
  let db: TestDb;
  let app: App;
  let http: Awaited<ReturnType<typeof startHttp>>;
  let base: string;

  beforeAll(async () => {
    feeds = await startFeedServer(fixtureRoutes(fixture));
    db = await newTestDb();
    app = await openTestApp(fixtureConfig(feeds.url), db);
    await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 4, leaseSeconds: 60 });
    http = await startHttp(app);
    base = http.base;
  });

  afterAll(() => closeAll({ http, app, db, feeds }));

  test('the page loads with no console errors, lists topics and sources, its links work, and fits a phone', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      const external: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url());
      });
      const res = await page.goto(`${base}/`, { waitUntil: 'load' });
      expect(res?.status()).toBe(200);
      expect(await page.title()).toBe('Tidings');
      const topics = await page.locator('.topics h3').allTextContents();
      expect(topics).toEqual(['Turkey', 'Syria', 'Russia']);
      expect(await page.locator('#topic-turkey').textContent()).toMatch(/6 items/);
      expect(await page.locator('table tbody tr').count()).toBe(5);
      // No horizontal scrolling on a phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

      // Every link on the page answers 200, and the feed links are real feeds.
      const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
      expect(hrefs.length).toBeGreaterThan(10);
      for (const href of hrefs) {
        const r = await page.request.get(href);
        expect([href, r.status()]).toEqual([href, 200]);
      }
      const rss = await page.request.get(`${base}/topics/turkey.rss`);
      expect(rss.headers()['content-type']).toBe('application/rss+xml; charset=utf-8');

      // The copy button copies the public URL.
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      await page.locator('#topic-turkey button[data-copy]').click();
      await page.waitForFunction(() => document.querySelector('#topic-turkey button[data-copy]')?.textContent === 'Copied');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('http://tidings.test/topics/turkey.rss');

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'index-page.png'), fullPage: true });
      expect(existsSync(path.join(ARTIFACTS, 'index-page.png'))).toBe(true);
      expect(problems).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
