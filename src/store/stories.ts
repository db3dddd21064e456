import { sql } from 'kysely';
import type { Enclosure } from '../domain/item';
import type { StoredItem } from '../domain/stored';
import { decideStory, representativeRank, storyKeys, type StoryCandidate, type StoryFeatures, type StoryLayer, type StoryOptions } from '../dedup/story-match';
import type { Executor } from './open';

/** A freshly inserted item, ready for the story step. */
export interface StoryEntry {
  readonly itemId: number;
  readonly sourceId: string;
  readonly canonicalUrl: string | null;
  readonly publishedAt: Date;
  readonly features: StoryFeatures;
}

export interface StoryLinkResult {
  readonly created: number;
  readonly joined: number;
}

const KEY_CHUNK = 2000;
/**
 * At most this many items per key, the latest in the window. A key shared by
 * more items than this is either one big story (any of its recent members
 * leads to it) or a band of common words that collides across unrelated
 * items: without a cap, such buckets made the candidates per item grow with
 * the store (the bench corpus, ~90 words per language: 200 candidate hits
 * per item at 10,000 stored items, ~1,000 at 50,000, and cold ingest went
 * quadratic). A true copy that a hot bucket hides is usually still found
 * through its other band keys, its title key or its URL key.
 */
const KEY_FANOUT = 20;

type CandidateRow = Omit<StoryCandidate, 'shingles'> & { shingles: number[] | null };

/**
 * Puts each entry in a story, inside the caller's transaction (the one that
 * inserted the items). Candidates come from story_keys_lookup_idx: rows
 * sharing one of the entries' keys within the window, never a scan of
 * recent items.
 *
 * Two publishers' copies arriving at once must still meet, so the step is
 * serialized across workers, but only its short end: the lookup (the costly
 * part) runs first, unlocked, and notes the story_clock epoch it saw; then
 * the row lock on story_clock is taken by bumping the epoch, and only the
 * story_items rows committed since (epoch greater than the one seen, a few
 * rows at most) are checked again before deciding (sql/0005_story_clock.sql).
 */
