import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import { request } from 'undici';
import type { App } from '../../src/app';
import { pollFeeds } from '../../src/ingest/poll';
import { tickSeconds } from '../../src/publish/max-age';
import { HubPinger } from '../../src/publish/websub';
import { silentLogger } from '../../src/shared/logger';
import { newTestDb, type TestDb } from '../helpers/db';
import { startFeedServer, type FeedServer } from '../helpers/feed-server';
import { openTestApp, startHttp, closeAll } from '../helpers/app';

const N = 500;
let feeds: FeedServer;
let db: TestDb;
let app: App;
let base: string;
let http: Awaited<ReturnType<typeof startHttp>>;
let hub: Server;
const hubPings: string[] = [];

/** 500 items about Ankara; every fifth pair shares a publication time, so the keyset needs the id to break ties. */
function bigFeed(count: number, from = 0): string {
  const items = Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const t = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 2) * 60_000 * (i % 5 === 0 ? 0 : 1) + i * 1000);
    return `<item><title>Ankara item ${i} &amp; &lt;more&gt; \u0001</title><link>http://news.example/a/${i}?utm_source=x</link><guid>a-${i}</guid>
<pubDate>${t.toUTCString()}</pubDate><author>desk@news.example (Desk)</author><category>Politics</category>
<description><![CDATA[<p onclick="x()">Body ${i} <script>alert(1)</script><a href="/rel/${i}">more</a></p>]]></description>
<enclosure url="http://news.example/a/${i}.mp3" type="audio/mpeg" length="1234"/></item>`;
  }).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title><link>http://news.example/</link><description>d</description>${items}</channel></rss>`;
}

