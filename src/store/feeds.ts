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

/** One fetch to record: the feed, the worker holding its lease, and what happened. */
export interface FetchRecord {
  readonly feedId: number;
  readonly workerId: string;
  readonly outcome: FetchOutcome;
}

/**
 * Records fetches and releases their leases, in one statement for any
 * number of feeds (the poll's fetch-state writes are group-committed, see
 * FetchRecorder). Only the worker that holds a feed's lease may record it:
 * a worker whose lease expired (and was taken over) must not overwrite the
 * new holder's state. A feed appears at most once per call.
 *
 * Every fetch: last_fetched_at, next_fetch_at, fetch_count, lease released.
 * A success (200 or 304): error count reset, validators refreshed (a server
 * that stops sending one clears it), the title, moved URL and feed hint kept
 * when given, a warning kept as the last error with code 'warning'. An error:
 * its message and code, the error count raised when it counts, the feed
 * disabled when the outcome says so; validators and title are untouched.
 */
export async function recordFetches(db: Executor, records: readonly FetchRecord[]): Promise<void> {
  if (records.length === 0) return;
  const col = <T>(f: (r: FetchRecord) => T) => records.map(f);
  const ok = (r: FetchRecord) => (r.outcome.kind === 'error' ? null : r.outcome);
  const err = (r: FetchRecord) => (r.outcome.kind === 'error' ? r.outcome : null);
  await sql`
    UPDATE feeds f
       SET last_fetched_at = now(),
           next_fetch_at = m.next_fetch_at,
           locked_by = NULL,
           locked_until = NULL,
           fetch_count = f.fetch_count + 1,
           last_status = m.status,
           last_error = m.last_error,
           last_error_code = m.last_error_code,
           last_success_at = CASE WHEN m.ok THEN now() ELSE f.last_success_at END,
           error_count = CASE WHEN m.ok THEN 0 WHEN m.counts THEN f.error_count + 1 ELSE f.error_count END,
           not_modified_count = f.not_modified_count + CASE WHEN m.not_modified THEN 1 ELSE 0 END,
           etag = CASE WHEN m.ok THEN m.etag ELSE f.etag END,
           last_modified = CASE WHEN m.ok THEN m.last_modified ELSE f.last_modified END,
           title = coalesce(m.title, f.title),
           fetch_url = coalesce(m.new_url, f.fetch_url),
           feed_hint_seconds = CASE WHEN m.hint_given THEN m.hint ELSE f.feed_hint_seconds END,
           enabled = f.enabled AND m.disable IS NULL,
           disabled_reason = coalesce(m.disable, f.disabled_reason)
      FROM unnest(
             ${col((r) => r.feedId)}::bigint[], ${col((r) => r.workerId)}::text[], ${col((r) => r.outcome.nextFetchAt.toISOString())}::timestamptz[],
             ${col((r) => ok(r) !== null)}::boolean[], ${col((r) => ok(r)?.status ?? 'error')}::text[],
             ${col((r) => err(r)?.message.slice(0, 2000) ?? ok(r)?.warning ?? null)}::text[],
             ${col((r) => err(r)?.code ?? (ok(r)?.warning ? 'warning' : null))}::text[],
             ${col((r) => err(r)?.countsAsError ?? false)}::boolean[], ${col((r) => r.outcome.kind === 'not_modified')}::boolean[],
             ${col((r) => ok(r)?.etag ?? null)}::text[], ${col((r) => ok(r)?.lastModified ?? null)}::text[],
             ${col((r) => ok(r)?.title || null)}::text[], ${col((r) => ok(r)?.newUrl || null)}::text[],
             ${col((r) => ok(r)?.feedHintSeconds !== undefined)}::boolean[], ${col((r) => ok(r)?.feedHintSeconds ?? null)}::integer[],
             ${col((r) => err(r)?.disable || null)}::text[])
           AS m(feed_id, worker_id, next_fetch_at, ok, status, last_error, last_error_code, counts, not_modified, etag, last_modified, title, new_url, hint_given, hint, disable)
     WHERE f.id = m.feed_id AND f.locked_by = m.worker_id`.execute(db);
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
