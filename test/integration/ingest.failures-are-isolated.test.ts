import type { App } from '../../src/app';
import { main } from '../../src/cli';
import { pollFeeds } from '../../src/ingest/poll';
import { closeSharedPglite, dropTestDb, newTestDb, BACKEND, type TestDb } from '../helpers/db';
import { fixture, startFeedServer, type FeedServer } from '../helpers/feed-server';
import { openTestApp } from '../helpers/app';
import { captureOutput } from '../helpers/output';

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer({
    '/good.xml': { body: fixture('wire-world.xml') },
    '/broken.xml': { body: '<?xml version="1.0"?><rss version="2.0"><chan' },
    '/truncated.xml': { body: '<rss version="2.0"><channel><title>x</title><item><title>Whole item</title></item><item><title>cut off' },
    '/html': { body: '<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head></html>', headers: { 'content-type': 'text/html' } },
    '/gone': { body: 'gone', status: 500 },
  });
});
afterAll(async () => {
  await server.close();
  await closeSharedPglite();
});

describe(`a failing feed records its error and never stops the others (${BACKEND})`, () => {
  let db: TestDb;
  let app: App;
  beforeEach(async () => {
    db = await newTestDb();
    app = await openTestApp(
      `fetch: { allowPrivateNetworks: true, timeout: 5s, maxBytes: 64KB }
sources:
  - { name: Good, url: "${server.url}/good.xml" }
  - { name: Broken, url: "${server.url}/broken.xml" }
  - { name: Truncated, url: "${server.url}/truncated.xml" }
  - { name: Page, url: "${server.url}/html" }
  - { name: Down, url: "${server.url}/gone" }
  - { name: Nowhere, url: "http://127.0.0.1:9/feed" }
topics:
  - { slug: turkey, title: Turkey, match: { any: [Turkey] } }
`,
      db,
    );
  });
  afterEach(async () => {
    await app.close();
    await dropTestDb(db);
  });

  test('each error is classified and stored on its feed; the good feed is stored', async () => {
    const summaries = await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 4, leaseSeconds: 60 });
    const by = Object.fromEntries(summaries.map((s) => [s.sourceId, s]));
    expect(by.good).toMatchObject({ status: 'ok', new: 4 });
    expect(by.broken).toMatchObject({ status: 'error', errorCode: 'malformed' });
    // A truncated document keeps what could be read, and the feed records a warning.
    expect(by.truncated).toMatchObject({ status: 'ok', new: 2 });
    expect(by.page).toMatchObject({ status: 'error', errorCode: 'not_a_feed' });
    expect(by.page!.error).toContain('/feed.xml');
    expect(by.down).toMatchObject({ status: 'error', errorCode: 'http_5xx' });
    expect(by.nowhere).toMatchObject({ status: 'error', errorCode: 'refused' });

    const sources = await app.store.listSources();
    const feed = (id: string) => sources.find((s) => s.id === id)!.feeds[0]!;
    expect(feed('broken')).toMatchObject({ lastStatus: 'error', lastErrorCode: 'malformed', errorCount: 1 });
    expect(feed('broken').lastError).toMatch(/nothing could be read/);
    expect(feed('truncated')).toMatchObject({ lastStatus: 'ok', lastErrorCode: 'warning', errorCount: 0 });
    expect(feed('truncated').lastError).toMatch(/ends early/);
    expect(feed('good')).toMatchObject({ lastStatus: 'ok', lastError: null, errorCount: 0 });
    // A failed feed is retried later, not dropped: its next fetch is in the future but it stays enabled.
    expect(feed('down').enabled).toBe(true);
    expect(feed('down').nextFetchAt.getTime()).toBeGreaterThan(Date.now());
  });

  test('a failure after a success never loses stored items', async () => {
    await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 4, leaseSeconds: 60 });
    server.route('/good.xml', { body: 'garbage', status: 200 });
    const again = await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 4, leaseSeconds: 60, sourceId: 'good' });
    expect(again[0]).toMatchObject({ status: 'error', errorCode: 'not_a_feed' });
    expect(await app.store.listItems({ sourceId: 'good', limit: 50 })).toHaveLength(4);
    server.route('/good.xml', { body: fixture('wire-world.xml') });
  });
});

describe('tidings poll exit codes', () => {
  const output = captureOutput();

  test('bad config exits 2; an unreachable database exits 1', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'tidings-'));
    writeFileSync(path.join(dir, 'bad.yaml'), 'sources: 3\n');
    expect(await main(['poll', '--config', path.join(dir, 'bad.yaml')])).toBe(2);
    writeFileSync(path.join(dir, 'nodb.yaml'), 'database: { url: "postgres://nobody@127.0.0.1:9/none" }\nsources: []\n');
    expect(await main(['poll', '--config', path.join(dir, 'nodb.yaml')])).toBe(1);
    expect(output.stderr()).toMatch(/cannot open the database/);
  });
});
