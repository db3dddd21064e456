import type { App } from '../../src/app';
import type { FetchOutcome } from '../../src/store';
import { openTestApp } from '../helpers/app';
import { closeSharedPglite, dropTestDb, newTestDb, type TestDb } from '../helpers/db';

/**
 * Fetch state is group-committed: the fetches that finish together are
 * written by one UPDATE (src/store/fetch-recorder.ts). Each still gets its
 * own outcome, only the lease holder's write counts, and a row the database
 * rejects fails only its own fetch. No HTTP here: the feeds are claimed and
 * recorded directly, as ingest does after each fetch.
 */

let db: TestDb | null = null;
let app: App | null = null;

afterEach(async () => {
  await app?.close();
  if (db) await dropTestDb(db);
  app = null;
  db = null;
});

afterAll(closeSharedPglite);

async function setup(n: number): Promise<App> {
  db = await newTestDb();
  const sources = Array.from({ length: n }, (_, i) => `  - { id: s${i}, name: S${i}, url: "http://feeds.test/${i}.xml", interval: 15m }`).join('\n');
  app = await openTestApp(`sources:\n${sources}\n`, db);
  // A feed with a past: validators, a title, a feed hint and two errors, so every column shows what an outcome does to it.
  await app.store.db.kysely
    .updateTable('feeds')
    .set({ etag: '"old"', lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT', title: 'Old title', feedHintSeconds: 60, errorCount: 2 })
    .execute();
  return app;
}

const feedRows = (a: App) => a.store.db.kysely.selectFrom('feeds').innerJoin('sources', 'sources.id', 'feeds.sourceId').selectAll('feeds').select('sources.id as sid').orderBy('feeds.id').execute();

test('fetches finishing together are written in one statement, each with its own outcome', async () => {
  const a = await setup(26);
  // One feed is leased by another worker: a record for it from "w" must change nothing.
  const [taken] = await a.store.claimFeeds({ workerId: 'other', limit: 1, leaseSeconds: 600 });
  const mine = await a.store.claimFeeds({ workerId: 'w', limit: 100, leaseSeconds: 600 });
  expect(mine).toHaveLength(25);
  const next = new Date(Date.now() + 3600_000);
  const outcomeFor = (i: number): FetchOutcome => {
    switch (i % 5) {
      case 0:
        return { kind: 'not_modified', status: 'not_modified', etag: `"e${i}"`, lastModified: null, nextFetchAt: next };
      case 1:
        return { kind: 'ok', status: 'ok', etag: null, lastModified: 'Tue, 02 Jan 2024 00:00:00 GMT', title: `Title ${i}: "quoted", {braces}, back\\slash, NULL`, nextFetchAt: next, newUrl: `http://moved.test/${i}.xml`, feedHintSeconds: 1800 };
      case 2:
        return { kind: 'ok', status: 'ok', etag: `"e${i}"`, lastModified: null, title: null, nextFetchAt: next, warning: 'recovered a truncated feed', feedHintSeconds: null };
      case 3:
        return { kind: 'error', code: 'timeout', message: `timed out ${i}`, nextFetchAt: next, countsAsError: true };
      default:
        return { kind: 'error', code: 'rate_limited', message: 'HTTP 429', nextFetchAt: next, countsAsError: false };
    }
  };
  const idx = (sourceId: string) => Number(sourceId.slice(1));
  await Promise.all([...mine, taken!].map((t) => a.store.recordFetch(t.feedId, 'w', outcomeFor(idx(t.sourceId)))));

  const rows = await feedRows(a);
  const recorded = rows.filter((r) => r.sid !== taken!.sourceId);
  // now() is the statement's transaction time: one value means one statement.
  expect(new Set(recorded.map((r) => r.lastFetchedAt!.getTime())).size).toBe(1);
  for (const r of recorded) {
    const i = idx(r.sid);
    expect(r).toMatchObject({ lockedBy: null, lockedUntil: null, fetchCount: 1, nextFetchAt: next });
    switch (i % 5) {
      case 0:
        expect(r).toMatchObject({ lastStatus: 'not_modified', etag: `"e${i}"`, lastModified: null, title: 'Old title', errorCount: 0, notModifiedCount: 1, lastError: null, feedHintSeconds: 60 });
        expect(r.lastSuccessAt).not.toBeNull();
        break;
      case 1:
        // Array literals carry quotes, braces, commas, backslashes and the word NULL through intact.
        expect(r).toMatchObject({ lastStatus: 'ok', etag: null, title: `Title ${i}: "quoted", {braces}, back\\slash, NULL`, fetchUrl: `http://moved.test/${i}.xml`, feedHintSeconds: 1800, errorCount: 0, notModifiedCount: 0 });
        break;
      case 2:
        // A warning is kept as the last error without counting; a feed that stops giving a hint loses it.
        expect(r).toMatchObject({ lastStatus: 'ok', title: 'Old title', lastError: 'recovered a truncated feed', lastErrorCode: 'warning', errorCount: 0, feedHintSeconds: null });
        break;
      case 3:
        expect(r).toMatchObject({ lastStatus: 'error', lastError: `timed out ${i}`, lastErrorCode: 'timeout', errorCount: 3, etag: '"old"', title: 'Old title', lastSuccessAt: null, enabled: true });
        break;
      default:
        // A rate limit is the server's request, not the feed's error.
        expect(r).toMatchObject({ lastStatus: 'error', lastErrorCode: 'rate_limited', errorCount: 2, etag: '"old"' });
    }
  }
  const other = rows.find((r) => r.sid === taken!.sourceId)!;
  expect(other).toMatchObject({ lockedBy: 'other', lastFetchedAt: null, fetchCount: 0, errorCount: 2, etag: '"old"' });
});

test('a 410 disables its feed and leaves the others of the statement enabled', async () => {
  const a = await setup(3);
  const mine = await a.store.claimFeeds({ workerId: 'w', limit: 10, leaseSeconds: 600 });
  const now = new Date();
  await Promise.all(
    mine.map((t, i) =>
      a.store.recordFetch(
        t.feedId,
        'w',
        i === 1
          ? { kind: 'error', code: 'http_410', message: 'HTTP 410', nextFetchAt: now, countsAsError: true, disable: 'HTTP 410 Gone at http://feeds.test/1.xml' }
          : { kind: 'not_modified', status: 'not_modified', etag: null, lastModified: null, nextFetchAt: now },
      ),
    ),
  );
  const rows = await feedRows(a);
  expect(rows.map((r) => [r.enabled, r.disabledReason])).toEqual([
    [true, null],
    [false, 'HTTP 410 Gone at http://feeds.test/1.xml'],
    [true, null],
  ]);
});

test('a record the database rejects fails alone; the rest of its batch is stored', async () => {
  const a = await setup(6);
  const mine = await a.store.claimFeeds({ workerId: 'w', limit: 10, leaseSeconds: 600 });
  const next = new Date(Date.now() + 60_000);
  // Postgres text cannot hold NUL: this title makes the whole statement fail.
  const results = await Promise.allSettled(
    mine.map((t, i) => a.store.recordFetch(t.feedId, 'w', { kind: 'ok', status: 'ok', etag: null, lastModified: null, title: i === 2 ? 'bad\u0000title' : `T${i}`, nextFetchAt: next })),
  );
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  const rows = await feedRows(a);
  expect(rows.map((r) => r.title)).toEqual(['T0', 'T1', 'Old title', 'T3', 'T4', 'T5']);
  // The failed fetch keeps its lease (it runs out and the feed is fetched again), as when a worker dies.
  expect(rows[2]).toMatchObject({ lockedBy: 'w', fetchCount: 0 });
  expect(rows.filter((r) => r.lockedBy === null)).toHaveLength(5);
});
