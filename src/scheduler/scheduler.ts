import cron from 'node-cron';
import type { IngestDeps } from '../ingest/ingest-feed';
import { pollFeeds } from '../ingest/poll';
import { errorMessage } from '../shared/errors';

export interface SchedulerOptions {
  /** Cron expression of the tick (schedule.tick). */
  readonly tick: string;
  readonly concurrency: number;
  readonly perHost?: number;
  readonly leaseSeconds: number;
}

/**
 * A node-cron tick that polls due feeds. The tick only delegates to the
 * poll use case; due feeds are claimed in Postgres, so several replicas can
 * run this side by side. stop() stops claiming, lets fetches under way
 * finish within the grace period, and releases whatever is left.
 */
export class Scheduler {
  private task: ReturnType<typeof cron.schedule> | null = null;
  private running: Promise<unknown> | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: IngestDeps,
    private readonly opts: SchedulerOptions,
  ) {}

  start(): void {
    this.task = cron.schedule(this.opts.tick, () => this.runOnce(), { name: 'tidings-poll', noOverlap: true });
    void this.runOnce();
  }

  /** One tick: poll every due feed. Ticks never overlap. */
  runOnce(): Promise<unknown> {
    if (this.running || this.abort.signal.aborted) return this.running ?? Promise.resolve();
    this.running = pollFeeds(this.deps, {
      ignoreSchedule: false,
      concurrency: this.opts.concurrency,
      leaseSeconds: this.opts.leaseSeconds,
      signal: this.abort.signal,
      ...(this.opts.perHost ? { perHost: this.opts.perHost } : {}),
    })
      .then((summaries) => {
        if (summaries.length > 0) {
          const count = (s: string) => summaries.filter((x) => x.status === s).length;
          this.deps.logger.info({ feeds: summaries.length, ok: count('ok'), notModified: count('not_modified'), errors: count('error') }, 'poll finished');
        }
      })
      .catch((err) => this.deps.logger.error({ err: errorMessage(err) }, 'poll failed'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async stop(graceMs: number): Promise<void> {
    this.abort.abort();
    await this.task?.stop();
    await this.task?.destroy();
    if (this.running) {
      await Promise.race([this.running, new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    // We MUST give back leases we hold, or those feeds wait for the lease to expire.
    await this.deps.store.releaseLeases(this.deps.workerId);
  }
}
