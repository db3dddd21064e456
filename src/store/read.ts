import type { StoredItem } from '../domain/stored';
import type { Executor } from './open';

export interface ItemQuery {
  readonly topic?: string | null;
  readonly sourceId?: string | null;
  readonly limit: number;
}

const ITEM_COLUMNS = [
  'items.id', 'items.sourceId', 'sources.name as sourceName', 'items.guid', 'items.url', 'items.title', 'items.summary',
  'items.contentHtml', 'items.author', 'items.categories', 'items.enclosures', 'items.publishedAt', 'items.updatedAt',
  'items.firstSeenAt',
] as const;

/**
 * Newest first. A topic is read through item_topics_feed_idx (topic_slug,
 * published_at DESC, item_id DESC), so the feed is one index range scan.
 */
export async function listItems(db: Executor, q: ItemQuery): Promise<StoredItem[]> {
  let query;
  if (q.topic) {
    query = db
      .selectFrom('itemTopics')
      .innerJoin('items', 'items.id', 'itemTopics.itemId')
      .innerJoin('sources', 'sources.id', 'items.sourceId')
      .select(ITEM_COLUMNS)
      .where('itemTopics.topicSlug', '=', q.topic)
      .orderBy('itemTopics.publishedAt', 'desc')
      .orderBy('itemTopics.itemId', 'desc');
  } else {
    query = db
      .selectFrom('items')
      .innerJoin('sources', 'sources.id', 'items.sourceId')
      .select(ITEM_COLUMNS)
      .orderBy('items.publishedAt', 'desc')
      .orderBy('items.id', 'desc');
  }
  if (q.sourceId) query = query.where('items.sourceId', '=', q.sourceId);
  const rows = await query.limit(q.limit).execute();
  return rows.map((r) => ({ ...r, enclosures: r.enclosures ?? [], categories: r.categories ?? [] }));
}

/** Topic slugs per item id, for the API. */
export async function topicsOf(db: Executor, itemIds: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (itemIds.length === 0) return out;
  const rows = await db
    .selectFrom('itemTopics')
    .select(['itemId', 'topicSlug'])
    .where('itemId', 'in', [...itemIds])
    .orderBy('topicSlug')
    .execute();
  for (const r of rows) {
    const list = out.get(r.itemId);
    if (list) list.push(r.topicSlug);
    else out.set(r.itemId, [r.topicSlug]);
  }
  return out;
}

/** The newest change in a topic: drives Last-Modified and the ETag. */
export async function topicVersion(db: Executor, topic: string | null): Promise<{ count: number; latest: Date | null; maxId: number | null }> {
  const row = topic
    ? await db
        .selectFrom('itemTopics')
        .innerJoin('items', 'items.id', 'itemTopics.itemId')
        .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max('items.lastSeenAt').as('latest'), eb.fn.max('items.id').as('maxId')])
        .where('itemTopics.topicSlug', '=', topic)
        .executeTakeFirst()
    : await db
        .selectFrom('items')
        .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max('items.lastSeenAt').as('latest'), eb.fn.max('items.id').as('maxId')])
        .executeTakeFirst();
  return { count: Number(row?.count ?? 0), latest: (row?.latest as Date | null) ?? null, maxId: row?.maxId === null || row?.maxId === undefined ? null : Number(row.maxId) };
}
