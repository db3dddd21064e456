import { sql } from 'kysely';
import type { StoredItem } from '../domain/stored';
import type { Executor } from './open';

/** A position in a feed, newest first: (published_at, id) of an item. */
export interface PageCursor {
  readonly publishedAt: Date;
  readonly id: number;
}

export interface ItemQuery {
  readonly topic?: string | null;
  readonly sourceId?: string | null;
  readonly limit: number;
  /** Only items strictly older than this position (the next, older page). */
  readonly before?: PageCursor | null;
  /** Only items strictly newer than this position (the previous, newer page). */
  readonly after?: PageCursor | null;
  /** Only items published at or after this time (a topic's maxAge). */
  readonly since?: Date | null;
}

export interface FeedPage {
  /** Newest first. */
  readonly items: StoredItem[];
  /** Older items exist beyond the last one. */
  readonly hasOlder: boolean;
  /** Newer items exist before the first one. */
  readonly hasNewer: boolean;
}

const ITEM_COLUMNS = [
  'items.id', 'items.sourceId', 'sources.name as sourceName', 'feeds.url as sourceFeedUrl', 'items.guid', 'items.url', 'items.title', 'items.summary',
  'items.contentHtml', 'items.author', 'items.categories', 'items.enclosures', 'items.publishedAt', 'items.updatedAt',
  'items.firstSeenAt',
] as const;

/**
 * One page of a feed, newest first, by keyset on (published_at, id): never
 * OFFSET, so a page costs the same however deep it is, and items arriving
 * meanwhile shift nothing. A topic is read through item_topics_feed_idx
 * (topic_slug, published_at DESC, item_id DESC); a source through
 * items_source_published_idx; everything through items_published_idx.
 */
export async function listPage(db: Executor, q: ItemQuery): Promise<FeedPage> {
  const newerFirst = !q.after;
  const dir = newerFirst ? 'desc' : 'asc';
  // Columns of the index the query walks, as raw SQL for the row comparison.
  const [pubCol, idCol] = q.topic ? ['item_topics.published_at', 'item_topics.item_id'] : ['items.published_at', 'items.id'];
  let query = q.topic
    ? db
        .selectFrom('itemTopics')
        .innerJoin('items', 'items.id', 'itemTopics.itemId')
        .innerJoin('sources', 'sources.id', 'items.sourceId')
        .innerJoin('feeds', 'feeds.id', 'items.feedId')
        .select(ITEM_COLUMNS)
        .where('itemTopics.topicSlug', '=', q.topic)
        .orderBy('itemTopics.publishedAt', dir)
        .orderBy('itemTopics.itemId', dir)
    : db
        .selectFrom('items')
        .innerJoin('sources', 'sources.id', 'items.sourceId')
        .innerJoin('feeds', 'feeds.id', 'items.feedId')
        .select(ITEM_COLUMNS)
        .orderBy('items.publishedAt', dir)
        .orderBy('items.id', dir);
  if (q.sourceId) query = query.where('items.sourceId', '=', q.sourceId);
  if (q.since) query = query.where(sql.raw<Date>(pubCol), '>=', q.since);
  if (q.before) query = query.where(sql<boolean>`(${sql.raw(pubCol)}, ${sql.raw(idCol)}) < (${q.before.publishedAt}, ${q.before.id})`);
  if (q.after) query = query.where(sql<boolean>`(${sql.raw(pubCol)}, ${sql.raw(idCol)}) > (${q.after.publishedAt}, ${q.after.id})`);
  const rows = await query.limit(q.limit + 1).execute();
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit).map((r) => ({ ...r, enclosures: r.enclosures ?? [], categories: r.categories ?? [] }));
  if (!newerFirst) items.reverse();
  return newerFirst ? { items, hasOlder: more, hasNewer: !!q.before } : { items, hasOlder: true, hasNewer: more };
}

/** Newest first, the first page only (the API). */
export async function listItems(db: Executor, q: ItemQuery): Promise<StoredItem[]> {
  return (await listPage(db, q)).items;
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

/**
 * The newest change in a feed (a topic, a source, or everything): drives
 * Last-Modified and the render cache. A backfill that moves items in or out
 * of a topic changes no item row, so the topic's changed_at counts too.
 */
export async function topicVersion(
  db: Executor,
  topic: string | null,
  sourceId: string | null = null,
): Promise<{ count: number; latest: Date | null; maxId: number | null }> {
  let row;
  if (topic) {
    row = await db
      .selectFrom('itemTopics')
      .innerJoin('items', 'items.id', 'itemTopics.itemId')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max('items.lastSeenAt').as('latest'), eb.fn.max('items.id').as('maxId')])
      .where('itemTopics.topicSlug', '=', topic)
      .executeTakeFirst();
  } else {
    let q = db
      .selectFrom('items')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max('items.lastSeenAt').as('latest'), eb.fn.max('items.id').as('maxId')]);
    if (sourceId) q = q.where('items.sourceId', '=', sourceId);
    row = await q.executeTakeFirst();
  }
  let latest = (row?.latest as Date | null) ?? null;
  if (topic) {
    const t = await db.selectFrom('topics').select('changedAt').where('slug', '=', topic).executeTakeFirst();
    if (t && (!latest || t.changedAt > latest)) latest = t.changedAt;
  }
  return { count: Number(row?.count ?? 0), latest, maxId: row?.maxId === null || row?.maxId === undefined ? null : Number(row.maxId) };
}
