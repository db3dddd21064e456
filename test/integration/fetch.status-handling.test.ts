import { createServer, type AddressInfo } from 'node:net';
import { request } from 'undici';
import type { App } from '../../src/app';
import { buildServer } from '../../src/http/server';
import { pollFeeds } from '../../src/ingest/poll';
import { silentLogger } from '../../src/shared/logger';
import type { FeedStatus } from '../../src/store/sources';
import { closeSharedPglite, dropTestDb, newTestDb, type TestDb } from '../helpers/db';
import { startFeedServer, type FeedServer } from '../helpers/feed-server';
import { openTestApp } from '../helpers/app';

/**
 * What a fetch outcome does to a feed's stored state: validators, moved
 * URLs, 410, backoff, Retry-After, not-a-feed, local outages, leases.
 * Real PGlite or Postgres, real local HTTP servers, the guard on with only
 * 127.0.0.1/32 allowed.
 */

const rss = (n: number, extra = '') =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>${extra}${Array.from({ length: n }, (_, i) => `<item><title>Story ${i}</title><guid>g${i}</guid><link>http://news.test/${i}</link></item>`).join('')}</channel></rss>`;

let server: FeedServer;
let db: TestDb | null = null;
let app: App | null = null;

beforeAll(async () => {
  server = await startFeedServer();
});

afterEach(async () => {
  await app?.close();
  if (db) await dropTestDb(db);
  app = null;
  db = null;
});

afterAll(async () => {
  await server.close();
  await closeSharedPglite();
});

/** A fresh schema and an app whose sources are these feed paths (on the test server unless absolute). */
async function setup(feeds: Record<string, string>, extra = ''): Promise<App> {
  db = await newTestDb();
  const sources = Object.entries(feeds)
    .map(([id, p]) => `  - { id: ${id}, name: ${id}, url: "${p.startsWith('http') ? p : server.url + p}", interval: 15m }`)
    .join('\n');
  app = await openTestApp(`fetch: { allowPrivateNetworks: ["127.0.0.1/32"], timeout: 5s }\n${extra}\nsources:\n${sources}\n`, db);
  return app;
}

const poll = (a: App, perHost = 2) => pollFeeds(a.ingest, { ignoreSchedule: true, concurrency: 8, perHost, leaseSeconds: 60 });

async function feedOf(a: App, sourceId: string): Promise<FeedStatus> {
  const s = (await a.store.listSources()).find((x) => x.id === sourceId)!;
  return s.feeds[0]!;
}

async function itemCount(a: App, sourceId: string): Promise<number> {
  return (await a.store.listSources()).find((x) => x.id === sourceId)!.itemCount;
}

const MIN = 60_000;

test('conditional GET: both validators are sent, refreshed on 200 and on 304, and a 304 writes no items', async () => {
  const LM1 = 'Mon, 02 Mar 2026 10:00:00 GMT';
  const LM2 = 'Tue, 03 Mar 2026 10:00:00 GMT';
  server.route('/cond.xml', (req, res) => {
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    if (inm === '"v1"' && ims === LM1) return res.writeHead(304, { etag: '"v2"', 'last-modified': LM2 }).end();
    if (inm === '"v2"' && ims === LM2) return res.writeHead(304, { etag: '"v2"', 'last-modified': LM2 }).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"', 'last-modified': LM1 }).end(rss(3));
  });
  const a = await setup({ cond: '/cond.xml' });
  const first = await poll(a);
  expect(first[0]).toMatchObject({ status: 'ok', new: 3 });
  expect(await itemCount(a, 'cond')).toBe(3);

  const second = await poll(a);
  expect(second[0]).toMatchObject({ status: 'not_modified', new: 0 });
  const third = await poll(a);
  expect(third[0]).toMatchObject({ status: 'not_modified' });

  const seen = server.requests.filter((r) => r.path === '/cond.xml');
  expect(seen).toHaveLength(3);
  expect(seen[0]!.headers['if-none-match']).toBeUndefined();
  expect([seen[1]!.headers['if-none-match'], seen[1]!.headers['if-modified-since']]).toEqual(['"v1"', LM1]);
  // The 304 brought new validators, and the next request carries them.
  expect([seen[2]!.headers['if-none-match'], seen[2]!.headers['if-modified-since']]).toEqual(['"v2"', LM2]);
  expect(await itemCount(a, 'cond')).toBe(3);
  const f = await feedOf(a, 'cond');
  expect([f.fetchCount, f.notModifiedCount, f.lastStatus]).toEqual([3, 2, 'not_modified']);
});

test('a 301 or 308 records the new URL and later fetches go there; a 302 or 307 does not', async () => {
  server.route('/moved.xml', { status: 301, body: '', headers: { location: '/new-home.xml' } });
  server.route('/new-home.xml', { body: rss(1) });
  server.route('/temp.xml', { status: 302, body: '', headers: { location: '/elsewhere.xml' } });
  server.route('/elsewhere.xml', { body: rss(1) });
  const a = await setup({ moved: '/moved.xml', temp: '/temp.xml' });
  await poll(a);
  expect((await feedOf(a, 'moved')).fetchUrl).toBe(`${server.url}/new-home.xml`);
  expect((await feedOf(a, 'temp')).fetchUrl).toBeNull();
  const before = server.requests.length;
  await poll(a);
  const paths = server.requests.slice(before).map((r) => r.path).sort();
  expect(paths).toEqual(['/elsewhere.xml', '/new-home.xml', '/temp.xml']);
});

test('a 410 disables the feed with a reason, and it is not fetched again', async () => {
  server.route('/gone.xml', { status: 410, body: 'gone' });
  const a = await setup({ gone: '/gone.xml' });
  const [s] = await poll(a);
  expect(s).toMatchObject({ status: 'error', errorCode: 'http_410' });
  const f = await feedOf(a, 'gone');
  expect(f.enabled).toBe(false);
  expect(f.disabledReason).toContain('410');
  expect(await poll(a)).toEqual([]);
});

test('404 and 5xx back off exponentially, are never dropped, and one success resets the count', async () => {
  let status = 404;
  server.route('/flaky.xml', (_req, res) => {
    if (status === 200) return res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(1));
    res.writeHead(status).end('nope');
  });
  const a = await setup({ flaky: '/flaky.xml' });
  const waits: number[] = [];
  for (const [i, code] of [[1, 404], [2, 500], [3, 502]] as const) {
    status = code;
    const t0 = Date.now();
    const [s] = await poll(a);
    expect(s!.errorCode).toBe(code === 404 ? 'http_404' : 'http_5xx');
    const f = await feedOf(a, 'flaky');
    expect(f.errorCount).toBe(i);
    expect(f.enabled).toBe(true);
    waits.push(f.nextFetchAt.getTime() - t0);
  }
  // interval × 2^n with ±10% jitter: 30 min, 60 min, 120 min.
  expect(waits[0]).toBeGreaterThanOrEqual(27 * MIN);
  expect(waits[1]).toBeGreaterThanOrEqual(54 * MIN);
  expect(waits[2]).toBeGreaterThanOrEqual(108 * MIN);
  expect(waits[2]).toBeLessThanOrEqual(6 * 60 * MIN);
  status = 200;
  await poll(a);
  const f = await feedOf(a, 'flaky');
  expect([f.errorCount, f.lastErrorCode, f.lastStatus]).toEqual([0, null, 'ok']);
  expect(f.lastSuccessAt).not.toBeNull();
});

test('the backoff stops at the ceiling', async () => {
  server.route('/down.xml', { status: 503, body: 'down' });
  const a = await setup({ down: '/down.xml' }, 'schedule: { backoffCeiling: 1h }');
  for (let i = 0; i < 4; i++) await poll(a);
  const f = await feedOf(a, 'down');
  expect(f.errorCount).toBe(4);
  expect(f.nextFetchAt.getTime() - Date.now()).toBeLessThanOrEqual(60 * MIN);
});

test('429 and 503 with Retry-After, in seconds or as an HTTP date, wait that long and are not errors', async () => {
  const at = new Date(Date.now() + 3 * 60 * MIN);
  server.route('/limited.xml', { status: 429, body: '', headers: { 'retry-after': '7200' } });
  server.route('/busy.xml', { status: 503, body: '', headers: { 'retry-after': at.toUTCString() } });
  const a = await setup({ limited: '/limited.xml', busy: '/busy.xml' });
  const t0 = Date.now();
  const out = await poll(a);
  expect(out.map((s) => s.errorCode).sort()).toEqual(['rate_limited', 'rate_limited']);
  const limited = await feedOf(a, 'limited');
  expect(limited.errorCount).toBe(0);
  expect(limited.nextFetchAt.getTime()).toBeGreaterThanOrEqual(t0 + 120 * MIN);
  const busy = await feedOf(a, 'busy');
  expect(busy.errorCount).toBe(0);
  // HTTP dates have whole seconds.
  expect(busy.nextFetchAt.getTime()).toBeGreaterThanOrEqual(Math.floor(at.getTime() / 1000) * 1000 - 1000);
});

test('an HTML page is not_a_feed and names the feed it links, resolved against the page', async () => {
  server.route('/blog/', {
    body: '<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="feed.xml"></head><body>hi</body></html>',
    headers: { 'content-type': 'text/html' },
  });
  server.route('/cf', {
    status: 200,
    body: '<!DOCTYPE html><html><head><title>Just a moment...</title><script src="/cdn-cgi/challenge-platform/h/b/orchestrate"></script></head></html>',
    headers: { 'content-type': 'text/html' },
  });
  const a = await setup({ blog: '/blog/', cf: '/cf' });
  await poll(a);
  const blog = await feedOf(a, 'blog');
  expect(blog.lastErrorCode).toBe('not_a_feed');
  expect(blog.lastError).toContain(`links a feed at ${server.url}/blog/feed.xml`);
  const cf = await feedOf(a, 'cf');
  expect(cf.lastErrorCode).toBe('not_a_feed');
  expect(cf.lastError).toContain('Cloudflare');
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

test('when every feed fails at the network level, error counts are not raised (a local outage)', async () => {
  const [p1, p2] = [await closedPort(), await closedPort()];
  const a = await setup({ one: `http://127.0.0.1:${p1}/a.xml`, two: `http://127.0.0.1:${p2}/b.xml` });
  const out = await poll(a);
  expect(out.map((s) => s.errorCode)).toEqual(['refused', 'refused']);
  for (const id of ['one', 'two']) {
    const f = await feedOf(a, id);
    expect([f.errorCount, f.lastErrorCode]).toEqual([0, 'refused']);
  }
});

