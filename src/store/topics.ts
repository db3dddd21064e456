import { sql } from 'kysely';
import type { Executor } from './open';

export interface TopicRecord {
  readonly slug: string;
  readonly title: string;
  readonly ruleHash: string;
}

/** A topic whose stored membership does not match its rule yet. */
export interface BackfillJob {
  readonly slug: string;
  readonly ruleHash: string;
  /** Items with ids up to this one are already done for ruleHash. */
  readonly after: number;
}

/**
 * Writes the configured topics and returns those whose membership must be
 * recomputed: new topics, changed rules, and backfills a restart cut short
 * (members_hash lags rule_hash; backfill_cursor says where to resume).
 */
export async function syncTopics(db: Executor, topics: readonly TopicRecord[]): Promise<BackfillJob[]> {
  const existing = new Map(
    (await db.selectFrom('topics').select(['slug', 'ruleHash', 'membersHash', 'backfillCursor']).execute()).map((t) => [t.slug, t]),
  );
  const jobs: BackfillJob[] = [];
  for (const t of topics) {
    const old = existing.get(t.slug);
    const sameRule = old?.ruleHash === t.ruleHash;
    if (!old || old.membersHash !== t.ruleHash) jobs.push({ slug: t.slug, ruleHash: t.ruleHash, after: sameRule ? Number(old.backfillCursor ?? 0) : 0 });
    await db
      .insertInto('topics')
      .values({ slug: t.slug, title: t.title, ruleHash: t.ruleHash, backfillCursor: 0 })
      .onConflict((oc) =>
        oc.column('slug').doUpdateSet({
          title: t.title,
          ruleHash: t.ruleHash,
          updatedAt: sql`now()`,
          // A new rule starts its backfill from the first item.
          backfillCursor: sameRule ? sql`topics.backfill_cursor` : 0,
          changedAt: sql`CASE WHEN topics.title = ${t.title} THEN topics.changed_at ELSE now() END`,
        }),
      )
      .execute();
  }
  return jobs;
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

/** Per topic: member count, newest member's first-seen, and the last backfill change. */
export async function topicStats(db: Executor): Promise<{ slug: string; count: number; latest: Date | null; changedAt: Date }[]> {
  const rows = await db
    .selectFrom('topics')
    .leftJoin('itemTopics', 'itemTopics.topicSlug', 'topics.slug')
    .select((eb) => ['topics.slug', 'topics.changedAt', eb.fn.count<number>('itemTopics.itemId').as('count'), eb.fn.max('itemTopics.publishedAt').as('latest')])
    .groupBy(['topics.slug', 'topics.changedAt'])
    .execute();
  return rows.map((r) => ({ slug: r.slug, count: Number(r.count), latest: (r.latest as Date | null) ?? null, changedAt: r.changedAt }));
}
