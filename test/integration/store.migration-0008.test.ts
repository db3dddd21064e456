import { sql } from 'kysely';
import { silentLogger } from '../../src/shared/logger';
import { DEFAULT_STORY_OPTIONS, storyFeatures } from '../../src/dedup/story-match';
import { StoryLinker } from '../../src/ingest/story-linker';
import { migrate, readMigrations } from '../../src/store/migrate';
import type { Store } from '../../src/store';
import { closeSharedPglite, dropTestDb, newTestDb, openTestStore, type TestDb } from '../helpers/db';

/**
 * sql/0008: items an older version queued for its linker (story_items rows
 * with story_id NULL) go back to being unlinked items, and the new linker's
 * first sweep links them.
 */
let db: TestDb;
let store: Store;

beforeAll(async () => {
  db = await newTestDb();
  store = await openTestStore(db);
});

afterAll(async () => {
  await store.close();
  await dropTestDb(db);
  await closeSharedPglite();
});

test('rows still pending under 0007 are linked by the first sweep after 0008', async () => {
  const all = readMigrations();
  await migrate(store.db, all.filter((m) => m.version <= 7));
  const k = store.db.kysely;
  await sql`INSERT INTO sources (id, name) VALUES ('wire', 'Wire'), ('aa', 'AA')`.execute(k);
  await sql`INSERT INTO feeds (source_id, url, interval_seconds) VALUES ('wire', 'http://w.test/f', 900), ('aa', 'http://a.test/f', 900)`.execute(k);
  const published = new Date(Date.now() - 3600_000);
  const titles = { wire: 'Turkey deploys army in Idlib, citing failure of negotiations with Russia', aa: 'AA - Turkey deploys army in Idlib, citing failure of negotiations with Russia' };
  const ids: Record<string, number> = {};
  for (const [source, title] of Object.entries(titles)) {
    const { rows } = await sql<{ id: number }>`
      INSERT INTO items (source_id, feed_id, guid, title, title_key, content_hash, published_at)
      SELECT ${source}, f.id, ${`g-${source}`}, ${title}, ${title.toLowerCase()}, 'h', ${published} FROM feeds f WHERE f.source_id = ${source}
      RETURNING id`.execute(k);
    ids[source] = Number(rows[0]!.id);
    // What 0006's ingest queued: the pending row and its keys.
    const f = storyFeatures({ title, text: null, canonicalUrl: null });
    await sql`
      INSERT INTO story_items (item_id, story_id, source_id, layer, score, rank, published_at, title_key, shingles, url_key)
      VALUES (${ids[source]}, NULL, ${source}, 'pending', 0, 1, ${published}, ${f.titleKey}, ${`{${f.shingles.join(',')}}`}::integer[], NULL)`.execute(k);
    for (const key of f.keys) await sql`INSERT INTO story_keys (key, published_at, item_id) VALUES (${key}::bigint, ${published}, ${ids[source]})`.execute(k);
  }

  expect(await migrate(store.db, all)).toEqual(all.filter((m) => m.version > 7).map((m) => m.name));
  const count = async (table: string) => Number((await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(k)).rows[0]!.n);
  expect(await count('story_items')).toBe(0);
  expect(await count('story_keys')).toBe(0);
  const clock = (await sql<{ linkedThrough: Date | null }>`SELECT linked_through FROM story_clock`.execute(k)).rows[0]!;
  expect(clock.linkedThrough).not.toBeNull();

  const linker = new StoryLinker(store, DEFAULT_STORY_OPTIONS, silentLogger());
  await linker.drain();
  await linker.stop();
  const stories = await store.storiesOf([ids.wire!, ids.aa!]);
  expect(stories.get(ids.wire!)?.id).toBeDefined();
  expect(stories.get(ids.aa!)?.id).toBe(stories.get(ids.wire!)!.id);
  expect(stories.get(ids.aa!)!.members.map((m) => m.layer).sort()).toEqual(['seed', 'title']);
  // Linked now, with their keys; the sweep moved linked_through up to about now.
  expect(await count('story_keys')).toBeGreaterThan(0);
  const after = (await sql<{ linkedThrough: Date }>`SELECT linked_through FROM story_clock`.execute(k)).rows[0]!;
  expect(after.linkedThrough.getTime()).toBeGreaterThan(Date.now() - 15 * 60_000);
});