test('when only some feeds fail at the network level, theirs do count', async () => {
  server.route('/fine.xml', { body: rss(1) });
  const a = await setup({ fine: '/fine.xml', dead: `http://127.0.0.1:${await closedPort()}/x.xml` });
  await poll(a);
  expect((await feedOf(a, 'dead')).errorCount).toBe(1);
  expect((await feedOf(a, 'fine')).errorCount).toBe(0);
});

test('<ttl> and Cache-Control max-age push the next fetch out, after a 200 and after a 304; the bounds clamp them', async () => {
  server.route('/ttl.xml', (req, res) => {
    if (req.headers['if-none-match'] === '"t"') return res.writeHead(304, { etag: '"t"' }).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"t"' }).end(rss(1, '<ttl>180</ttl>'));
  });
  server.route('/cc.xml', { body: rss(1), headers: { 'cache-control': 'public, max-age=7200' } });
  server.route('/huge.xml', { body: rss(1, '<ttl>100000</ttl>') });
  const a = await setup({ ttl: '/ttl.xml', cc: '/cc.xml', huge: '/huge.xml' }, 'schedule: { maxInterval: 12h }');
  const t0 = Date.now();
  await poll(a);
  const t1 = Date.now();
  expect((await feedOf(a, 'ttl')).nextFetchAt.getTime() - t0).toBeGreaterThanOrEqual(162 * MIN);
  expect((await feedOf(a, 'cc')).nextFetchAt.getTime() - t0).toBeGreaterThanOrEqual(108 * MIN);
  const huge = (await feedOf(a, 'huge')).nextFetchAt.getTime();
  expect(huge - t1).toBeLessThanOrEqual(12 * 60 * MIN);
  expect(huge - t0).toBeGreaterThanOrEqual(10 * 60 * MIN);
  // A 304 has no body, and the <ttl> of the last 200 still holds.
  const t2 = Date.now();
  const again = await poll(a);
  expect(again.find((x) => x.sourceId === 'ttl')!.status).toBe('not_modified');
  expect((await feedOf(a, 'ttl')).nextFetchAt.getTime() - t2).toBeGreaterThanOrEqual(162 * MIN);
});

