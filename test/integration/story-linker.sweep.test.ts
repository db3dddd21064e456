import { sql } from 'kysely';
import { DEFAULT_STORY_OPTIONS } from '../../src/dedup/story-match';
import type { Store } from '../../src/store';
import { SWEEP_MARGIN_MS } from '../../src/store/stories';
import { closeSharedPglite, dropTestDb, newTestDb, openTestStore, type TestDb } from '../helpers/db';

/**
 * The sweep finds stored items with no story (what a crashed process left)
 * and reads only what was stored since story_clock.linked_through (the last
 * complete sweep's start, less a margin): its cost follows the items stored
 * since the last sweep, not the store or the window.
 */
let db: TestDb;
let store: Store;

beforeAll(async () => {
  db = await newTestDb();
  store = await openTestStore(db);
  await store.migrate();
  await sql`INSERT INTO sources (id, name) VALUES ('s', 'S')`.execute(store.db.kysely);
  await sql`INSERT INTO feeds (source_id, url, interval_seconds) VALUES ('s', 'http://s.test/f', 900)`.execute(store.db.kysely);
});

afterAll(async () => {
  await store.close();
  await dropTestDb(db);
  await closeSharedPglite();
});

async function storedAt(title: string, firstSeenAt: Date): Promise<number> {
  const { rows } = await sql<{ id: number }>`
    INSERT INTO items (source_id, feed_id, guid, title, title_key, content_hash, published_at, first_seen_at)
    SELECT 's', f.id, ${title}, ${title}, ${title.toLowerCase()}, 'h', ${firstSeenAt}, ${firstSeenAt} FROM feeds f
    RETURNING id`.execute(store.db.kysely);
  return Number(rows[0]!.id);
}

const linked = async (ids: number[]) => (await store.storiesOf(ids)).size;

test('links what has no story, then reads only what was stored since, less the margin', async () => {
  const now = Date.now();
  const early = await storedAt('Harbour closes after crane collapse', new Date(now - 2 * 3600_000));
  const recent = await storedAt('Ferry service resumes after storm', new Date(now - 60_000));
  // Nothing swept yet: the whole window is looked at, page by page, each page going on from the last.
  let r = await store.linkPendingStories(DEFAULT_STORY_OPTIONS, 1);
  expect(r).toMatchObject({ linked: 1, more: true, sweepFrom: early + 1 });
  r = await store.linkPendingStories(DEFAULT_STORY_OPTIONS, 1, null, r.sweepFrom);
  expect(r).toMatchObject({ linked: 1, more: true, sweepFrom: recent + 1 });
  r = await store.linkPendingStories(DEFAULT_STORY_OPTIONS, 1, null, r.sweepFrom);
  expect(r).toMatchObject({ linked: 0, more: false });
  expect(await linked([early, recent])).toBe(2);

  // An item stored (by a process that died before linking it) inside the margin is found;
  // one stored long before the last sweep is not read again.
  const insideMargin = await storedAt('Bridge reopens to traffic', new Date(Date.now() - SWEEP_MARGIN_MS + 60_000));
  const longBefore = await storedAt('Old story nobody linked', new Date(Date.now() - SWEEP_MARGIN_MS - 60_000));
  r = await store.linkPendingStories(DEFAULT_STORY_OPTIONS, 50);
  expect(r.linked).toBe(1);
  expect(await linked([insideMargin])).toBe(1);
  expect(await linked([longBefore])).toBe(0);
});
