import { performance } from 'node:perf_hooks';
import type { FeedTask } from '../domain/source';
import { NETWORK_LEVEL_CODES } from '../fetch/errors';
import { ingestFeed, type IngestDeps, type IngestSummary } from './ingest-feed';
import { DEFAULT_POLICY } from './policy';
import { hostOf, runPooled } from './pool';

export interface PollOptions {
  /** Fetch every enabled feed now, due or not (the `poll` command). */
  readonly ignoreSchedule: boolean;
  readonly sourceId?: string | null;
  /** Fetches at once (global limit). */
  readonly concurrency: number;
  /** Fetches at once to one host. @default 2 */
  readonly perHost?: number;
  /** Lease length; longer than the longest fetch. */
  readonly leaseSeconds: number;
  /** Stop claiming more when aborted; fetches under way finish. */
  readonly signal?: AbortSignal;
  /** Cancel fetches under way (the shutdown grace ran out); their leases are given back by the caller. */
  readonly cancel?: AbortSignal;
}

/**
 * Claims feeds in batches (FOR UPDATE SKIP LOCKED, so replicas split them)
 * and ingests each one, until nothing is left to claim.
 */
export async function pollFeeds(deps: IngestDeps, opts: PollOptions): Promise<IngestSummary[]> {
  const summaries: IngestSummary[] = [];
  const errorCountBefore = new Map<number, number>();
  // `poll` claims every feed at once: fetched feeds lose their lease, so a second claim would take them again.
  const batch = opts.ignoreSchedule ? 1_000_000 : Math.max(opts.concurrency * 4, 16);
  // What earlier runs left unlinked, swept before this poll's items are stored (and while they are).
  deps.linker?.sweepIfDue();
  for (;;) {
    if (opts.signal?.aborted) break;
    // Taken before the claim is sent, so it is no later than the database's now() that starts the lease.
    const claimedAt = performance.now();
    const tasks = await deps.store.claimFeeds({
      workerId: deps.workerId,
      limit: batch,
      leaseSeconds: opts.leaseSeconds,
      ignoreSchedule: opts.ignoreSchedule,
      sourceId: opts.sourceId ?? null,
    });
    if (tasks.length === 0) break;
    for (const t of tasks) errorCountBefore.set(t.feedId, t.errorCount);
    const done = await runPooled(tasks, { concurrency: opts.concurrency, perKey: opts.perHost ?? 2, key: (t) => hostOf(t.url) }, async (t) => {
      // Stopping means no new fetches, including claimed ones still waiting for a slot: their leases go back.
      if (opts.signal?.aborted) return notStarted(t, 'shutting down');
      // The wait for a per-host slot may have outlived the lease; fetch only what is still ours, for a full lease.
      // A task that started within a quarter of the lease still has three quarters of it, and nobody else can
      // have taken it: skip the round trip (most tasks of a poll; a 304 then costs one statement).
      if (performance.now() - claimedAt >= (opts.leaseSeconds * 1000) / 4) {
        const ours = await deps.store.renewLease(t.feedId, deps.workerId, opts.leaseSeconds).catch(() => false);
        if (!ours) return notStarted(t, 'lease lost while queued');
      }
      return ingestFeed(deps, t, opts.cancel);
    });
    summaries.push(...done);
    if (opts.ignoreSchedule || tasks.length < batch) break;
  }
  await forgiveLocalOutage(deps, summaries, errorCountBefore);
  // The poll's new items (and any an earlier run left unlinked) are in their stories before it returns.
  await deps.linker?.drain();
  return summaries;
}

function notStarted(t: FeedTask, why: string): IngestSummary {
  return { feedId: t.feedId, sourceId: t.sourceId, url: t.url, status: 'cancelled', new: 0, duplicate: 0, updated: 0, errorCode: 'aborted', error: `not started: ${why}`, ms: 0 };
}

/**
 * When every feed of a poll failed at the network level (DNS, refused,
 * timeout) and they live on more than one host, the fault is most likely
 * ours (the machine's network or resolver is down), not theirs: take back
 * the error counts so a local outage does not push every feed into backoff
 * (Miniflux #879). They are tried again after the minimum interval.
 */
export function isLocalOutage(summaries: readonly IngestSummary[]): boolean {
  const fetched = summaries.filter((s) => s.status !== 'cancelled');
  if (fetched.length === 0) return false;
  if (!fetched.every((s) => s.status === 'error' && NETWORK_LEVEL_CODES.has(s.errorCode ?? ''))) return false;
  return new Set(fetched.map((s) => hostOf(s.url))).size >= 2;
}

async function forgiveLocalOutage(deps: IngestDeps, summaries: readonly IngestSummary[], before: ReadonlyMap<number, number>): Promise<void> {
  if (!isLocalOutage(summaries)) return;
  const policy = deps.policy ?? DEFAULT_POLICY;
  const now = deps.now?.() ?? new Date();
  const feeds = summaries.filter((s) => s.status === 'error').map((s) => ({ feedId: s.feedId, errorCount: before.get(s.feedId) ?? 0 }));
  const n = await deps.store.forgiveOutage(feeds, [...NETWORK_LEVEL_CODES], new Date(now.getTime() + policy.minIntervalSeconds * 1000));
  deps.logger.warn({ feeds: n }, 'every feed failed at the network level: our own network looks down, so error counts were not raised');
}
