import { sql, type Kysely } from 'kysely';
import type { Enclosure } from '../domain/item';
import type { StoredItem } from '../domain/stored';
import { bandKeys, legacyBandKeys, signature } from '../dedup/minhash';
import { decideStory, representativeRank, storyFeatures, type StoryCandidate, type StoryFeatures, type StoryLayer, type StoryOptions } from '../dedup/story-match';
import { stripTags } from '../normalize/text';
import type { Executor } from './open';
import type { Database } from './schema';

/** A freshly inserted item, queued for the story linker. */
export interface StoryEntry {
  readonly itemId: number;
  readonly sourceId: string;
  readonly publishedAt: Date;
  readonly features: StoryFeatures;
  /** representativeRank at ingest time. */
  readonly rank: number;
}

export interface StoryLinkResult {
  /** Pending items linked by this batch. */
  readonly linked: number;
  readonly created: number;
  readonly joined: number;
  /** The batch was full: more may be waiting. */
  readonly more: boolean;
  /** A sweep's page: where the next page starts (the item id after the last one it read). */
  readonly sweepFrom?: number;
}

/** Keys per candidate query. */
export const KEY_CHUNK = 2000;
/**
 * At most this many items per key, the latest in the window. A key shared by
 * more items than this is either one big story (any of its recent members
 * leads to it) or a band of common words that collides across unrelated
 * items: without a cap, such buckets made the candidates per item grow with
 * the store. A true copy that a hot bucket hides is usually still found
 * through its other band keys, its title key or its URL key.
 */
const KEY_FANOUT = 20;

type CandidateRow = Omit<StoryCandidate, 'shingles'> & { shingles: number[] | null };

/**
 * Links items to stories in one transaction: the `queued` entries ingest
 * handed over (their features as ingest computed them) that are still
 * unlinked, or without them, up to `batch` of the stored items the sweep
 * finds unlinked (sweepUnlinked: what a crashed or failed run left). The
 * story_clock row lock serializes linkers across processes and replicas, so
 * every item linked before is visible to this batch's lookup, and two
 * publishers' copies always meet: either in one batch (an earlier item of
 * the batch is a candidate for a later one) or in successive ones.
 * Candidates come from story_keys_lookup_idx: linked items sharing one of the
 * batch's keys within the window, never a scan of recent items. Each item's
 * story_items row and its keys are written once, here (sql/0008).
 */