export async function linkStories(trx: Executor, entries: readonly StoryEntry[], opts: StoryOptions): Promise<StoryLinkResult> {
  if (entries.length === 0) return { created: 0, joined: 0 };
  const keys = [...new Set(entries.flatMap((e) => e.features.keys))];
  const wanted = new Set(keys);
  const times = entries.map((e) => e.publishedAt.getTime());
  const lo = new Date(Math.min(...times) - opts.windowMs);
  const hi = new Date(Math.max(...times) + opts.windowMs);

  const byKey = new Map<string, StoryCandidate[]>();
  const found = new Set<number>();
  const sources = new Map<number, Set<string>>();
  const add = (c: StoryCandidate, shared: Iterable<string>) => {
    found.add(c.itemId);
    for (const key of shared) {
      const list = byKey.get(key);
      if (list) list.push(c);
      else byKey.set(key, [c]);
    }
  };
  const addSource = (storyId: number, sourceId: string) => {
    const set = sources.get(storyId);
    if (set) set.add(sourceId);
    else sources.set(storyId, new Set([sourceId]));
  };

  // 1. Unlocked: candidates committed so far, and the epoch in the same snapshot.
  // Index lookups only: keys through story_keys_lookup_idx, grouped so each
  // candidate item comes back once with the keys it shares (one row per hit
  // sent each shingle array up to 10 times, and parsing them was most of the
  // ingest's CPU); then its story_items row and item by primary key. The
  // LIMIT 1 keeps the LATERAL subquery from being flattened into a join,
  // which the planner would run as a hash join over all of story_items (a
  // scan that grows with the store).
  let seenEpoch = Number.POSITIVE_INFINITY;
  for (let i = 0; i < keys.length; i += KEY_CHUNK) {
    // Shingles come as JSON: the drivers' native JSON.parse is several times
    // cheaper than pg's character-by-character int[] parser.
    const { rows } = await sql<{ clock: number } & ({ keys: string } & CandidateRow | { [K in keyof CandidateRow | 'keys']: null })>`
      SELECT sc.epoch AS clock, x.*
        FROM story_clock sc
        LEFT JOIN (
          SELECT h.keys, c.item_id, c.story_id, c.source_id, c.title_key, to_json(c.shingles) AS shingles, c.published_at, c.canonical_url
            FROM (SELECT k.item_id, string_agg(q.key::text, ',') AS keys
                    FROM unnest(${keys.slice(i, i + KEY_CHUNK)}::bigint[]) AS q(key)
                    CROSS JOIN LATERAL (
                      SELECT sk.item_id FROM story_keys sk
                       WHERE sk.key = q.key AND sk.published_at >= ${lo} AND sk.published_at <= ${hi}
                       ORDER BY sk.published_at DESC
                       LIMIT ${KEY_FANOUT}) k
                   GROUP BY k.item_id) h
            CROSS JOIN LATERAL (
              SELECT si.item_id, si.story_id, si.source_id, si.title_key, si.shingles, si.published_at, it.canonical_url
                FROM story_items si JOIN items it ON it.id = si.item_id
               WHERE si.item_id = h.item_id
               LIMIT 1) c) x ON true
       WHERE sc.id = 1`.execute(trx);
    // A deleted item's keys find no story_items row and drop out here.
    for (const r of rows) {
      seenEpoch = Math.min(seenEpoch, Number(r.clock));
      if (r.keys === null || found.has(r.itemId)) continue;
      const { clock: _c, keys: shared, shingles, ...c } = r;
      add({ ...c, shingles: parseShingles(shingles) }, shared.split(','));
    }
  }
  // 2. The lock: bumping the clock waits for the previous step to commit. The
  // same statement reads each candidate story's publishers, once per story
  // (story_items_story_idx), in a snapshot at least as new as the lookup's;
  // members committed after the lookup come in step 3.
  const storyIds = [...new Set([...byKey.values()].flatMap((cs) => cs.map((c) => c.storyId)))];
  const { rows: ticked } = await sql<{ epoch: number; storyId: number | null; sourceId: string | null }>`
    WITH tick AS (UPDATE story_clock SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch)
    SELECT t.epoch, m.story_id, m.source_id
      FROM tick t LEFT JOIN story_items m ON m.story_id = ANY(${storyIds}::bigint[])`.execute(trx);
  if (ticked.length === 0) throw new Error('store: story_clock has no row (migration 0005 not applied?)');
  const mine = Number(ticked[0]!.epoch);
  for (const r of ticked) if (r.storyId !== null && r.sourceId !== null) addSource(r.storyId, r.sourceId);

  // 3. What other workers committed between the lookup and the lock. Their keys
  // are recomputed from the stored fields, exactly as storyFeatures made them.
  if (mine - 1 > seenEpoch) {
    const { rows } = await sql<CandidateRow>`
      SELECT si.item_id, si.story_id, si.source_id, si.title_key, to_json(si.shingles) AS shingles, si.published_at, it.canonical_url
        FROM story_items si JOIN items it ON it.id = si.item_id
       WHERE si.epoch > ${seenEpoch} AND si.published_at >= ${lo} AND si.published_at <= ${hi}`.execute(trx);
    for (const { shingles, ...r } of rows) {
      addSource(r.storyId, r.sourceId);
      if (found.has(r.itemId)) continue;
      const c: StoryCandidate = { ...r, shingles: parseShingles(shingles) };
      const shared = storyKeys(c.titleKey, c.shingles, c.canonicalUrl).filter((k) => wanted.has(k));
      if (shared.length > 0) add(c, shared);
    }
  }

  const decided = entries.map((e) => {
    const seen = new Set<number>();
    const candidates: StoryCandidate[] = [];
    for (const k of e.features.keys) {
      for (const c of byKey.get(k) ?? []) {
        if (!seen.has(c.itemId)) {
          seen.add(c.itemId);
          candidates.push(c);
        }
      }
    }
    const match = decideStory(e, candidates, (id) => sources.get(id) ?? new Set(), opts);
    // Entries of one call come from one publisher, so they never join each other's new stories.
    if (match) sources.set(match.storyId, (sources.get(match.storyId) ?? new Set()).add(e.sourceId));
    return { e, match };
  });

  const fresh = decided.filter((d) => !d.match).map((d) => d.e);
  // One statement under the lock, with column arrays instead of parameters per
  // row: the new stories (an unmatched item seeds its own and represents it),
  // every entry's story_items row (a seed finds its story by representative),
  // the entries' keys, and the representative of each story joined: the
  // member with the lowest (rank, published_at, item_id), among the stored
  // members and the new ones (which this statement's snapshot cannot see in
  // story_items, hence the UNION with the members CTE). Foreign keys are
  // checked at the statement's end, when the stories rows exist.
  const cols = decided.map(({ e, match }) => ({
    itemId: e.itemId,
    storyId: match ? match.storyId : null,
    sourceId: e.sourceId,
    layer: match ? match.layer : 'seed',
    score: match ? match.score : 1,
    matchedItemId: match ? match.matchedItemId : null,
    rank: representativeRank(e.sourceId, opts),
    publishedAt: e.publishedAt.toISOString(),
    titleKey: e.features.titleKey,
    shingles: `{${e.features.shingles.join(',')}}`,
  }));
  const col = <K extends keyof (typeof cols)[number]>(k: K) => cols.map((c) => c[k]);
  const joined = [...new Set(decided.flatMap((d) => (d.match ? [d.match.storyId] : [])))];
  const keyRows = entries.flatMap((e) => [...new Set(e.features.keys)].map((key) => [key, e.publishedAt.toISOString(), e.itemId] as const));
  await sql`
    WITH fresh AS (
      INSERT INTO stories (representative_item_id)
      SELECT unnest(${fresh.map((e) => e.itemId)}::bigint[])
      RETURNING id, representative_item_id
    ), members AS (
      INSERT INTO story_items (item_id, story_id, source_id, layer, score, matched_item_id, rank, published_at, title_key, shingles, epoch)
      SELECT m.item_id, coalesce(m.story_id, f.id), m.source_id, m.layer, m.score, m.matched_item_id, m.rank, m.published_at, m.title_key, m.shingles::integer[], ${mine}::bigint
        FROM unnest(${col('itemId')}::bigint[], ${col('storyId')}::bigint[], ${col('sourceId')}::text[], ${col('layer')}::text[], ${col('score')}::real[],
                    ${col('matchedItemId')}::bigint[], ${col('rank')}::integer[], ${col('publishedAt')}::timestamptz[], ${col('titleKey')}::text[], ${col('shingles')}::text[])
             AS m(item_id, story_id, source_id, layer, score, matched_item_id, rank, published_at, title_key, shingles)
        LEFT JOIN fresh f ON f.representative_item_id = m.item_id
      RETURNING story_id, item_id, rank, published_at
    ), keyed AS (
      INSERT INTO story_keys (key, published_at, item_id)
      SELECT * FROM unnest(${keyRows.map((r) => r[0])}::bigint[], ${keyRows.map((r) => r[1])}::timestamptz[], ${keyRows.map((r) => r[2])}::bigint[])
      RETURNING 1
    )
    UPDATE stories s
       SET representative_item_id = (
             SELECT x.item_id FROM (
               SELECT si.item_id, si.rank, si.published_at FROM story_items si WHERE si.story_id = s.id
               UNION ALL
               SELECT m.item_id, m.rank, m.published_at FROM members m WHERE m.story_id = s.id) x
              ORDER BY x.rank, x.published_at, x.item_id
              LIMIT 1),
           updated_at = now()
     WHERE s.id = ANY(${joined}::bigint[])`.execute(trx);
  return { created: fresh.length, joined: decided.length - fresh.length };
}

