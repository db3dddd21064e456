import { sql } from 'kysely';
import { legacyBandKeys, signature } from '../../src/dedup/minhash';
import { shingleSet, storyTokens } from '../../src/dedup/shingles';
import { DEFAULT_STORY_OPTIONS, storyFeatures, storyKeys, titleIndexKey } from '../../src/dedup/story-match';
import { storyTitleKey } from '../../src/dedup/story-title';
import { StoryLinker } from '../../src/ingest/story-linker';
import { silentLogger } from '../../src/shared/logger';
import { migrate, readMigrations } from '../../src/store/migrate';
import type { Store } from '../../src/store';
import { closeSharedPglite, dropTestDb, newTestDb, openTestStore, type TestDb } from '../helpers/db';

/**
 * sql/0009: items linked under 6 × 3 bands are re-keyed with 8 × 4 bands
 * by the linker's first sweep, so a copy stored afterwards still finds them
 * by near-duplicate; items whose keys were pruned stay without keys.
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

test('the 6 × 3 band keys are the ones the earlier version stored', () => {
  const shingles = shingleSet(storyTokens('Turkey deploys army in Idlib, citing failure of negotiations with Russia', null));
  // Written by the 6 × 3 code (commit ce92ba5) for this title.
  expect(legacyBandKeys(signature(shingles))).toEqual([
    '2238687027234042600', '-5727535809470162227', '2290317634904754948', '8228718651235125893', '3747992705577523735', '4673374072071720862',
  ]);
});

test('stored 6 × 3 keys are replaced by 8 × 4 keys, and a later copy finds its story through them', async () => {
  const all = readMigrations();
  await migrate(store.db, all.filter((m) => m.version <= 8));
  const k = store.db.kysely;
  await sql`INSERT INTO sources (id, name) VALUES ('wire', 'Wire'), ('desk', 'Desk'), ('old', 'Old')`.execute(k);
  await sql`INSERT INTO feeds (source_id, url, interval_seconds) VALUES ('wire', 'http://w.test/f', 900), ('desk', 'http://d.test/f', 900), ('old', 'http://o.test/f', 900)`.execute(k);
  const published = new Date(Date.now() - 3600_000);
  // Linked under 0008 with 6 × 3 band keys (and the title key, which does not change).
  const linkOld = async (source: string, title: string, withKeys: boolean) => {
    const { rows } = await sql<{ id: number }>`
      INSERT INTO items (source_id, feed_id, guid, title, title_key, content_hash, published_at)
      SELECT ${source}, f.id, ${`g-${source}`}, ${title}, ${title.toLowerCase()}, 'h', ${published} FROM feeds f WHERE f.source_id = ${source} RETURNING id`.execute(k);
    const id = Number(rows[0]!.id);
    const { rows: st } = await sql<{ id: number }>`INSERT INTO stories (representative_item_id) VALUES (${id}) RETURNING id`.execute(k);
    const tk = storyTitleKey(title);
    const sh = shingleSet(storyTokens(title, null));
    await sql`
      INSERT INTO story_items (item_id, story_id, source_id, layer, score, rank, published_at, title_key, shingles, url_key)
      VALUES (${id}, ${Number(st[0]!.id)}, ${source}, 'seed', 1, 1, ${published}, ${tk}, ${`{${sh.join(',')}}`}::integer[], NULL)`.execute(k);
    if (withKeys) for (const key of [titleIndexKey(tk), ...legacyBandKeys(signature(sh))]) await sql`INSERT INTO story_keys VALUES (${key}::bigint, ${published}, ${id})`.execute(k);
    return id;
  };
  const wire = await linkOld('wire', 'Harbour authority closes the northern quay after a crane collapse on Monday', true);
  const pruned = await linkOld('old', 'Ferry service resumes across the bay after the winter storms', false);

  await migrate(store.db, all);
  const keysOf = async (id: number) => (await sql<{ key: string }>`SELECT key::text FROM story_keys WHERE item_id = ${id} ORDER BY key`.execute(k)).rows.map((r) => r.key).sort();
  const linker = new StoryLinker(store, DEFAULT_STORY_OPTIONS, silentLogger());
  await linker.drain();
  const tk = storyTitleKey('Harbour authority closes the northern quay after a crane collapse on Monday');
  const sh = (await sql<{ shingles: number[] }>`SELECT shingles FROM story_items WHERE item_id = ${wire}`.execute(k)).rows[0]!.shingles;
  expect(await keysOf(wire)).toEqual([...new Set(storyKeys(tk, sh, null))].sort());
  expect(await keysOf(pruned)).toEqual([]);
  const clock = (await sql<{ rekeyFrom: number; rekeyBelow: number }>`SELECT rekey_from, rekey_below FROM story_clock`.execute(k)).rows[0]!;
  expect(Number(clock.rekeyFrom)).toBeGreaterThanOrEqual(Number(clock.rekeyBelow));

  // A reworded copy from another desk: not the same title, so only the new band keys can find it.
  const { rows } = await sql<{ id: number }>`
    INSERT INTO items (source_id, feed_id, guid, title, title_key, content_hash, published_at)
    SELECT 'desk', f.id, 'g-desk', 'Harbour authority closes the northern quay after crane collapse', 'x', 'h', ${published} FROM feeds f WHERE f.source_id = 'desk' RETURNING id`.execute(k);
  const copy = Number(rows[0]!.id);
  linker.kick([{ itemId: copy, sourceId: 'desk', publishedAt: published, rank: 1, features: storyFeatures({ title: 'Harbour authority closes the northern quay after crane collapse', text: null, canonicalUrl: null }) }]);
  await linker.drain();
  await linker.stop();
  const stories = await store.storiesOf([wire, copy]);
  expect(stories.get(copy)!.id).toBe(stories.get(wire)!.id);
  expect(stories.get(copy)!.members.find((m) => m.itemId === copy)!.layer).toBe('minhash');
});
