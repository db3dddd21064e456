import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../src/app';
import type { TopicSpec } from '../../src/domain/topic';
import { buildServer } from '../../src/http/server';
import { pollFeeds } from '../../src/ingest/poll';
import { FeedPublisher } from '../../src/publish/service';
import { silentLogger } from '../../src/shared/logger';
import { newTestDb, type TestDb } from '../helpers/db';
import { startFeedServer, type FeedServer } from '../helpers/feed-server';
import { closeAll, openTestApp } from '../helpers/app';

/**
 * Conditional GETs of cached feeds are answered from the node:http listener
 * (src/http/not-modified-cache.ts) before fastify. Which path answered is
 * told by whether the publisher was asked: the fast path never asks it.
 */
const rss = (titles: readonly string[]) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
${titles.map((t, i) => `<item><title>${t}</title><link>https://wire.example/${i}</link><guid>https://wire.example/${i}</guid><description>${'Ankara talks. '.repeat(120)}</description><pubDate>Mon, 23 Nov 2026 10:${String(i).padStart(2, '0')}:00 GMT</pubDate></item>`).join('\n')}
</channel></rss>`;

const TOKEN = 's3cret-token';
const titles = ['Talks resume in Ankara'];
let feeds: FeedServer;
let db: TestDb;
let app: App;

interface Served {
  readonly base: string;
  readonly publisher: FeedPublisher;
  close(): Promise<void>;
}
const servers: Served[] = [];

/** Tidings' HTTP server over a publisher of its own, so the test sets its version window. */
async function serve(versionTtlMs: number, topics: readonly TopicSpec[] = app.config.topics): Promise<Served> {
  const publisher = new FeedPublisher(app.store, new Map(topics.map((t) => [t.slug, t])), {
    baseUrl: 'http://tidings.test',
    generator: 'Tidings test',
    defaultLimit: 50,
    maxLimit: 200,
    hub: 'http://hub.test/hub',
    versionTtlMs,
  });
  publisher.setSources(app.config.sources);
  const http = buildServer({ store: app.store, publisher, logger: silentLogger(), maxAgeSeconds: 60 });
  await http.listen({ port: 0, host: '127.0.0.1' });
  const s = { base: `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`, publisher, close: () => http.close() };
  servers.push(s);
  return s;
}

const poll = () => pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 2, leaseSeconds: 60 });

async function landItem(title: string): Promise<void> {
  titles.push(title);
  feeds.route('/wire.xml', { body: rss(titles) });
  await poll();
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Header names and values in the order sent, without Date. */
  readonly raw: string[];
  readonly body: string;
  /** 'fastify' when the request reached the publisher, 'fast' when it was answered before. */
  readonly via: 'fast' | 'fastify';
}

async function get(s: Served, path: string, headers: Record<string, string> = {}, method = 'GET', agent: Agent | false = false): Promise<Answer> {
  const asked = jest.spyOn(s.publisher, 'feed');
  try {
    const res = await new Promise<{ status: number; headers: IncomingHttpHeaders; raw: string[]; body: string }>((resolve, reject) => {
      const req = httpRequest(`${s.base}${path}`, { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            if (res.rawHeaders[i]!.toLowerCase() !== 'date') raw.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          }
          resolve({ status: res.statusCode!, headers: res.headers, raw, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('error', reject);
      req.end();
    });
    return { ...res, via: asked.mock.calls.length > 0 ? 'fastify' : 'fast' };
  } finally {
    asked.mockRestore();
  }
}

/** The same conditional GET through fastify (after a new publisher generation) and then through the cache. */
async function bothPaths(s: Served, path: string, headers: Record<string, string>): Promise<[Answer, Answer]> {
  s.publisher.invalidate();
  const slow = await get(s, path, headers);
  const fast = await get(s, path, headers);
  expect(slow.via).toBe('fastify');
  return [slow, fast];
}

beforeAll(async () => {
  feeds = await startFeedServer({ '/wire.xml': { body: rss(titles) } });
  db = await newTestDb();
  app = await openTestApp(
    `
server: { baseUrl: "http://tidings.test" }
fetch: { allowPrivateNetworks: true, timeout: 5s }
sources:
  - { name: Wire, id: wire, url: "${feeds.url}/wire.xml" }