test('a crashed worker\'s lease expires and the feed is picked up again', async () => {
  server.route('/leased.xml', { body: rss(2) });
  const a = await setup({ leased: '/leased.xml' });
  const claimed = await a.store.claimFeeds({ workerId: 'crashed-worker', limit: 10, leaseSeconds: 600 });
  expect(claimed).toHaveLength(1);
  expect(await poll(a)).toEqual([]); // still leased
  // Before it runs out, the holder can extend it; nobody else can.
  expect(await a.store.renewLease(claimed[0]!.feedId, 'someone-else', 600)).toBe(false);
  expect(await a.store.renewLease(claimed[0]!.feedId, 'crashed-worker', 600)).toBe(true);
  // The lease runs out (as if 10 minutes passed).
  await a.store.db.kysely.updateTable('feeds').set({ lockedUntil: new Date(Date.now() - 1000) }).execute();
  const out = await poll(a);
  expect(out).toMatchObject([{ sourceId: 'leased', status: 'ok', new: 2 }]);
  // A worker whose queued claim was taken over does not fetch it.
  expect(await a.store.renewLease(claimed[0]!.feedId, 'crashed-worker', 600)).toBe(false);
  // The crashed worker's late write is ignored: the lease is no longer its own.
  await a.store.recordFetch(claimed[0]!.feedId, 'crashed-worker', { kind: 'error', code: 'timeout', message: 'late', nextFetchAt: new Date(), countsAsError: true });
  expect((await feedOf(a, 'leased')).lastStatus).toBe('ok');
});