export async function linkPendingStories(
  db: Kysely<Database>,
  opts: StoryOptions,
  batch: number,
  queued: readonly StoryEntry[] | null = null,
  sweepFrom = 0,
): Promise<StoryLinkResult> {
  return db.transaction().execute(async (trx) => {
    const { rows: ticked } = await sql<{ epoch: number; linkedThrough: Date | null; now: Date }>`
      UPDATE story_clock SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch, linked_through, now()`.execute(trx);
    if (ticked.length === 0) throw new Error('store: story_clock has no row (migration 0005 not applied?)');
    const epoch = Number(ticked[0]!.epoch);
    let more = false;
    let next: number | undefined;
    let pending: Pending[];
    if (queued) pending = await stillUnlinked(trx, queued);
    else {
      const swept = await sweepUnlinked(trx, opts, batch, ticked[0]!.linkedThrough, ticked[0]!.now, sweepFrom);
      pending = swept.pending;
      more = swept.more;
      next = swept.next;
    }
    const page = next === undefined ? {} : { sweepFrom: next };
    if (pending.length === 0) return { linked: 0, created: 0, joined: 0, more, ...page };

    const keys = [...new Set(pending.flatMap((p) => p.keys))];
    const times = pending.map((p) => p.publishedAt.getTime());
    const lo = new Date(Math.min(...times) - opts.windowMs);
    const hi = new Date(Math.max(...times) + opts.windowMs);

    const byKey = new Map<string, StoryCandidate[]>();
    const found = new Map<number, StoryCandidate>();
    const add = (c: StoryCandidate, shared: Iterable<string>) => {
      found.set(c.itemId, c);
      for (const key of shared) {
        const list = byKey.get(key);
        if (list) list.push(c);
        else byKey.set(key, [c]);
      }
    };
    // Planned as index scans, never bitmap scans (set for these statements only).
    // The planner estimates about eight rows per key and prefers a bitmap heap
    // scan and a sort of its rows, per key: but most keys of a batch find none,
    // and each of those empty probes paid the bitmap's and the sort's setup.
    // A backward scan of story_keys_lookup_idx (key, published_at) returns the
    // latest rows in order with nothing to sort, and took the lookup's
    // Postgres time from 22 to 10 ms per 2,000 keys in bench/README.md's
    // EXPLAIN ANALYZE.
    const { rows: planner } = await sql<{ prev: string }>`
      SELECT current_setting('enable_bitmapscan') AS prev, set_config('enable_bitmapscan', 'off', true)`.execute(trx);
    // Index lookups only: keys through story_keys_lookup_idx, grouped so each
    // candidate item comes back once with the keys it shares; then its linked
    // story_items row and item by primary key. The LIMIT 1 keeps the LATERAL
    // subquery from being flattened into a join, which the planner would run
    // as a hash join over all of story_items (a scan that grows with the store).
    // Shingles come as JSON: the drivers' JSON.parse is several times cheaper
    // than pg's character-by-character int[] parser.
    for (let i = 0; i < keys.length; i += KEY_CHUNK) {
      // Names already camelCase and no plugin pass: these are most of the rows the linker reads.
      const { rows } = await sql<{ keys: string } & CandidateRow>`
        SELECT h.keys, c.item_id AS "itemId", c.story_id AS "storyId", c.source_id AS "sourceId", c.title_key AS "titleKey",
               to_json(c.shingles) AS shingles, c.published_at AS "publishedAt", c.url_key::text AS "urlKey"
          FROM (SELECT k.item_id, string_agg(q.key::text, ',') AS keys
                  FROM unnest(${plainArray(keys.slice(i, i + KEY_CHUNK))}::bigint[]) AS q(key)
                  CROSS JOIN LATERAL (
                    SELECT sk.item_id FROM story_keys sk
                     WHERE sk.key = q.key AND sk.published_at >= ${lo} AND sk.published_at <= ${hi}
                     ORDER BY sk.published_at DESC
                     LIMIT ${KEY_FANOUT}) k
                 GROUP BY k.item_id) h
          CROSS JOIN LATERAL (
            SELECT si.item_id, si.story_id, si.source_id, si.title_key, si.shingles, si.published_at, si.url_key
              FROM story_items si
             WHERE si.item_id = h.item_id AND si.story_id IS NOT NULL
             LIMIT 1) c`.execute(trx.withoutPlugins());
      // A deleted item's keys find no story_items row and drop out here; so do pending ones.
      // An item found through an earlier chunk's keys gets this chunk's keys too.
      for (const r of rows) {
        const c: StoryCandidate = found.get(r.itemId) ?? { itemId: r.itemId, storyId: r.storyId, sourceId: r.sourceId, urlKey: r.urlKey, titleKey: r.titleKey, shingles: r.shingles ?? [], publishedAt: r.publishedAt };
        add(c, r.keys.split(','));
      }
    }

    await sql`SELECT set_config('enable_bitmapscan', ${planner[0]!.prev}, true)`.execute(trx);

    // Which of this batch's publishers each candidate story already holds (a story holds
    // one item per publisher). Only those: a story can hold a hundred publishers, and
    // reading every member of every candidate story grew with the store (at a million
    // items in bench/stories.ts it was most of the linker's time). Index-only on
    // story_items_story_idx (story_id, source_id).
    const sources = new Map<number, Set<string>>();
    const addSource = (storyId: number, sourceId: string) => {
      const set = sources.get(storyId);
      if (set) set.add(sourceId);
      else sources.set(storyId, new Set([sourceId]));
    };
    const storyIds = [...new Set([...byKey.values()].flatMap((cs) => cs.map((c) => c.storyId)))];
    if (storyIds.length > 0) {
      const batchSources = [...new Set(pending.map((p) => p.sourceId))];
      const { rows: members } = await sql<{ storyId: number; sourceId: string }>`
        SELECT story_id, source_id FROM story_items
         WHERE story_id = ANY(${storyIds}::bigint[]) AND source_id = ANY(${batchSources}::text[]) AND story_id IS NOT NULL`.execute(trx);
      for (const m of members) addSource(m.storyId, m.sourceId);
    }

    // In queue order. A pending item that opens a story gets a provisional
    // (negative) id until its stories row exists; later items of the batch can
    // join it, and it is a candidate for them like any linked item.
    let provisional = 0;
    const decided: { itemId: number; storyId: number; layer: StoryLayer | 'seed'; score: number; matchedItemId: number | null; rank: number; publishedAt: Date }[] = [];
    for (const p of pending) {
      const seen = new Set<number>();
      const candidates: StoryCandidate[] = [];
      for (const k of p.keys) {
        for (const c of byKey.get(k) ?? []) {
          if (!seen.has(c.itemId)) {
            seen.add(c.itemId);
            candidates.push(c);
          }
        }
      }
      const probe = { sourceId: p.sourceId, publishedAt: p.publishedAt, features: { titleKey: p.titleKey, shingles: p.shingles, urlKey: p.urlKey, keys: p.keys } };
      const match = decideStory(probe, candidates, (id) => sources.get(id) ?? new Set(), opts);
      const storyId = match ? match.storyId : --provisional;
      addSource(storyId, p.sourceId);
      decided.push({ itemId: p.itemId, storyId, layer: match ? match.layer : 'seed', score: match ? match.score : 1, matchedItemId: match ? match.matchedItemId : null, rank: p.rank, publishedAt: p.publishedAt });
      add({ itemId: p.itemId, storyId, sourceId: p.sourceId, urlKey: p.urlKey, titleKey: p.titleKey, shingles: p.shingles, publishedAt: p.publishedAt }, p.keys);
    }

    // New stories: their representative is already known here (the member with
    // the lowest rank, then publication, then item id, among this batch's).
    const fresh = new Map<number, (typeof decided)[number]>();
    for (const d of decided) {
      if (d.storyId >= 0) continue;
      const best = fresh.get(d.storyId);
      if (!best || representativeBefore(d, best)) fresh.set(d.storyId, d);
    }
    const storyOf = new Map<number, number>();
    if (fresh.size > 0) {
      const created = await trx
        .insertInto('stories')
        .values([...fresh.values()].map((d) => ({ representativeItemId: d.itemId })))
        .returning(['id', 'representativeItemId'])
        .execute();
      const byRep = new Map(created.map((c) => [c.representativeItemId, c.id]));
      for (const [tmp, rep] of fresh) storyOf.set(tmp, byRep.get(rep.itemId)!);
    }
    const final = decided.map((d) => ({ ...d, storyId: d.storyId >= 0 ? d.storyId : storyOf.get(d.storyId)! }));
    await insertLinked(trx, pending, final, epoch);
    // Stories that existed before and gained members: their representative may change.
    const joined = [...new Set(decided.filter((d) => d.storyId > 0).map((d) => d.storyId))];
    if (joined.length > 0) {
      await sql`
        UPDATE stories s
           SET representative_item_id = (
                 SELECT si.item_id FROM story_items si WHERE si.story_id = s.id
                  ORDER BY si.rank, si.published_at, si.item_id
                  LIMIT 1),
               updated_at = now()
         WHERE s.id = ANY(${joined}::bigint[])`.execute(trx);
    }
    return { linked: final.length, created: fresh.size, joined: final.length - fresh.size, more, ...page };
  });
}

