import Parser from 'rss-parser';
import { request } from 'undici';
import type { App } from '../../src/app';
import { pollFeeds } from '../../src/ingest/poll';
import { newTestDb, type TestDb } from '../helpers/db';
import { fixture, startFeedServer, type FeedServer } from '../helpers/feed-server';
import { fixtureConfig, fixtureRoutes, openTestApp, startHttp, closeAll } from '../helpers/app';

let feeds: FeedServer;
let db: TestDb;
let app: App;
let base: string;
let http: Awaited<ReturnType<typeof startHttp>>;

beforeAll(async () => {
  feeds = await startFeedServer(fixtureRoutes(fixture));
  db = await newTestDb();
  app = await openTestApp(fixtureConfig(feeds.url), db);
  http = await startHttp(app);
  base = http.base;
});

afterAll(() => closeAll({ http, app, db, feeds }));

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${base}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

describe('poll, then GET /topics/turkey.rss', () => {
  let summaries: Awaited<ReturnType<typeof pollFeeds>>;

  beforeAll(async () => {
    // One at a time, in claim order (config order): the World feed's copy of the shared Idlib story is
    // stored first, so the assertions below can name which copy won. Concurrent polls are tested elsewhere.
    summaries = await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 1, leaseSeconds: 60 });
  });

  test('every feed is fetched once, and none fails', () => {
    expect(summaries).toHaveLength(6);
    expect(summaries.filter((s) => s.status === 'error')).toEqual([]);
  });

  test('the Idlib story lands once for the publisher that carries it in two feeds', () => {
    const wire = summaries.filter((s) => s.sourceId === 'wire');
    expect(wire.reduce((n, s) => n + s.new, 0)).toBe(5); // 4 in world + the Soçi item; the rest are duplicates
    expect(wire.reduce((n, s) => n + s.duplicate, 0)).toBe(2);
  });

  test('the Turkey feed carries exactly the Turkey items, newest first, parsed back item by item', async () => {
    const res = await get('/topics/turkey.rss');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    const feed = await new Parser().parseString(res.body);
    expect(feed.title).toBe('Turkey');
    const titles = feed.items.map((i) => i.title);
    expect(titles).toEqual([
      'Erdoğan visits Moscow for talks on Idlib', // 11 Feb 05:00 UTC
      "Turkiye sends troops into Idlib after failed talks & Russia's pressure", // 10 Feb 10:15
      'Турция ввела войска в Идлиб после провала переговоров с Россией', // 12:00 +0300 = 09:00
      'Türkiye İdlib\'e asker sevk etti', // 11:00 +0300 = 08:00
      'TÜRKİYE ve Rusya Soçi\'de görüştü', // 07:00
      'Turkey deploys army in Idlib, citing failure of negotiations with Russia', // 09:30 +0300 = 06:30
    ]);
    for (const item of feed.items) {
      expect(item.link).toMatch(/^https?:\/\//);
      expect(item.guid).toMatch(/^urn:tidings:/);
      expect(item.pubDate).toBeTruthy();
    }
    const idlib = feed.items.find((i) => i.title?.startsWith('Turkey deploys'))!;
    // The link readers get has no tracking parameters (the fragment stays).
    expect(idlib.link).toBe('http://news.example/2020/02/turkey-idlib.html#comments');
    const categories = (idlib.categories as unknown[]).map((c) => (typeof c === 'string' ? c : (c as { _: string })._));
    expect(categories).toEqual(['Turkey', 'Russia', 'Idlib', 'Syria']);
    // The publisher is the item's <source>, not a made-up category.
    expect(res.body).toMatch(/<source url="http:\/\/127\.0\.0\.1:\d+\/wire\/(world|turkey)\.xml">Wire Daily<\/source>/);
    // rss-parser reads <description> as `content` and the full HTML as `content:encoded`.
    const html = (idlib as unknown as Record<string, string>)['content:encoded']!;
    expect(html).toContain('<a href="http://news.example/tags/idlib" rel="noopener noreferrer">Idlib</a>');
    expect(html).not.toMatch(/script|onclick|tracker\.example/);
    expect(idlib.content).toBe('Ankara sent more troops into the Syrian province after talks stalled.');
    expect(titles).not.toContain('Turkmenistan opens new gas pipeline');
    expect(titles).not.toContain('A Thanksgiving turkey pardoned in Washington');
  });

  test('the same story shows up in the Syria feed too, in Atom and JSON Feed', async () => {
    const atom = await get('/topics/syria.atom');
    expect(atom.status).toBe(200);
    expect(atom.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const parsed = await new Parser().parseString(atom.body);
    expect(parsed.items.map((i) => i.title)).toContain('Turkey deploys army in Idlib, citing failure of negotiations with Russia');
    const json = await get('/topics/syria.json');
    const doc = JSON.parse(json.body) as { version: string; items: { id: string; url: string; title: string }[] };
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    expect(doc.items.map((i) => i.title)).toEqual(parsed.items.map((i) => i.title));
    expect(doc.items.map((i) => i.id)).toEqual(parsed.items.map((i) => i.id));
  });

  test('the limit parameter caps the feed, and guids are the same in every format', async () => {
    const rss = await new Parser().parseString((await get('/topics/turkey.rss?limit=2')).body);
    expect(rss.items).toHaveLength(2);
    const json = JSON.parse((await get('/topics/turkey.json?limit=2')).body) as { items: { id: string }[] };
    expect(json.items.map((i) => i.id)).toEqual(rss.items.map((i) => i.guid));
  });

  test('an unknown topic is a 404 with a clear body', async () => {
    const res = await get('/topics/atlantis.rss');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: 'unknown topic "atlantis"' });
    expect((await get('/topics/turkey.pdf')).status).toBe(404);
  });

  test('a malformed limit is a 400, not a 500', async () => {
    expect((await get('/topics/turkey.rss?limit=abc')).status).toBe(400);
    expect((await get('/api/items?limit=-1')).status).toBe(400);
  });

  test('a second GET with the ETag is a 304', async () => {
    const first = await get('/topics/turkey.rss');
    const again = await get('/topics/turkey.rss', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  test('/api/sources reports each source with its feeds and counts', async () => {
    const res = await get('/api/sources');
    const sources = JSON.parse(res.body) as { id: string; itemCount: number; lastStatus: string; lastError: string | null; lastFetchedAt: string; feeds: unknown[] }[];
    const wire = sources.find((s) => s.id === 'wire')!;
    expect(wire.feeds).toHaveLength(2);
    expect(wire.itemCount).toBe(5);
    expect(wire.lastStatus).toBe('ok');
    expect(wire.lastError).toBeNull();
    expect(Date.parse(wire.lastFetchedAt)).not.toBeNaN();
    expect(sources.map((s) => s.id).sort()).toEqual(['desk', 'hurriyet', 'kommersant', 'levant-observer', 'wire']);
  });

  test('/api/items filters by topic and source and lists each item\'s topics', async () => {
    const res = await get('/api/items?source=wire&topic=syria');
    const items = JSON.parse(res.body) as { sourceId: string; title: string; topics: string[]; url: string; publishedAt: string; categories: string[] }[];
    expect(items).toHaveLength(1);
    expect(items[0]!.topics).toEqual(['russia', 'syria', 'turkey']);
    expect(items[0]!.publishedAt).toBe('2020-02-10T06:30:00.000Z');
    expect((await get('/healthz')).status).toBe(200);
  });

  test('/metrics reports per-source items and per-feed health for Prometheus', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toContain('tidings_source_items{source="wire"} 5');
    expect(res.body).toContain(`tidings_feed_consecutive_errors{source="wire",feed="${feeds.url}/wire/world.xml"} 0`);
    expect(res.body).toMatch(/tidings_feed_last_status\{source="desk",feed="[^"]+",status="ok",code=""\} 1/);
  });

  test('a second poll stores nothing new and keeps the feeds conditional', async () => {
    const again = await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 4, leaseSeconds: 60 });
    expect(again.reduce((n, s) => n + s.new, 0)).toBe(0);
    expect(again.filter((s) => s.status === 'error')).toEqual([]);
  });
});
