import { sql } from 'kysely';
import type { App } from '../../src/app';
import { DEFAULT_STORY_OPTIONS, storyFeatures } from '../../src/dedup/story-match';
import { pollFeeds } from '../../src/ingest/poll';
import { LINK_BATCH, QUEUE_LIMIT, StoryLinker } from '../../src/ingest/story-linker';
import { silentLogger } from '../../src/shared/logger';
import type { Store, StoryLinkResult } from '../../src/store';
import { fixtureConfig, fixtureRoutes, openTestApp, closeAll } from '../helpers/app';
import { dropTestDb, newTestDb, openTestStore, type TestDb } from '../helpers/db';
import { fixture, startFeedServer, type FeedServer } from '../helpers/feed-server';

/**
 * When the linker sweeps for items an earlier run left without a story: at
 * a poll's start, before the poll stores anything, with the items ingest
 * hands over meanwhile linked between the sweep's pages. (Swept at the
 * poll's end, the first sweep read back every item the poll had just linked.)
 */
let feeds: FeedServer;
let db: TestDb;
let app: App;

beforeAll(async () => {
  feeds = await startFeedServer(fixtureRoutes(fixture));
  db = await newTestDb();
  app = await openTestApp(fixtureConfig(feeds.url), db);
});

afterAll(() => closeAll({ app, db, feeds }));

interface Call {
  readonly sweep: boolean;
  readonly result: StoryLinkResult;
}

/** Records each linker transaction the store runs (the real store; calls go through unchanged). */
function record(store: Store): { calls: Call[]; restore: () => void } {
  const calls: Call[] = [];
  const original = store.linkPendingStories.bind(store);
  store.linkPendingStories = async (opts, batch, queued = null, sweepFrom = 0) => {
    const result = await original(opts, batch, queued, sweepFrom);
    calls.push({ sweep: queued === null, result });
    return result;
  };
  return { calls, restore: () => void (store.linkPendingStories = original) };
}

/** An item stored by a process that died before linking it: no story_items row. */
async function leftOver(store: Store, sourceId: string, title: string): Promise<number> {
  const at = new Date(Date.now() - 60_000);
  const { rows } = await sql<{ id: number }>`
    INSERT INTO items (source_id, feed_id, guid, title, title_key, content_hash, published_at, first_seen_at)
    SELECT f.source_id, f.id, ${`left-${title}`}, ${title}, ${title.toLowerCase()}, 'h', ${at}, ${at}
      FROM feeds f WHERE f.source_id = ${sourceId} ORDER BY f.id LIMIT 1
    RETURNING id`.execute(store.db.kysely);
  return Number(rows[0]!.id);
}