/**
 * The batch's story_items rows, with their stories, and their index keys:
 * one statement. Keys go in only now: an item is a candidate for others
 * once it is in a story.
 */
async function insertLinked(
  trx: Executor,
  pending: readonly Pending[],
  final: readonly { itemId: number; storyId: number; layer: string; score: number; matchedItemId: number | null }[],
  epoch: number,
): Promise<void> {
  const p = <T>(f: (x: Pending) => T): T[] => pending.map(f);
  const d = <T>(f: (x: (typeof final)[number]) => T): T[] => final.map(f);
  // The key rows' columns, each item's time written once for all its keys.
  const times = p((x) => x.publishedAt.toISOString());
  const keyCol: string[] = [];
  const timeCol: string[] = [];
  const itemCol: number[] = [];
  pending.forEach((x, i) => {
    for (const key of new Set(x.keys)) {
      keyCol.push(key);
      timeCol.push(times[i]!);
      itemCol.push(x.itemId);
    }
  });
  await sql`
    WITH linked AS (
      INSERT INTO story_items (item_id, story_id, source_id, layer, score, matched_item_id, rank, published_at, title_key, shingles, url_key, epoch)
      SELECT m.item_id, m.story_id, m.source_id, m.layer, m.score, m.matched_item_id, m.rank, m.published_at, m.title_key, m.shingles::integer[], m.url_key, ${epoch}::bigint
        FROM unnest(${plainArray(d((x) => x.itemId))}::bigint[], ${plainArray(d((x) => x.storyId))}::bigint[], ${p((x) => x.sourceId)}::text[], ${d((x) => x.layer)}::text[],
                    ${plainArray(d((x) => x.score))}::real[], ${plainArray(d((x) => x.matchedItemId))}::bigint[], ${plainArray(p((x) => x.rank))}::integer[],
                    ${plainArray(times)}::timestamptz[], ${p((x) => x.titleKey)}::text[], ${p((x) => `{${x.shingles.join(',')}}`)}::text[],
                    ${plainArray(p((x) => x.urlKey))}::bigint[])
             AS m(item_id, story_id, source_id, layer, score, matched_item_id, rank, published_at, title_key, shingles, url_key)
      RETURNING 1
    )
    INSERT INTO story_keys (key, published_at, item_id)
    SELECT * FROM unnest(${plainArray(keyCol)}::bigint[], ${plainArray(timeCol)}::timestamptz[], ${plainArray(itemCol)}::bigint[])`.execute(trx);
}