topics:
  - { slug: ankara, title: Ankara, match: { any: [Ankara] } }
  - { slug: secret, title: Secret, token: "${TOKEN}", match: { any: [Ankara] } }
`,
    db,
  );
  await poll();
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await closeAll({ app, db, feeds });
});

test('a 304 from the cache has the status and headers, in order, that fastify gives', async () => {
  const s = await serve(60_000);
  for (const path of ['/topics/ankara.rss', '/topics/ankara.json?limit=5', '/sources/wire.atom', '/all.json']) {
    const first = await get(s, path);
    expect(first.status).toBe(200);
    const etag = String(first.headers.etag);
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const [slow, fast] = await bothPaths(s, path, { 'if-none-match': inm });
      expect(fast.via).toBe('fast');
      expect(slow.status).toBe(304);
      expect(fast.status).toBe(304);
      expect(fast.raw).toEqual(slow.raw);
      expect(fast.body).toBe('');
    }
    const [slow] = await bothPaths(s, path, { 'if-none-match': etag });
    expect(slow.headers).toMatchObject({
      etag,
      'last-modified': first.headers['last-modified'],
      'cache-control': 'public, max-age=60',
      vary: 'Accept-Encoding, Authorization',
      'content-type': first.headers['content-type'],
    });
    // The WebSub link header is on topic feeds only.
    if (path.startsWith('/topics/')) expect(slow.headers.link).toMatch(/^<http:\/\/hub\.test\/hub>; rel="hub", <http:\/\/tidings\.test\/topics\/ankara\.(rss|json)(\?limit=5)?>; rel="self"$/);
    else expect(slow.headers.link).toBeUndefined();
    // A changed ETag, no validator, or HEAD: fastify answers, as before.
    expect(await get(s, path, { 'if-none-match': '"other"' })).toMatchObject({ status: 200, via: 'fastify' });
    expect(await get(s, path)).toMatchObject({ status: 200, via: 'fastify' });
    expect(await get(s, path, { 'if-none-match': etag }, 'HEAD')).toMatchObject({ status: 304, via: 'fastify' });
  }
  // The server keeps fastify's own settings (keepAliveTimeout 72 s).
  const agent = new Agent({ keepAlive: true });
  try {
    const etag = String((await get(s, '/topics/ankara.rss')).headers.etag);
    const fast = await get(s, '/topics/ankara.rss', { 'if-none-match': etag }, 'GET', agent);
    expect(fast).toMatchObject({ status: 304, via: 'fast', headers: { connection: 'keep-alive', 'keep-alive': 'timeout=72' } });
  } finally {
    agent.destroy();
  }
});

test('encoded variants\' ETags (…-gzip, …-br) get 304s with the tag the client holds', async () => {
  const s = await serve(60_000);
  for (const encoding of ['gzip', 'br']) {
    const first = await get(s, '/topics/ankara.rss', { 'accept-encoding': encoding });
    expect(first.headers['content-encoding']).toBe(encoding);
    const tag = String(first.headers.etag);
    expect(tag).toMatch(new RegExp(`-${encoding}"$`));
    const [slow, fast] = await bothPaths(s, '/topics/ankara.rss', { 'accept-encoding': encoding, 'if-none-match': tag });
    expect(fast.via).toBe('fast');
    expect([slow.status, fast.status]).toEqual([304, 304]);
    expect(fast.headers.etag).toBe(tag);
    expect(fast.raw).toEqual(slow.raw);
  }
});

test('If-Modified-Since answers as before; If-None-Match wins over it', async () => {
  const s = await serve(60_000);
  const first = await get(s, '/topics/ankara.atom');
  const lastModified = String(first.headers['last-modified']);
  const cases: [Record<string, string>, number][] = [
    [{ 'if-modified-since': lastModified }, 304],
    [{ 'if-modified-since': new Date(Date.parse(lastModified) + 3_600_000).toUTCString() }, 304],
    [{ 'if-modified-since': new Date(Date.UTC(2000, 0)).toUTCString() }, 200],
    [{ 'if-modified-since': 'not a date' }, 200],
    [{ 'if-none-match': '"other"', 'if-modified-since': lastModified }, 200],
  ];
  for (const [headers, status] of cases) {
    const [slow, again] = await bothPaths(s, '/topics/ankara.atom', headers);
    expect([slow.status, again.status]).toEqual([status, status]);
    expect(again.via).toBe(status === 304 ? 'fast' : 'fastify');
    expect(again.raw).toEqual(slow.raw);
  }
});

