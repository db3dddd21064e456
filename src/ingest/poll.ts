import { ingestFeed, type IngestDeps, type IngestSummary } from './ingest-feed';
import { hostOf, runPooled } from './pool';

export interface PollOptions {
  /** Fetch every enabled feed now, due or not (the `poll` command). */
  readonly ignoreSchedule: boolean;
  readonly sourceId?: string | null;
  readonly concurrency: number;
  /** @default 2 */
  readonly perHost?: number;
  /** Lease length; longer than the longest fetch. */
  readonly leaseSeconds: number;
  /** Stop claiming more when aborted; fetches under way finish. */
  readonly signal?: AbortSignal;
}

/**
 * Claims feeds in batches (FOR UPDATE SKIP LOCKED, so replicas split them)
 * and ingests each one, until nothing is left to claim.
 */
export async function pollFeeds(deps: IngestDeps, opts: PollOptions): Promise<IngestSummary[]> {
  const summaries: IngestSummary[] = [];
  // `poll` claims every feed at once: fetched feeds lose their lease, so a second claim would take them again.
  const batch = opts.ignoreSchedule ? 1_000_000 : Math.max(opts.concurrency * 4, 16);
  for (;;) {
    if (opts.signal?.aborted) break;
    const tasks = await deps.store.claimFeeds({
      workerId: deps.workerId,
      limit: batch,
      leaseSeconds: opts.leaseSeconds,
      ignoreSchedule: opts.ignoreSchedule,
      sourceId: opts.sourceId ?? null,
    });
    if (tasks.length === 0) break;
    const done = await runPooled(tasks, { concurrency: opts.concurrency, perKey: opts.perHost ?? 2, key: (t) => hostOf(t.url) }, (t) =>
      ingestFeed(deps, t),
    );
    summaries.push(...done);
    if (opts.ignoreSchedule || tasks.length < batch) break;
  }
  return summaries;
}