test('the first poll sweeps before it stores: what an earlier run left is linked first, and the poll sweeps no more', async () => {
  const store = app.store;
  const left = await leftOver(store, 'wire', 'Harbour closes after crane collapse');
  const { calls, restore } = record(store);
  let summaries: Awaited<ReturnType<typeof pollFeeds>>;
  try {
    summaries = await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 2, leaseSeconds: 60 });
  } finally {
    restore();
  }
  const stored = summaries.reduce((n, s) => n + s.new, 0);
  expect(stored).toBeGreaterThan(5);
  // The first transaction is the sweep, and it finds the left-over item (the poll's items are not stored yet).
  expect(calls[0]).toMatchObject({ sweep: true, result: { linked: 1, more: false } });
  const sweeps = calls.filter((c) => c.sweep);
  expect(sweeps).toHaveLength(1);
  // Every item the poll stored was linked from what ingest handed over, none by a sweep.
  expect(calls.filter((c) => !c.sweep).reduce((n, c) => n + c.result.linked, 0)).toBe(stored);
  expect((await store.storiesOf([left])).size).toBe(1);
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::integer AS n FROM items i WHERE NOT EXISTS (SELECT 1 FROM story_items si WHERE si.item_id = i.id)`.execute(store.db.kysely);
  expect(rows[0]!.n).toBe(0);

  // A second poll within the sweep interval does not sweep again.
  const again = record(store);
  try {
    await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 2, leaseSeconds: 60 });
  } finally {
    again.restore();
  }
  expect(again.calls.filter((c) => c.sweep)).toEqual([]);
});

test('items handed over during a sweep are linked between its pages, not after it', async () => {
  // A store of its own: the poll above left items in the sweep's range.
  const own = await newTestDb();
  const store = await openTestStore(own);
  try {
    await store.migrate();
    await sql`INSERT INTO sources (id, name) VALUES ('s', 'S')`.execute(store.db.kysely);
    await sql`INSERT INTO feeds (source_id, url, interval_seconds) VALUES ('s', 'http://s.test/f', 900)`.execute(store.db.kysely);
    const lefts = [
      await leftOver(store, 's', 'Ferry service resumes after storm'),
      await leftOver(store, 's', 'Bridge reopens to traffic after repairs'),
      await leftOver(store, 's', 'Museum opens new wing for modern art'),
    ];
    const title = 'Airport expands terminal for summer flights';
    const fresh = await leftOver(store, 's', title);
    const { calls } = record(store);
    // Pages of one item, so the sweep takes several transactions.
    const linker = new StoryLinker(store, DEFAULT_STORY_OPTIONS, silentLogger(), 1);
    linker.sweepIfDue();
    // Handed over while the sweep's first page is under way (as ingest does once its transaction commits).
    linker.kick([{ itemId: fresh, sourceId: 's', publishedAt: new Date(), rank: 0, features: storyFeatures({ title, text: null, canonicalUrl: null }) }]);
    await linker.drain();
    await linker.stop();
    expect(calls[0]).toMatchObject({ sweep: true, result: { linked: 1, more: true } });
    expect(calls[1]).toMatchObject({ sweep: false, result: { linked: 1 } });
    // The sweep then goes on, and finds the handed-over item linked already.
    expect(calls.slice(2).every((c) => c.sweep)).toBe(true);
    expect(calls.map((c) => c.result.linked)).toEqual([1, 1, 1, 1, 0, 0]);
    // The counters the bench reports: every transaction, the items they linked, and no wait in room().
    expect(linker.stats).toMatchObject({ batches: calls.length, linked: 4, roomWaitMs: 0 });
    expect(linker.stats.busyMs).toBeGreaterThan(0);
    expect((await store.storiesOf([...lefts, fresh])).size).toBe(4);
  } finally {
    await store.close();
    await dropTestDb(own);
  }
});

test("ingest's wait for room behind the linker is counted", async () => {
  const own = await newTestDb();
  const store = await openTestStore(own);
  try {
    await store.migrate();
    const linker = new StoryLinker(store, DEFAULT_STORY_OPTIONS, silentLogger());
    // Items that no longer exist (the linker drops them): the first batch of LINK_BATCH starts at once,
    // and QUEUE_LIMIT entries still wait, so room() waits for that batch to end.
    const features = storyFeatures({ title: 'Harbour closes after crane collapse', text: null, canonicalUrl: null });
    const gone = Array.from({ length: LINK_BATCH + QUEUE_LIMIT }, (_, i) => ({ itemId: 1_000_000 + i, sourceId: 's', publishedAt: new Date(), rank: 0, features }));
    linker.kick(gone);
    await linker.room();
    expect(linker.stats.roomWaitMs).toBeGreaterThan(0);
    expect(linker.stats.batches).toBeGreaterThanOrEqual(1);
    await linker.drain();
    await linker.stop();
    // Each handed-over batch found nothing to link (drain's sweep of the empty store adds its own page).
    expect(linker.stats.linked).toBe(0);
    expect(linker.stats.batches).toBeGreaterThanOrEqual((LINK_BATCH + QUEUE_LIMIT) / LINK_BATCH);
  } finally {
    await store.close();
    await dropTestDb(own);
  }
});
