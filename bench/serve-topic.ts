/**
 * Served requests per second for a cached topic feed (500 items, first page
 * of 50, RSS): plain GETs and conditional GETs (304). Embedded PGlite in
 * memory, a local feed server, autocannon. Run: npx tsx bench/serve-topic.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { openApp } from '../src/app';
import { parseConfig } from '../src/config/load';
import { buildServer } from '../src/http/server';
import { pollFeeds } from '../src/ingest/poll';
import { silentLogger } from '../src/shared/logger';

const items = Array.from(
  { length: 500 },
  (_, i) => `<item><title>Ankara item ${i}</title><link>http://news.example/a/${i}</link><guid>a-${i}</guid><pubDate>${new Date(Date.UTC(2026, 0, 1) + i * 60_000).toUTCString()}</pubDate><description>&lt;p&gt;Body ${i} about Ankara and the region.&lt;/p&gt;</description></item>`,
).join('');
const feedBody = `<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title><link>http://news.example/</link><description>d</description>${items}</channel></rss>`;

async function main(): Promise<void> {
  const feeds = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feedBody));
  await new Promise<void>((r) => feeds.listen(0, '127.0.0.1', r));
  const feedUrl = `http://127.0.0.1:${(feeds.address() as AddressInfo).port}/big.xml`;
  const config = parseConfig(
    `fetch: { allowPrivateNetworks: true }
sources: [{ name: Big, id: big, url: "${feedUrl}" }]
topics: [{ slug: ankara, title: Ankara, match: { any: [Ankara] } }]`,
    'bench.yaml',
    {},
  );
  const app = await openApp(config, { logger: silentLogger(), databaseUrl: process.env.DATABASE_URL ?? null, ...(process.env.DATABASE_URL ? {} : { pglite: await (await import('../src/store')).startPglite() }) });
  await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 2, leaseSeconds: 60 });
  const http = buildServer({ store: app.store, publisher: app.publisher, logger: silentLogger(), maxAgeSeconds: 60 });
  await http.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/topics/ankara.rss`;
  const first = await fetch(url);
  const etag = first.headers.get('etag')!;
  await first.text();
  for (const [name, headers] of [
    ['GET (200, cached render)', {}],
    ['conditional GET (304)', { 'if-none-match': etag }],
  ] as const) {
    const r = await autocannon({ url, connections: 10, duration: 5, headers });
    console.log(`${name}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors`);
  }
  await http.close();
  await app.close();
  feeds.close();
}

void main();
