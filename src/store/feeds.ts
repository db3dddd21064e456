import { sql } from 'kysely';
import type { FeedTask } from '../domain/source';
import type { Executor } from './open';

export interface ClaimOptions {
  readonly workerId: string;
  readonly limit: number;
  /** How long the claim holds; a crashed worker's feeds come back after it. */
  readonly leaseSeconds: number;
  /** Claim every enabled feed, due or not (the `poll` command). */
  readonly ignoreSchedule?: boolean;
  readonly sourceId?: string | null;
}

/**
 * Claims feeds in one statement: the CTE picks due, unleased feeds with
 * FOR UPDATE SKIP LOCKED, so replicas on one Postgres never pick the same
 * row, and the UPDATE writes the lease.
 */
export async function claimFeeds(db: Executor, o: ClaimOptions): Promise<FeedTask[]> {
  const rows = await sql<{
    feedId: number;
    sourceId: string;
    sourceName: string;
    sourceTags: string[];
    headers: Record<string, string>;
    url: string;
    etag: string | null;
    lastModified: string | null;
    intervalSeconds: number;
    errorCount: number;
    feedHintSeconds: number | null;
  }>`
    WITH due AS (
      SELECT f.id
      FROM feeds f JOIN sources s ON s.id = f.source_id
      WHERE f.enabled AND s.enabled
        AND (${o.ignoreSchedule ?? false}::boolean OR f.next_fetch_at <= now())
        AND (f.locked_until IS NULL OR f.locked_until < now())
        AND (${o.sourceId ?? null}::text IS NULL OR f.source_id = ${o.sourceId ?? null}::text)
      ORDER BY f.next_fetch_at, f.id
      LIMIT ${o.limit}
      FOR UPDATE OF f SKIP LOCKED
    )
    UPDATE feeds f
    SET locked_by = ${o.workerId}, locked_until = now() + make_interval(secs => ${o.leaseSeconds})
    FROM due, sources s
    WHERE f.id = due.id AND s.id = f.source_id
    RETURNING f.id AS "feedId", f.source_id AS "sourceId", s.name AS "sourceName", s.tags AS "sourceTags", s.headers AS "headers",
      coalesce(f.fetch_url, f.url) AS "url", f.etag AS "etag", f.last_modified AS "lastModified", f.interval_seconds AS "intervalSeconds",
      f.error_count AS "errorCount", f.feed_hint_seconds AS "feedHintSeconds"`.execute(db);
  return rows.rows.map((r) => ({ ...r, sourceTags: r.sourceTags ?? [], headers: r.headers ?? {} }));
}

export type FetchOutcome =
  | {
      readonly kind: 'ok' | 'not_modified';
      readonly status: string;
      readonly etag: string | null;
      readonly lastModified: string | null;
      readonly title?: string | null;
      readonly nextFetchAt: Date;
      /** A warning to keep (recovered a truncated feed): shown as the last error, with no error count. */
      readonly warning?: string | null;
      readonly newUrl?: string | null;
      /** From a 200: the feed's <ttl>/sy:updatePeriod hint to keep for later 304s (null: it gave none). */
      readonly feedHintSeconds?: number | null;
    }
  | {
      readonly kind: 'error';
      readonly code: string;
      readonly message: string;
      readonly nextFetchAt: Date;
      /** Counts as an error (backoff); a rate limit does not. */
      readonly countsAsError: boolean;
      readonly disable?: string | null;
    };

/** Records one fetch and releases the lease; only the worker that holds it may. */
export async function recordFetch(db: Executor, feedId: number, workerId: string, outcome: FetchOutcome): Promise<void> {
  const common = {
    lastFetchedAt: sql<Date>`now()`,
    nextFetchAt: outcome.nextFetchAt,
    lockedBy: null,
    lockedUntil: null,
    fetchCount: sql<number>`fetch_count + 1`,
  };
  let q;
  if (outcome.kind === 'error') {
    q = db.updateTable('feeds').set({
      ...common,
      lastStatus: 'error',
      lastError: outcome.message.slice(0, 2000),
      lastErrorCode: outcome.code,
      errorCount: outcome.countsAsError ? sql<number>`error_count + 1` : sql<number>`error_count`,
      ...(outcome.disable ? { enabled: false, disabledReason: outcome.disable } : {}),
    });
  } else {
    q = db.updateTable('feeds').set({
      ...common,
      lastSuccessAt: sql<Date>`now()`,
      lastStatus: outcome.status,
      lastError: outcome.warning ?? null,
      lastErrorCode: outcome.warning ? 'warning' : null,
      errorCount: 0,
      ...(outcome.kind === 'not_modified' ? { notModifiedCount: sql<number>`not_modified_count + 1` } : {}),
      // Both validators are refreshed on every 200 and 304; a server that stops sending one clears it.
      etag: outcome.etag,
      lastModified: outcome.lastModified,
      ...(outcome.title ? { title: outcome.title } : {}),
      ...(outcome.newUrl ? { fetchUrl: outcome.newUrl } : {}),
      ...(outcome.feedHintSeconds !== undefined ? { feedHintSeconds: outcome.feedHintSeconds } : {}),
    });
  }
  // A worker whose lease expired (and was taken over) must not overwrite the new holder's state.
  await q.where('id', '=', feedId).where('lockedBy', '=', workerId).execute();
}

/**
 * Takes back the error counts a poll just added when every feed of it failed
 * at the network level (our own network or DNS is down, not the feeds): each
 * count goes back to what it was, and the feed is tried again at nextFetchAt.
 * Only rows still showing that network error are touched.
 */
export async function forgiveOutage(
  db: Executor,
  feeds: readonly { feedId: number; errorCount: number }[],
  codes: readonly string[],
  nextFetchAt: Date,
): Promise<number> {
  let n = 0;
  for (const f of feeds) {
    const r = await db
      .updateTable('feeds')
      .set({ errorCount: f.errorCount, nextFetchAt })
      .where('id', '=', f.feedId)
      .where('lockedBy', 'is', null)
      .where('lastErrorCode', 'in', [...codes])
      .executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  return n;
}

/** New items a feed brought since a time (items_feed_first_seen_idx): the adaptive schedule's input. */
export async function countItemsSince(db: Executor, feedId: number, since: Date): Promise<number> {
  const r = await db
    .selectFrom('items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('feedId', '=', feedId)
    .where('firstSeenAt', '>=', since)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/**
 * Extends a lease just before its fetch starts. A claimed feed can wait in
 * the per-host queue for a while; if its lease ran out meanwhile and another
 * worker took it, this returns false and the fetch is skipped, so no feed is
 * fetched twice.
 */
export async function renewLease(db: Executor, feedId: number, workerId: string, leaseSeconds: number): Promise<boolean> {
  const r = await db
    .updateTable('feeds')
    .set({ lockedUntil: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', '=', feedId)
    .where('lockedBy', '=', workerId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Gives back a worker's unfinished leases (graceful shutdown). */
export async function releaseLeases(db: Executor, workerId: string): Promise<number> {
  const r = await db.updateTable('feeds').set({ lockedBy: null, lockedUntil: null }).where('lockedBy', '=', workerId).executeTakeFirst();
  return Number(r.numUpdatedRows);
}