beforeAll(async () => {
  hub = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hubPings.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
  const hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub`;
  feeds = await startFeedServer({ '/big.xml': { body: bigFeed(N), headers: { 'content-type': 'application/rss+xml' } } });
  db = await newTestDb();
  app = await openTestApp(
    `
server: { baseUrl: "http://tidings.test" }
fetch: { allowPrivateNetworks: true, timeout: 5s }
publish: { defaultLimit: 50, maxLimit: 100, hub: "${hubUrl}" }
sources:
  - { name: Big News, id: big, url: "${feeds.url}/big.xml" }
topics:
  - { slug: ankara, title: Ankara, match: { any: [Ankara] } }
  - { slug: secret, title: Secret, token: "s3cret-token", match: { any: [Ankara] } }
`,
    db,
  );
  await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 2, leaseSeconds: 60 });
  http = await startHttp(app);
  base = http.base;
});

afterAll(async () => {
  await new Promise((r) => hub?.close(r));
  await closeAll({ http, app, db, feeds });
});

async function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  const res = await request(path.startsWith('http') ? path : `${base}${path}`, { headers, method });
  const raw = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, raw, body: raw.toString('utf8') };
}
const local = (url: string) => url.replace('http://tidings.test', base);

test('paging walks a 500-item topic by keyset, newest first, with no gaps and no repeats, in all three formats', async () => {
  const seenRss: string[] = [];
  let url: string | undefined = '/topics/ankara.atom?limit=100';
  let pages = 0;
  const atomIds: string[] = [];
  while (url) {
    const res = await get(local(url));
    expect(res.status).toBe(200);
    pages++;
    const ids = [...res.body.matchAll(/<entry><id>([^<]+)<\/id>/g)].map((m) => m[1]!);
    atomIds.push(...ids);
    url = /<link rel="prev-archive" href="([^"]+)"/.exec(res.body)?.[1]?.replace(/&amp;/g, '&');
    if (pages > 1) expect(res.body).toContain('<fh:archive/>');
  }
  expect(pages).toBe(5);
  expect(atomIds).toHaveLength(N);
  expect(new Set(atomIds).size).toBe(N);

  // JSON Feed: next_url; and its order agrees with the stored order.
  let next: string | undefined = '/topics/ankara.json?limit=77';
  const jsonIds: string[] = [];
  let last = Infinity;
  while (next) {
    const doc = JSON.parse((await get(local(next))).body) as { next_url?: string; items: { id: string; date_published: string }[] };
    for (const it of doc.items) {
      const t = Date.parse(it.date_published);
      expect(t).toBeLessThanOrEqual(last);
      last = t;
      jsonIds.push(it.id);
    }
    next = doc.next_url;
  }
  expect(jsonIds).toEqual(atomIds);

  // RSS: walk forward, then step back with the "previous" link.
  const first = await get('/topics/ankara.rss?limit=100');
  const second = await get(local(/<atom:link rel="next" href="([^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, '&')));
  const back = /<atom:link rel="previous" href="([^"]+)"/.exec(second.body)![1]!.replace(/&amp;/g, '&');
  const again = await new Parser().parseString((await get(local(back))).body);
  seenRss.push(...again.items.map((i) => i.guid!));
  expect(seenRss).toEqual(atomIds.slice(0, 100));
});

test('?limit= is capped at publish.maxLimit, and a forged cursor is a 400', async () => {
  const doc = JSON.parse((await get('/topics/ankara.json?limit=100000')).body) as { items: unknown[] };
  expect(doc.items).toHaveLength(100);
  expect((await get('/topics/ankara.rss?before=1%20OR%201=1')).status).toBe(400);
});

test('all three formats are valid, parse back with independent parsers, and carry the same items', async () => {
  const rss = await get('/topics/ankara.rss');
  const atom = await get('/topics/ankara.atom');
  const json = await get('/topics/ankara.json');
  for (const x of [rss, atom]) {
    expect(XMLValidator.validate(x.body)).toBe(true);
    expect(x.body).not.toMatch(/[\x00-\x08\x0B\x0C\x0E-\x1F]/);
    expect(x.body).not.toMatch(/<script|onclick/);
  }
  expect(json.headers['content-type']).toBe('application/feed+json; charset=utf-8');
  const r = await new Parser().parseString(rss.body);
  const a = await new Parser().parseString(atom.body);
  const j = JSON.parse(json.body) as { version: string; feed_url: string; hubs: unknown[]; items: { id: string; url: string; authors: { name: string }[]; attachments: { url: string; mime_type: string }[]; _tidings: { source: { id: string } } }[] };
  expect(j.version).toBe('https://jsonfeed.org/version/1.1');
  expect(j.feed_url).toBe('http://tidings.test/topics/ankara.json');
  expect(j.hubs).toEqual([{ type: 'WebSub', url: expect.stringMatching(/\/hub$/) }]);
  expect(r.items.map((i) => i.guid)).toEqual(j.items.map((i) => i.id));
  expect(a.items.map((i) => i.id)).toEqual(j.items.map((i) => i.id));
  const top = r.items[0]!;
  // Escaped once in the XML, the control character dropped.
  expect(top.title).toMatch(/^Ankara item \d+ &/);
  expect(rss.body).toMatch(/<title>Ankara item \d+ &amp;/);
  expect(top.link).toMatch(/^http:\/\/news\.example\/a\/\d+$/);
  expect(top.enclosure).toMatchObject({ type: 'audio/mpeg', length: '1234' });
  expect(j.items[0]!.attachments[0]!.mime_type).toBe('audio/mpeg');
  expect(j.items[0]!._tidings.source.id).toBe('big');
  expect(rss.body).toMatch(new RegExp(`<source url="${feeds.url}/big.xml">Big News</source>`));
  expect(rss.body).toContain('<atom:link rel="self" type="application/rss+xml" href="http://tidings.test/topics/ankara.rss"/>');
  expect(rss.body).toMatch(/<atom:link rel="hub" href="http:\/\/127\.0\.0\.1:\d+\/hub"\/>/);
  expect(rss.body).toMatch(/<generator>Tidings [\d.]+<\/generator>/);
  expect(atom.body).toMatch(new RegExp(`<source><id>${feeds.url}/big.xml</id><title>Big News</title>`));
  expect(atom.body).toContain('<link rel="self" type="application/atom+xml" href="http://tidings.test/topics/ankara.atom"/>');
  expect(atom.body).toMatch(/<updated>\d{4}-/);
  // The relative link inside the content became absolute.
  expect(atom.body).toMatch(/href=&quot;http:\/\/news\.example\/rel\/\d+&quot;/);
});

test('ETag and Last-Modified give 304s; HEAD has the headers and no body; gzip and br are offered', async () => {
  const first = await get('/topics/ankara.rss');
  const etag = String(first.headers.etag);
  expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
  expect(first.headers['cache-control']).toBe('public, max-age=60');
  expect((await get('/topics/ankara.rss', { 'if-none-match': etag })).status).toBe(304);
  expect((await get('/topics/ankara.rss', { 'if-none-match': '"other"' })).status).toBe(200);
  expect((await get('/topics/ankara.rss', { 'if-modified-since': String(first.headers['last-modified']) })).status).toBe(304);
  expect((await get('/topics/ankara.rss', { 'if-modified-since': new Date(Date.UTC(2000, 0)).toUTCString() })).status).toBe(200);
  // Each format has its own ETag.
  expect((await get('/topics/ankara.atom')).headers.etag).not.toBe(etag);
  const head = await get('/topics/ankara.rss', {}, 'HEAD');
  expect(head.status).toBe(200);
  expect(head.headers.etag).toBe(etag);
  expect(head.raw.length).toBe(0);
  const gz = await get('/topics/ankara.rss', { 'accept-encoding': 'gzip' });
  expect(gz.headers['content-encoding']).toBe('gzip');
  expect(gunzipSync(gz.raw).toString()).toBe(first.body);
  // The gzip body is another representation, with its own strong ETag, and it validates too.
  expect(gz.headers.etag).toBe(`${etag.slice(0, -1)}-gzip"`);
  const gz304 = await get('/topics/ankara.rss', { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) });
  expect(gz304.status).toBe(304);
  expect(gz304.headers.etag).toBe(gz.headers.etag);
  const br = await get('/topics/ankara.json', { 'accept-encoding': 'br' });
  expect(br.headers['content-encoding']).toBe('br');
  expect(JSON.parse(brotliDecompressSync(br.raw).toString()).items).toHaveLength(50);
});

