import cron from 'node-cron';
import type { IngestDeps } from '../ingest/ingest-feed';
import { pollFeeds } from '../ingest/poll';
import { errorMessage } from '../shared/errors';

export interface SchedulerOptions {
  /** Cron expression of the tick (schedule.tick). */
  readonly tick: string;
  /** Fetches at once in this process. */
  readonly concurrency: number;
  /** Fetches at once to one host. @default 2 */
  readonly perHost?: number;
  /** How long a claim holds (schedule.lease). */
  readonly leaseSeconds: number;
}

/** After the grace period, cancelled fetches and saves under way get this long to unwind. */
const UNWIND_MS = 10_000;

/**
 * A node-cron tick that polls due feeds. The tick only delegates to the
 * poll use case; due feeds are claimed in Postgres, so several replicas can
 * run this side by side. stop() stops claiming, lets fetches under way
 * finish within the grace period, cancels the rest, and gives back every
 * lease this process still holds.
 */
export class Scheduler {
  private task: ReturnType<typeof cron.schedule> | null = null;
  private running: Promise<unknown> | null = null;
  /** Stop claiming. */
  private readonly stopping = new AbortController();
  /** Cancel fetches under way. */
  private readonly cancelling = new AbortController();

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
    if (this.running || this.stopping.signal.aborted) return this.running ?? Promise.resolve();
    this.running = pollFeeds(this.deps, {
      ignoreSchedule: false,
      concurrency: this.opts.concurrency,
      leaseSeconds: this.opts.leaseSeconds,
      signal: this.stopping.signal,
      cancel: this.cancelling.signal,
      ...(this.opts.perHost ? { perHost: this.opts.perHost } : {}),
    })
      .then((summaries) => {
        if (summaries.length > 0) {
          const count = (s: string) => summaries.filter((x) => x.status === s).length;
          this.deps.logger.info(
            { feeds: summaries.length, ok: count('ok'), notModified: count('not_modified'), errors: count('error'), cancelled: count('cancelled') },
            'poll finished',
          );
        }
      })
      .catch((err) => this.deps.logger.error({ err: errorMessage(err) }, 'poll failed'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** True while a poll is under way (tests and shutdown logs). */
  get busy(): boolean {
    return this.running !== null;
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping.abort();
    await this.task?.stop();
    await this.task?.destroy();
    if (this.running && !(await settlesWithin(this.running, graceMs))) {
      this.deps.logger.warn({ graceMs }, 'shutdown grace ran out: cancelling fetches under way');
      this.cancelling.abort();
      // A cancelled fetch stores nothing; a save already in its transaction commits or rolls back whole.
      if (this.running) await settlesWithin(this.running, UNWIND_MS);
    }
    // We MUST give back leases we hold, or those feeds wait for the lease to expire.
    const released = await this.deps.store.releaseLeases(this.deps.workerId);
    if (released > 0) this.deps.logger.info({ released }, 'leases given back');
  }
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    p.finally(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
