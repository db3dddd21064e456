import type { Executor } from './open';

export interface ItemForMatching {
  readonly id: number;
  readonly sourceId: string;
  readonly title: string;
  readonly summary: string | null;
  readonly contentHtml: string | null;
  readonly categories: readonly string[];
  readonly publishedAt: Date;
}

/** A page of stored items in id order (keyset on the primary key). */
export async function itemsAfter(db: Executor, afterId: number, limit: number): Promise<ItemForMatching[]> {
  return db
    .selectFrom('items')
    .select(['id', 'sourceId', 'title', 'summary', 'contentHtml', 'categories', 'publishedAt'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Replaces the membership of `slugs` for these items with `members`. */
export async function replaceMemberships(
  db: Executor,
  slugs: readonly string[],
  itemIds: readonly number[],
  members: readonly { topicSlug: string; itemId: number; publishedAt: Date }[],
): Promise<void> {
  if (slugs.length === 0 || itemIds.length === 0) return;
  await db.deleteFrom('itemTopics').where('topicSlug', 'in', [...slugs]).where('itemId', 'in', [...itemIds]).execute();
  if (members.length > 0) await db.insertInto('itemTopics').values([...members]).onConflict((oc) => oc.doNothing()).execute();
}

/** Drops the membership of topics that are no longer configured. */
export async function dropTopicsExcept(db: Executor, keep: readonly string[]): Promise<void> {
  let q = db.deleteFrom('itemTopics');
  if (keep.length > 0) q = q.where('topicSlug', 'not in', [...keep]);
  await q.execute();
  let t = db.deleteFrom('topics');
  if (keep.length > 0) t = t.where('slug', 'not in', [...keep]);
  await t.execute();
}