/**
 * A Postgres array literal, passed as one text parameter, of values that
 * need no quoting in one: numbers, decimal integer strings (story keys),
 * ISO timestamps (toISOString) and nulls. pg would otherwise quote and
 * escape each element of a JS array (two regex replaces and a concatenation
 * per element), for the thousands of key rows of a batch. Never for text.
 */
function plainArray(values: readonly (number | string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    out += v === null || v === undefined ? 'NULL' : v;
  }
  return `${out}}`;
}

interface Pending {
  readonly itemId: number;
  readonly sourceId: string;
  readonly urlKey: string | null;
  readonly titleKey: string;
  readonly shingles: readonly number[];
  readonly publishedAt: Date;
  readonly rank: number;
  readonly keys: readonly string[];
}

/**
 * The entries ingest handed over, less any another linker's sweep has linked
 * meanwhile and any item deleted since: by primary key, and their features
 * from memory, as ingest computed them.
 */
async function stillUnlinked(trx: Executor, queued: readonly StoryEntry[]): Promise<Pending[]> {
  const { rows } = await sql<{ id: number }>`
    SELECT q.id FROM unnest(${queued.map((e) => e.itemId)}::bigint[]) AS q(id)
     WHERE EXISTS (SELECT 1 FROM items i WHERE i.id = q.id)
       AND NOT EXISTS (SELECT 1 FROM story_items si WHERE si.item_id = q.id)`.execute(trx);
  const open = new Set(rows.map((r) => Number(r.id)));
  return queued
    .filter((e) => open.has(e.itemId))
    .map((e) => ({ itemId: e.itemId, sourceId: e.sourceId, urlKey: e.features.urlKey, titleKey: e.features.titleKey, shingles: e.features.shingles, publishedAt: e.publishedAt, rank: e.rank, keys: e.features.keys }));
}

/**
 * A sweep that finds nothing left vouches for the items first seen this long
 * before it started: an item's first_seen_at is its transaction's start, and
 * a transaction that began before the sweep may commit after it (feeds'
 * transactions last seconds).
 */
export const SWEEP_MARGIN_MS = 10 * 60_000;

/**
 * Up to `batch` stored items without a story_items row, first seen since
 * story_clock.linked_through (everything first seen before it is linked; the
 * whole window and a day when nothing was swept yet), from item id
 * `sweepFrom` on (the page before's end), with their features computed from
 * the stored fields as ingest computes them. When none is left,
 * linked_through moves up to this sweep's start less SWEEP_MARGIN_MS, so the
 * next sweep reads only what was stored since. items_first_seen_idx finds
 * the range's first id, which bounds the primary-key walk.
 */