test('a new item: once the publisher would look again, the old ETag gets a 200 with the new one', async () => {
  // Within the version window both paths repeat the version they hold; invalidate() ends it at once.
  const s = await serve(60_000);
  const etag = String((await get(s, '/topics/ankara.rss')).headers.etag);
  expect(await get(s, '/topics/ankara.rss', { 'if-none-match': etag })).toMatchObject({ status: 304, via: 'fast' });
  await landItem('Ankara hosts a summit');
  s.publisher.invalidate();
  const fresh = await get(s, '/topics/ankara.rss', { 'if-none-match': etag });
  expect(fresh.status).toBe(200);
  expect(fresh.headers.etag).not.toBe(etag);
  expect(fresh.body).toContain('Ankara hosts a summit');
  expect(await get(s, '/topics/ankara.rss', { 'if-none-match': String(fresh.headers.etag) })).toMatchObject({ status: 304, via: 'fast' });

  // And with a short window, its end alone is enough.
  const short = await serve(200);
  const before = String((await get(short, '/topics/ankara.rss')).headers.etag);
  expect(before).toBe(fresh.headers.etag);
  await landItem('Ankara and Athens sign a deal');
  await new Promise((r) => setTimeout(r, 250));
  const after = await get(short, '/topics/ankara.rss', { 'if-none-match': before });
  expect(after.status).toBe(200);
  expect(after.headers.etag).not.toBe(before);
  expect(after.body).toContain('Ankara and Athens sign a deal');
});

test('a token-protected topic: no 304 without the right token, and a reload that changes the token ends the cached ones', async () => {
  const s = await serve(60_000);
  const url = `/topics/secret.rss?token=${TOKEN}`;
  const ok = await get(s, url);
  expect(ok.status).toBe(200);
  const etag = String(ok.headers.etag);
  expect(await get(s, url, { 'if-none-match': etag })).toMatchObject({ status: 304, via: 'fast' });
  for (const path of ['/topics/secret.rss', '/topics/secret.rss?token=wrong-token', `/topics/secret.rss?token=${TOKEN}x`, '/topics/secret.rss?limit=50&token=nope']) {
    const res = await get(s, path, { 'if-none-match': etag });
    expect(res).toMatchObject({ status: 404, via: 'fastify' });
  }
  // A bearer token is checked by fastify on every request.
  expect(await get(s, '/topics/secret.rss', { authorization: `Bearer ${TOKEN}`, 'if-none-match': '*' })).toMatchObject({ status: 304, via: 'fastify' });
  expect(await get(s, '/topics/secret.rss', { authorization: 'Bearer wrong-token', 'if-none-match': '*' })).toMatchObject({ status: 404, via: 'fastify' });
  expect(await get(s, url, { authorization: 'Bearer wrong-token', 'if-none-match': etag })).toMatchObject({ via: 'fastify' });

  // The config is reloaded with a new token: the old one's URL is a 404 from then on.
  s.publisher.setTopics(new Map(app.config.topics.map((t) => [t.slug, t.slug === 'secret' ? { ...t, token: 'n3w-secret-token' } : t])));
  expect(await get(s, url, { 'if-none-match': etag })).toMatchObject({ status: 404, via: 'fastify' });
  expect(await get(s, url, { 'if-none-match': '*' })).toMatchObject({ status: 404, via: 'fastify' });
  expect((await get(s, '/topics/secret.rss?token=n3w-secret-token')).status).toBe(200);
});

test('a collapsed feed is never answered before fastify: its stories\' version is read on every request', async () => {
  const s = await serve(60_000);
  const path = '/topics/ankara.rss?collapse=story';
  const etag = String((await get(s, path)).headers.etag);
  for (let i = 0; i < 2; i++) expect(await get(s, path, { 'if-none-match': etag })).toMatchObject({ status: 304, via: 'fastify' });
});
