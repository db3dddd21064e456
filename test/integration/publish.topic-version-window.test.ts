import type { App } from '../../src/app';
import type { TopicSpec } from '../../src/domain/topic';
import { pollFeeds } from '../../src/ingest/poll';
import { FeedPublisher } from '../../src/publish/service';
import { closeSharedPglite, dropTestDb, newTestDb, type TestDb } from '../helpers/db';
import { startFeedServer, type FeedServer } from '../helpers/feed-server';
import { openTestApp } from '../helpers/app';

/**
 * A topic feed's version is read from the store once per window and shared by
 * concurrent requests (bench/README.md: without it every request cost a
 * membership aggregate, and 304s ran at 1–2% of a bare server's rate).
 */
const rss = (titles: readonly string[]) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
${titles.map((t, i) => `<item><title>${t}</title><link>https://wire.example/${i}</link><guid>https://wire.example/${i}</guid><pubDate>Mon, 23 Nov 2026 10:0${i}:00 GMT</pubDate></item>`).join('\n')}
</channel></rss>`;

let feeds: FeedServer;
let db: TestDb;
let app: App;

const publisher = (versionTtlMs: number) =>
  new FeedPublisher(app.store, new Map<string, TopicSpec>(app.config.topics.map((t) => [t.slug, t])), {
    baseUrl: 'http://tidings.test',
    generator: 'Tidings test',
    defaultLimit: 50,
    maxLimit: 200,
    versionTtlMs,
  });

const poll = () => pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 2, leaseSeconds: 60 });

beforeAll(async () => {
  feeds = await startFeedServer({ '/wire.xml': { body: rss(['Talks resume in Ankara']) } });
  db = await newTestDb();
  app = await openTestApp(
    `
fetch: { allowPrivateNetworks: true, timeout: 5s }
sources:
  - name: Wire
    url: ${feeds.url}/wire.xml
topics:
  - slug: turkey
    title: Turkey
    match: { any: [Ankara] }
`,
    db,
  );
  await poll();
});

afterAll(async () => {
  await app?.close();
  if (db) await dropTestDb(db);
  await feeds?.close();
  await closeSharedPglite();
});

test('concurrent requests for a topic share one version query, and requests within the window make none', async () => {
  const cached = publisher(60_000);
  const versionQueries = jest.spyOn(app.store, 'topicVersion');
  const answers = await Promise.all(Array.from({ length: 20 }, () => cached.topicFeed('turkey', 'rss')));
  expect(versionQueries).toHaveBeenCalledTimes(1);
  expect(new Set(answers.map((a) => a?.etag)).size).toBe(1);
  expect(answers[0]!.body.toString('utf8')).toContain('Talks resume in Ankara');

  feeds.route('/wire.xml', { body: rss(['Talks resume in Ankara', 'Ankara and Athens sign a deal']) });
  await poll();
  const again = await cached.topicFeed('turkey', 'rss');
  expect(versionQueries).toHaveBeenCalledTimes(1);
  expect(again?.etag).toBe(answers[0]!.etag);
  versionQueries.mockRestore();
});

test('once the window has passed, the next request sees the new item', async () => {
  const fresh = publisher(0);
  const feed = await fresh.topicFeed('turkey', 'rss');
  expect(feed!.body.toString('utf8')).toContain('Ankara and Athens sign a deal');
  feeds.route('/wire.xml', { body: rss(['Talks resume in Ankara', 'Ankara and Athens sign a deal', 'Ankara hosts a summit']) });
  await poll();
  const next = await fresh.topicFeed('turkey', 'rss');
  expect(next!.etag).not.toBe(feed!.etag);
  expect(next!.body.toString('utf8')).toContain('Ankara hosts a summit');
});