async function sweepUnlinked(
  trx: Executor,
  opts: StoryOptions,
  batch: number,
  linkedThrough: Date | null,
  now: Date,
  sweepFrom: number,
): Promise<{ pending: Pending[]; more: boolean; next: number }> {
  const floor = now.getTime() - opts.windowMs - SWEEP_FLOOR_MARGIN_MS;
  const since = new Date(Math.max(linkedThrough ? linkedThrough.getTime() : floor, floor));
  // The page: the next `batch` items of the range, by id. The first page starts at the range's
  // first id; OFFSET 0 keeps the planner from answering min(id) by walking the primary key from the
  // start with a filter (through every item of the store). Later pages start where the one before
  // ended: taking min(id) again on every page read the whole range once per page.
  const lo = sweepFrom > 0 ? sql`${sweepFrom}::bigint` : sql`(SELECT coalesce(min(r.id), 0) FROM (SELECT f.id FROM items f WHERE f.first_seen_at >= ${since} OFFSET 0) r)`;
  const { rows: pages } = await sql<{ n: number; last: number | null }>`
    SELECT count(*)::integer AS n, max(p.id) AS last
      FROM (SELECT i.id FROM items i WHERE i.id >= ${lo} AND i.first_seen_at >= ${since} ORDER BY i.id LIMIT ${batch}) p`.execute(trx);
  const read = Number(pages[0]?.n ?? 0);
  const last = pages[0]?.last === null || pages[0]?.last === undefined ? null : Number(pages[0].last);
  // Of those, the ones with no story: their stored fields, to compute their features from.
  const { rows } = last === null ? { rows: [] } : await sql<{ id: number; sourceId: string; title: string; text: string | null; contentHtml: string | null; canonicalUrl: string | null; publishedAt: Date }>`
    SELECT i.id, i.source_id AS "sourceId", i.title, i.summary AS text, CASE WHEN i.summary IS NULL THEN i.content_html END AS "contentHtml",
           i.canonical_url AS "canonicalUrl", i.published_at AS "publishedAt"
      FROM items i
     WHERE i.id >= ${lo} AND i.id <= ${last}::bigint AND i.first_seen_at >= ${since}
       AND NOT EXISTS (SELECT 1 FROM story_items si WHERE si.item_id = i.id)
     ORDER BY i.id`.execute(trx.withoutPlugins());
  const more = read === batch;
  if (!more) {
    await sql`UPDATE story_clock SET linked_through = greatest(coalesce(linked_through, '-infinity'), ${new Date(now.getTime() - SWEEP_MARGIN_MS)}) WHERE id = 1`.execute(trx);
  }
  const pending = rows.map((r) => {
    const features = storyFeatures({ title: r.title, text: r.text ?? (r.contentHtml ? stripTags(r.contentHtml) : null), canonicalUrl: r.canonicalUrl });
    return {
      itemId: Number(r.id),
      sourceId: r.sourceId,
      urlKey: features.urlKey,
      titleKey: features.titleKey,
      shingles: features.shingles,
      publishedAt: r.publishedAt,
      rank: representativeRank(r.sourceId, opts),
      keys: features.keys,
    };
  });
  return { pending, more, next: last === null ? sweepFrom : last + 1 };
}

/** Items stored this much longer ago than the window are never swept (their keys would be pruned already). */
const SWEEP_FLOOR_MARGIN_MS = 24 * 3600_000;

function representativeBefore(a: { rank: number; publishedAt: Date; itemId: number }, b: { rank: number; publishedAt: Date; itemId: number }): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.publishedAt.getTime() !== b.publishedAt.getTime()) return a.publishedAt < b.publishedAt;
  return a.itemId < b.itemId;
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
  const links = (await db.selectFrom('storyItems').select(['itemId', 'storyId']).where('itemId', 'in', [...itemIds]).execute()).flatMap((l) =>
    l.storyId === null ? [] : [{ itemId: l.itemId, storyId: l.storyId }],
  );
  if (links.length === 0) return out;
  const storyIds = [...new Set(links.map((l) => l.storyId))];
  const stories = await db.selectFrom('stories').select(['id', 'representativeItemId', 'updatedAt']).where('id', 'in', storyIds).execute();
  const members = await db
    .selectFrom('storyItems as si')
    .innerJoin('items as i', 'i.id', 'si.itemId')
    .innerJoin('sources as s', 's.id', 'si.sourceId')
    .select(['si.storyId', 'si.itemId', 'si.sourceId', 's.name as sourceName', 'i.title', 'i.url', 'si.publishedAt', 'si.layer', 'si.score', 'si.matchedItemId'])
    .where('si.storyId', 'in', storyIds)
    .where('si.storyId', 'is not', null) // lets the planner use the partial story_items_story_idx
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

/** Stored items re-keyed per transaction (sql/0009). */
const REKEY_BATCH = 2000;

/**
 * One step of sql/0009's re-keying, under the story_clock lock: the next
 * REKEY_BATCH stored items still keyed with 6 × 3 bands lose those keys and
 * get 8 × 4 band keys, computed from their stored shingles (their URL and
 * title keys do not change). Items whose keys were pruned had none to lose
 * and get none. Returns how many items were re-keyed, or null when nothing
 * is left to do (or ever was).
 */