test('no more than perHost fetches hit one host at once', async () => {
  let inFlight = 0;
  let peak = 0;
  const waiting: (() => void)[] = [];
  for (let i = 0; i < 6; i++) {
    server.route(`/host/${i}.xml`, (_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const finish = () => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(1));
      };
      // Hold each answer until a second request arrives (or a moment passes), so overlap is possible.
      waiting.push(finish);
      if (waiting.length >= 2) waiting.splice(0).forEach((f) => f());
      else setTimeout(() => waiting.splice(0).forEach((f) => f()), 200);
    });
  }
  const a = await setup(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`h${i}`, `/host/${i}.xml`])));
  const out = await poll(a, 2);
  expect(out.filter((s) => s.status === 'ok')).toHaveLength(6);
  expect(peak).toBeLessThanOrEqual(2);
});

test('/api/sources shows each feed\'s error code, last success, consecutive errors and next fetch', async () => {
  server.route('/ok.xml', { body: rss(1) });
  server.route('/missing.xml', { status: 404, body: '' });
  const a = await setup({ good: '/ok.xml', bad: '/missing.xml' });
  await poll(a);
  const http = buildServer({ store: a.store, publisher: a.publisher, logger: silentLogger(), maxAgeSeconds: 60 });
  await http.listen({ port: 0, host: '127.0.0.1' });
  const res = await request(`http://127.0.0.1:${(http.server.address() as AddressInfo).port}/api/sources`);
  const body = (await res.body.json()) as { id: string; errorCode: string | null; feeds: Record<string, unknown>[] }[];
  const bad = body.find((s) => s.id === 'bad')!;
  expect(bad.errorCode).toBe('http_404');
  expect(bad.feeds[0]).toMatchObject({ errorCode: 'http_404', consecutiveErrors: 1, lastSuccessAt: null, enabled: true });
  expect(Date.parse(String(bad.feeds[0]!.nextFetchAt))).toBeGreaterThan(Date.now());
  const good = body.find((s) => s.id === 'good')!;
  expect(good.feeds[0]).toMatchObject({ errorCode: null, consecutiveErrors: 0, fetchCount: 1, notModifiedCount: 0 });
  expect(Date.parse(String(good.feeds[0]!.lastSuccessAt))).not.toBeNaN();
  await http.close();
});
