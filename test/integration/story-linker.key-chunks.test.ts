import { sql } from 'kysely';
import { DEFAULT_STORY_OPTIONS, storyFeatures } from '../../src/dedup/story-match';
import type { Store, StoryEntry } from '../../src/store';
import { KEY_CHUNK } from '../../src/store/stories';
import { closeSharedPglite, dropTestDb, newTestDb, openTestStore, type TestDb } from '../helpers/db';

/**
 * A batch's keys are looked up KEY_CHUNK at a time. A stored item can share
 * keys with two of the batch's items whose keys fall in different chunks:
 * it must be a candidate for both, not only for the one whose chunk found
 * it first.
 */
let db: TestDb;
let store: Store;

beforeAll(async () => {
  db = await newTestDb();
  store = await openTestStore(db);
  await store.migrate();
  for (const id of ['wire', 'second', 'third', 'filler']) {
    await sql`INSERT INTO sources (id, name) VALUES (${id}, ${id})`.execute(store.db.kysely);
    await sql`INSERT INTO feeds (source_id, url, interval_seconds) VALUES (${id}, ${`http://${id}.test/f`}, 900)`.execute(store.db.kysely);
  }
});

afterAll(async () => {
  await store.close();
  await dropTestDb(db);
  await closeSharedPglite();
});

const at = new Date(Date.now() - 3600_000);

/** Stores an item and returns it as ingest hands it to the linker. */
async function entry(sourceId: string, title: string, text: string, canonicalUrl: string | null): Promise<StoryEntry> {
  const { rows } = await sql<{ id: number }>`
    INSERT INTO items (source_id, feed_id, guid, title, title_key, content_hash, published_at, first_seen_at, canonical_url)
    SELECT f.source_id, f.id, ${title}, ${title}, ${title.toLowerCase()}, 'h', ${at}, ${at}, ${canonicalUrl}
      FROM feeds f WHERE f.source_id = ${sourceId}
    RETURNING id`.execute(store.db.kysely);
  return { itemId: Number(rows[0]!.id), sourceId, publishedAt: at, features: storyFeatures({ title, text, canonicalUrl }), rank: 0 };
}

test('a stored item found through one chunk of the batch\'s keys is still a candidate through another chunk\'s', async () => {
  const url = 'https://wire.test/turkey-idlib';
  const title = 'Turkey deploys army in Idlib, citing failure of negotiations with Russia';
  const wire = await entry('wire', title, 'Ankara sent troops across the border on Monday.', url);
  expect((await store.linkPendingStories(DEFAULT_STORY_OPTIONS, 10, [wire])).created).toBe(1);

  // First in the batch: the same URL as the wire copy, another headline and text (its keys open the first chunk).
  const second = await entry('second', 'Ankara moves soldiers to the north-west', 'Columns of armoured vehicles were seen near the frontier.', url);
  // Enough unrelated items that the last one's keys come after the first KEY_CHUNK.
  const fillers: StoryEntry[] = [];
  for (let i = 0; fillers.reduce((n, f) => n + f.features.keys.length, second.features.keys.length) <= KEY_CHUNK; i++) {
    const w = i.toString(36);
    fillers.push(await entry('filler', `qa${w} qb${w} qc${w} qd${w} qe${w}`, `qf${w} qg${w} qh${w}`, null));
  }
  // Last: the wire copy's headline and text without its URL (the title layer, through a later chunk).
  const third = await entry('third', title, 'Ankara sent troops across the border on Monday.', null);
  const batch = [second, ...fillers, third];
  expect(new Set(batch.flatMap((e) => e.features.keys)).size).toBeGreaterThan(KEY_CHUNK);

  const r = await store.linkPendingStories(DEFAULT_STORY_OPTIONS, batch.length, batch);
  expect(r.linked).toBe(batch.length);
  const stories = await store.storiesOf([wire.itemId, second.itemId, third.itemId]);
  const storyId = stories.get(wire.itemId)!.id;
  expect(stories.get(second.itemId)!.id).toBe(storyId);
  expect(stories.get(third.itemId)!.id).toBe(storyId);
  const reasons = Object.fromEntries(stories.get(wire.itemId)!.members.map((m) => [m.itemId, m.layer]));
  expect(reasons).toEqual({ [wire.itemId]: 'seed', [second.itemId]: 'url', [third.itemId]: 'title' });
});