function parseShingles(s: number[] | null): number[] {
  return s ?? [];
}

export interface StoryMember {
  readonly itemId: number;
  readonly sourceId: string;
  readonly sourceName: string;
  readonly title: string;
  readonly url: string | null;
  readonly publishedAt: Date;
  readonly layer: StoryLayer | 'seed';
  readonly score: number;
  readonly matchedItemId: number | null;
}

export interface StoryView {
  readonly id: number;
  readonly representativeItemId: number | null;
  readonly updatedAt: Date;
  /** Oldest first. */
  readonly members: readonly StoryMember[];
}

/** The stories of these items, keyed by item id (items without a story are absent). */
export async function storiesOf(db: Executor, itemIds: readonly number[]): Promise<Map<number, StoryView>> {
  const out = new Map<number, StoryView>();
  if (itemIds.length === 0) return out;
  const links = await db.selectFrom('storyItems').select(['itemId', 'storyId']).where('itemId', 'in', [...itemIds]).execute();
  if (links.length === 0) return out;
  const storyIds = [...new Set(links.map((l) => l.storyId))];
  const stories = await db.selectFrom('stories').select(['id', 'representativeItemId', 'updatedAt']).where('id', 'in', storyIds).execute();
  const members = await db
    .selectFrom('storyItems as si')
    .innerJoin('items as i', 'i.id', 'si.itemId')
    .innerJoin('sources as s', 's.id', 'si.sourceId')
    .select(['si.storyId', 'si.itemId', 'si.sourceId', 's.name as sourceName', 'i.title', 'i.url', 'si.publishedAt', 'si.layer', 'si.score', 'si.matchedItemId'])
    .where('si.storyId', 'in', storyIds)
    .orderBy('si.publishedAt')
    .orderBy('si.itemId')
    .execute();
  const views = new Map<number, StoryView>();
  for (const s of stories) {
    views.set(s.id, {
      id: s.id,
      representativeItemId: s.representativeItemId,
      updatedAt: s.updatedAt,
      members: members.filter((m) => m.storyId === s.id).map(({ storyId: _s, layer, ...m }) => ({ ...m, layer: layer as StoryLayer | 'seed' })),
    });
  }
  for (const l of links) {
    const v = views.get(l.storyId);
    if (v) out.set(l.itemId, v);
  }
  return out;
}

