import { sql } from 'kysely';
import type { Executor } from './open';

export interface ItemForMatching {
  readonly id: number;
  readonly sourceId: string;
  readonly sourceTags: readonly string[];
  readonly title: string;
  readonly summary: string | null;
  readonly contentHtml: string | null;
  readonly author: string | null;
  readonly categories: readonly string[];
  readonly language: string | null;
  readonly publishedAt: Date;
}

/** A page of stored items in id order (keyset on the primary key), optionally only those published since a time. */
export async function itemsAfter(db: Executor, afterId: number, limit: number, since: Date | null = null): Promise<ItemForMatching[]> {
  let q = db
    .selectFrom('items')
    .innerJoin('sources', 'sources.id', 'items.sourceId')
    .select([
      'items.id', 'items.sourceId', 'sources.tags as sourceTags', 'items.title', 'items.summary', 'items.contentHtml', 'items.author',
      'items.categories', 'items.language', 'items.publishedAt',
    ])
    .where('items.id', '>', afterId);
  if (since) q = q.where('items.publishedAt', '>=', since);
  const rows = await q.orderBy('items.id').limit(limit).execute();
  return rows.map((r) => ({ ...r, sourceTags: r.sourceTags ?? [], categories: r.categories ?? [] }));
}

export interface Membership {
  readonly topicSlug: string;
  readonly itemId: number;
  readonly publishedAt: Date;
}

/** The stored membership of `slugs` among these items. */
export async function membershipsOf(db: Executor, slugs: readonly string[], itemIds: readonly number[]): Promise<{ topicSlug: string; itemId: number }[]> {
  if (slugs.length === 0 || itemIds.length === 0) return [];
  return db
    .selectFrom('itemTopics')
    .select(['topicSlug', 'itemId'])
    .where('topicSlug', 'in', [...slugs])
    .where('itemId', '=', sql<number>`ANY(${[...itemIds]}::bigint[])`)
    .execute();
}

/**
 * Applies one backfill batch: the membership of `slugs` among these items
 * becomes `members`. Only the difference is written; topics that gained or
 * lost an item get changed_at = now(), and every slug's cursor moves to
 * `cursor`, so a restart resumes after this batch.
 */
export async function applyBackfillBatch(
  db: Executor,
  slugs: readonly string[],
  itemIds: readonly number[],
  members: readonly Membership[],
  cursor: number,
): Promise<{ added: number; removed: number }> {
  if (slugs.length === 0) return { added: 0, removed: 0 };
  const stored = await membershipsOf(db, slugs, itemIds);
  const key = (m: { topicSlug: string; itemId: number }) => `${m.topicSlug}\u0000${m.itemId}`;
  const want = new Map(members.map((m) => [key(m), m]));
  const have = new Set(stored.map(key));
  const toAdd = [...want.values()].filter((m) => !have.has(key(m)));
  const toRemove = stored.filter((m) => !want.has(key(m)));
  const touched = new Set([...toAdd, ...toRemove].map((m) => m.topicSlug));
  for (const slug of new Set(toRemove.map((m) => m.topicSlug))) {
    const ids = toRemove.filter((m) => m.topicSlug === slug).map((m) => m.itemId);
    await db.deleteFrom('itemTopics').where('topicSlug', '=', slug).where('itemId', '=', sql<number>`ANY(${ids}::bigint[])`).execute();
  }
  if (toAdd.length > 0) await db.insertInto('itemTopics').values(toAdd.map((m) => ({ ...m }))).onConflict((oc) => oc.doNothing()).execute();
  await db.updateTable('topics').set({ backfillCursor: cursor }).where('slug', 'in', [...slugs]).execute();
  if (touched.size > 0) await db.updateTable('topics').set({ changedAt: sql`now()` }).where('slug', 'in', [...touched]).execute();
  return { added: toAdd.length, removed: toRemove.length };
}

/** Marks a backfill complete, unless the rule changed again meanwhile. */
export async function finishBackfill(db: Executor, slug: string, ruleHash: string): Promise<void> {
  await db.updateTable('topics').set({ membersHash: ruleHash, backfillCursor: null }).where('slug', '=', slug).where('ruleHash', '=', ruleHash).execute();
}
