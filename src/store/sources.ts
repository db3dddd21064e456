import { sql } from 'kysely';
import type { SourceSpec } from '../domain/source';
import type { Executor } from './open';

/**
 * Makes the sources and feeds tables say what the YAML says. A source or
 * feed that left the YAML is disabled, never deleted: its items stay.
 */
export async function syncSources(db: Executor, specs: readonly SourceSpec[]): Promise<void> {
  const ids = specs.map((s) => s.id);
  for (const s of specs) {
    await db
      .insertInto('sources')
      .values({ id: s.id, name: s.name, tags: [...s.tags], headers: JSON.stringify(s.headers), enabled: true })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ name: s.name, tags: [...s.tags], headers: JSON.stringify(s.headers), enabled: true, updatedAt: sql`now()` }),
      )
      .execute();
    for (const url of s.feeds) {
      await db
        .insertInto('feeds')
        .values({ sourceId: s.id, url, intervalSeconds: s.intervalSeconds })
        .onConflict((oc) =>
          oc.columns(['sourceId', 'url']).doUpdateSet({
            intervalSeconds: s.intervalSeconds,
            // Re-enable a feed that was dropped from the YAML and came back, but not one a 410 disabled.
            enabled: sql`feeds.enabled OR feeds.disabled_reason = 'removed from config'`,
            disabledReason: sql`CASE WHEN feeds.disabled_reason = 'removed from config' THEN NULL ELSE feeds.disabled_reason END`,
          }),
        )
        .execute();
    }
    await db
      .updateTable('feeds')
      .set({ enabled: false, disabledReason: 'removed from config' })
      .where('sourceId', '=', s.id)
      .where('enabled', '=', true)
      .where('url', 'not in', [...s.feeds])
      .execute();
  }
  let gone = db.updateTable('sources').set({ enabled: false, updatedAt: sql`now()` }).where('enabled', '=', true);
  if (ids.length > 0) gone = gone.where('id', 'not in', ids);
  await gone.execute();
}

export interface SourceStatus {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly tags: readonly string[];
  readonly itemCount: number;
  readonly feeds: readonly FeedStatus[];
}

export interface FeedStatus {
  readonly id: number;
  readonly url: string;
  /** Where a 301/308 moved the feed, if anywhere. */
  readonly fetchUrl: string | null;
  readonly fetchCount: number;
  readonly notModifiedCount: number;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly lastFetchedAt: Date | null;
  readonly lastSuccessAt: Date | null;
  readonly lastStatus: string | null;
  readonly lastError: string | null;
  readonly lastErrorCode: string | null;
  readonly errorCount: number;
  readonly nextFetchAt: Date;
}

export async function listSourceStatus(db: Executor): Promise<SourceStatus[]> {
  const sources = await db
    .selectFrom('sources')
    .select(['id', 'name', 'enabled', 'tags'])
    .select((eb) => eb.selectFrom('items').whereRef('items.sourceId', '=', 'sources.id').select(eb.fn.countAll<number>().as('n')).as('itemCount'))
    .orderBy('id')
    .execute();
  const feeds = await db
    .selectFrom('feeds')
    .select([
      'id', 'sourceId', 'url', 'fetchUrl', 'fetchCount', 'notModifiedCount', 'enabled', 'disabledReason', 'lastFetchedAt', 'lastSuccessAt', 'lastStatus', 'lastError', 'lastErrorCode',
      'errorCount', 'nextFetchAt',
    ])
    .orderBy('id')
    .execute();
  return sources.map((s) => ({
    id: s.id,
    name: s.name,
    enabled: s.enabled,
    tags: s.tags,
    itemCount: Number(s.itemCount ?? 0),
    feeds: feeds.filter((f) => f.sourceId === s.id).map(({ sourceId: _sourceId, ...f }) => f),
  }));
}
