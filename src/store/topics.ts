import { sql } from 'kysely';
import type { Executor } from './open';

export interface TopicRecord {
  readonly slug: string;
  readonly title: string;
  readonly ruleHash: string;
}

/** Writes the configured topics; returns the slugs that are new or whose rule changed. */
export async function syncTopics(db: Executor, topics: readonly TopicRecord[]): Promise<string[]> {
  const existing = new Map((await db.selectFrom('topics').select(['slug', 'ruleHash']).execute()).map((t) => [t.slug, t.ruleHash]));
  const changed: string[] = [];
  for (const t of topics) {
    if (existing.get(t.slug) !== t.ruleHash) changed.push(t.slug);
    await db
      .insertInto('topics')
      .values({ slug: t.slug, title: t.title, ruleHash: t.ruleHash })
      .onConflict((oc) => oc.column('slug').doUpdateSet({ title: t.title, ruleHash: t.ruleHash, updatedAt: sql`now()` }))
      .execute();
  }
  return changed;
}