/** Items by id, in the shape topic feeds render (for representatives outside a topic). */
export async function itemsByIds(db: Executor, ids: readonly number[]): Promise<Map<number, StoredItem>> {
  const out = new Map<number, StoredItem>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('items')
    .innerJoin('sources', 'sources.id', 'items.sourceId')
    .innerJoin('feeds', 'feeds.id', 'items.feedId')
    .select([
      'items.id', 'items.sourceId', 'sources.name as sourceName', 'feeds.url as sourceFeedUrl', 'items.guid', 'items.url', 'items.title', 'items.summary',
      'items.contentHtml', 'items.author', 'items.categories', 'items.enclosures', 'items.publishedAt', 'items.updatedAt', 'items.firstSeenAt',
    ])
    .where('items.id', 'in', [...ids])
    .execute();
  for (const r of rows) out.set(r.id, { ...r, enclosures: (r.enclosures ?? []) as Enclosure[], categories: r.categories ?? [] });
  return out;
}

/** Changes whenever any story gains a member or a new representative (stories_updated_idx). */
export async function storiesVersion(db: Executor): Promise<string> {
  const row = await db
    .selectFrom('stories')
    .select((eb) => [eb.fn.max('updatedAt').as('latest'), eb.fn.max('id').as('maxId')])
    .executeTakeFirst();
  return `${(row?.latest as Date | null | undefined)?.getTime() ?? 0}:${row?.maxId ?? 0}`;
}