export async function rekeyStoredStories(db: Kysely<Database>): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    const { rows: clock } = await sql<{ rekeyFrom: number | null; rekeyBelow: number | null }>`
      SELECT rekey_from, rekey_below FROM story_clock WHERE id = 1 FOR UPDATE`.execute(trx);
    const from = clock[0]?.rekeyFrom == null ? null : Number(clock[0].rekeyFrom);
    const below = clock[0]?.rekeyBelow == null ? null : Number(clock[0].rekeyBelow);
    if (from === null || below === null || from >= below) return null;
    const { rows } = await sql<{ itemId: number; shingles: number[] | null; publishedAt: Date }>`
      SELECT si.item_id AS "itemId", to_json(si.shingles) AS shingles, si.published_at AS "publishedAt"
        FROM story_items si
       WHERE si.item_id >= ${from}::bigint AND si.item_id < ${below}::bigint
       ORDER BY si.item_id
       LIMIT ${REKEY_BATCH}`.execute(trx.withoutPlugins());
    const next = rows.length === REKEY_BATCH ? Number(rows[rows.length - 1]!.itemId) + 1 : below;
    if (rows.length > 0) {
      const old: [string, number][] = [];
      const fresh = new Map<number, { keys: string[]; publishedAt: Date }>();
      for (const r of rows) {
        const sig = signature(r.shingles ?? []);
        for (const key of legacyBandKeys(sig)) old.push([key, Number(r.itemId)]);
        fresh.set(Number(r.itemId), { keys: bandKeys(sig), publishedAt: r.publishedAt });
      }
      // Old keys go through story_keys_lookup_idx (key first); only items that had some get new ones.
      const { rows: had } = await sql<{ itemId: number }>`
        DELETE FROM story_keys sk USING unnest(${old.map((o) => o[0])}::bigint[], ${old.map((o) => o[1])}::bigint[]) AS o(key, item_id)
         WHERE sk.key = o.key AND sk.item_id = o.item_id
        RETURNING sk.item_id AS "itemId"`.execute(trx.withoutPlugins());
      const keyRows = [...new Set(had.map((h) => Number(h.itemId)))].flatMap((id) => {
        const f = fresh.get(id)!;
        return [...new Set(f.keys)].map((key) => [key, f.publishedAt.toISOString(), id] as const);
      });
      if (keyRows.length > 0) {
        await sql`
          INSERT INTO story_keys (key, published_at, item_id)
          SELECT * FROM unnest(${keyRows.map((k) => k[0])}::bigint[], ${keyRows.map((k) => k[1])}::timestamptz[], ${keyRows.map((k) => k[2])}::bigint[])`.execute(trx);
      }
    }
    await sql`UPDATE story_clock SET rekey_from = ${next}::bigint WHERE id = 1`.execute(trx);
    return rows.length;
  });
}

/**
 * Deletes up to `limit` story keys of items both published and first seen
 * before `before` (or deleted): a copy of such an item could only find it
 * through them if it came days late with an old date. Keys of an old item
 * stored only now (a backdated item, a feed added today) stay until the item
 * itself is that old in the store. story_keys_published_brin finds the
 * candidates. The items stay in their stories. Returns how many went.
 */
export async function pruneStoryKeys(db: Executor, before: Date, limit: number): Promise<number> {
  const res = await sql`
    DELETE FROM story_keys
     WHERE ctid = ANY(ARRAY(
       SELECT k.ctid FROM story_keys k LEFT JOIN items i ON i.id = k.item_id
        WHERE k.published_at < ${before} AND (i.id IS NULL OR i.first_seen_at < ${before})
        LIMIT ${limit}))`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}

/**
 * Those of these items still waiting for the story linker (no story_items
 * row yet), first seen less than `holdMs` ago. Collapsed feeds hold them
 * back, so a copy is not shown as an entry of its own moments before it
 * joins its story; past holdMs (a linker that is off or failing) they are
 * shown as they are.
 */
export async function awaitingStory(db: Executor, itemIds: readonly number[], holdMs: number): Promise<Set<number>> {
  if (itemIds.length === 0) return new Set();
  const { rows } = await sql<{ id: number }>`
    SELECT i.id FROM items i
     WHERE i.id = ANY(${[...itemIds]}::bigint[]) AND i.first_seen_at > ${new Date(Date.now() - holdMs)}
       AND NOT EXISTS (SELECT 1 FROM story_items si WHERE si.item_id = i.id)`.execute(db);
  return new Set(rows.map((r) => Number(r.id)));
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