test('a topic with a token needs it (query or bearer); a wrong token is a 404 like an unknown topic', async () => {
  expect((await get('/topics/secret.rss')).status).toBe(404);
  const wrong = await get('/topics/secret.rss?token=nope');
  expect(wrong.status).toBe(404);
  expect(wrong.body).toBe((await get('/topics/nosuch.rss')).body.replace('nosuch', 'secret'));
  const ok = await get('/topics/secret.rss?token=s3cret-token&limit=5');
  expect(ok.status).toBe(200);
  // Paging links keep the token, so a reader can follow them.
  expect(ok.body).toMatch(/rel="next" href="[^"]*token=s3cret-token/);
  expect((await get('/topics/secret.atom', { authorization: 'Bearer s3cret-token' })).status).toBe(200);
  expect((await get('/opml')).body).not.toContain('secret');
  expect((await get('/')).body).not.toContain('Secret');
});

test('/sources/{id}, /all and /opml', async () => {
  const src = await new Parser().parseString((await get('/sources/big.rss?limit=10')).body);
  expect(src.title).toBe('Big News');
  expect(src.items).toHaveLength(10);
  expect((await get('/sources/ghost.rss')).status).toBe(404);
  const all = JSON.parse((await get('/all.json?limit=3')).body) as { items: unknown[]; next_url: string };
  expect(all.items).toHaveLength(3);
  expect(all.next_url).toContain('/all.json?limit=3&before=');
  const opml = await get('/opml');
  expect(opml.headers['content-type']).toBe('text/x-opml; charset=utf-8');
  expect(XMLValidator.validate(opml.body)).toBe(true);
  expect(opml.body).toContain('xmlUrl="http://tidings.test/topics/ankara.rss"');
});

test('the WebSub hub is pinged when a topic gains items, not before', async () => {
  const pinger = new HubPinger(app.store, app.config.publish.hub!, (slug) => (slug === 'ankara' ? Object.values(app.publisher.feedUrls({ kind: 'topic', slug })) : null), silentLogger());
  expect(await pinger.check()).toEqual([]);
  expect(await pinger.check()).toEqual([]);
  feeds.route('/big.xml', { body: bigFeed(3, N), headers: { 'content-type': 'application/rss+xml' } });
  await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 2, leaseSeconds: 60 });
  expect(await pinger.check()).toEqual(['ankara']);
  expect(hubPings).toHaveLength(1);
  const ping = new URLSearchParams(hubPings[0]);
  expect(ping.get('hub.mode')).toBe('publish');
  expect(ping.getAll('hub.url')).toContain('http://tidings.test/topics/ankara.atom');
});

test('Cache-Control max-age follows the poll tick', () => {
  expect(tickSeconds('* * * * *')).toBe(60);
  expect(tickSeconds('*/5 * * * *')).toBe(300);
  expect(tickSeconds('*/30 * * * * *')).toBe(30);
  expect(tickSeconds('0 */2 * * *')).toBe(7200);
});
