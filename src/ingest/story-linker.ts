import { performance } from 'node:perf_hooks';
import type { StoryOptions } from '../dedup/story-match';
import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { Store, StoryEntry, StoryLinkResult } from '../store';

/**
 * Where the linker's time goes, since it was made: plain counters, read by
 * bench/ingest-child.ts. At a cold start the linker is the poll's critical
 * path (one linker at a time, under the story_clock lock): its busy time is
 * most of the poll's wall time, and ingest's wait in room() shows how long
 * feeds stood ready behind it.
 */
export interface StoryLinkerStats {
  /** Linking transactions run (handed-over batches and sweep pages). */
  batches: number;
  /** Items they linked. */
  linked: number;
  /** Wall time inside those transactions, ms. */
  busyMs: number;
  /** Ingest's wall time waiting in room(), summed over concurrent feeds, ms. */
  roomWaitMs: number;
}

/** Pending items linked per transaction. */
export const LINK_BATCH = 500;
/**
 * How often the linker sweeps for unlinked items, besides the first time. The
 * sweep only finds what a crashed or failed run left; it reads every item
 * stored since story_clock.linked_through less a margin of ten minutes
 * (sql/0008), so sweeping every poll would read those ten minutes again and again.
 */
export const SWEEP_INTERVAL_MS = 5 * 60_000;
/**
 * How many handed-over items may wait for the linker before ingest waits for
 * room (room()): each holds its features in memory, and when feeds come in
 * faster than stories are linked the queue would otherwise grow with the poll.
 */
export const QUEUE_LIMIT = 4 * LINK_BATCH;
/** Keys of items published and stored this much longer ago than the window are pruned by the sweep. */
export const KEY_RETENTION_MARGIN_MS = 24 * 3600_000;
const PRUNE_CHUNK = 10_000;

/**
 * Links the items ingest stored to stories, in the background of a poll.
 * Ingest hands over its new items with their features once their
 * transaction has committed; a run links them in batches (writing their
 * story rows and keys, sql/0008) while feeds keep being ingested. The poll
 * awaits drain() before it returns, so a poll's items are in their stories
 * when it ends. The linker also sweeps for stored items that have no story,
 * at the first poll and then every SWEEP_INTERVAL_MS, so whatever an earlier
 * run left (a crash, a failed batch, another replica's) is linked within
 * minutes. A poll starts its sweep (sweepIfDue) before it stores anything:
 * swept at the poll's end, the first sweep read back every item the poll had
 * just linked (at a cold start of 1,000 feeds, 45,000 items in 90 pages:
 * 2.4 s of Postgres time to find none). Replicas each run their own linker;
 * the story_clock lock makes them take turns.
 */
export class StoryLinker {
  private running: Promise<void> | null = null;
  private queued: StoryEntry[] = [];
  private stopped = false;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private waiting: (() => void)[] = [];
  private readonly counters: StoryLinkerStats = { batches: 0, linked: 0, busyMs: 0, roomWaitMs: 0 };

  constructor(
    private readonly store: Store,
    private readonly opts: StoryOptions,
    private readonly logger: Logger,
    private readonly batch = LINK_BATCH,
    /** Prune old story keys when sweeping (bench/stories.ts turns it off: its clock is simulated). */
    private readonly prune = true,
  ) {}

  /** The counters so far (StoryLinkerStats). */
  get stats(): Readonly<StoryLinkerStats> {
    return this.counters;
  }

  /** These items were stored (saveItems' storyQueued): link them soon. Never throws; a failed batch is logged and left to the sweep. */
  kick(entries: readonly StoryEntry[]): void {
    if (this.stopped || entries.length === 0) return;
    for (const e of entries) this.queued.push(e);
    this.running ??= this.start(false);
  }

  /**
   * Resolves once fewer than QUEUE_LIMIT handed-over items wait (at once,
   * normally). Ingest awaits it after handing its items over, so a poll
   * cannot get ahead of the linker by more than a few batches.
   */
  async room(): Promise<void> {
    if (!this.full()) return;
    const since = performance.now();
    while (this.full()) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.counters.roomWaitMs += performance.now() - since;
  }

  private full(): boolean {
    return this.queued.length >= QUEUE_LIMIT && this.running !== null && !this.stopped;
  }

  /**
   * Starts a sweep for unlinked items in the background if it is time (a
   * poll's first step), when the store holds only what earlier runs left.
   * Items handed over meanwhile are linked between the sweep's pages.
   */
  sweepIfDue(): void {
    if (this.stopped || this.running || Date.now() - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = Date.now();
    this.running = this.start(true);
  }

  /** Links everything handed over so far, and sweeps for unlinked items if it is time (a poll's last step). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    if (this.stopped) return;
    const sweep = Date.now() - this.lastSweep >= SWEEP_INTERVAL_MS;
    if (!sweep && this.queued.length === 0) return;
    if (sweep) this.lastSweep = Date.now();
    this.running = this.start(sweep);
    while (this.running) await this.running;
  }

  /** Lets the batch under way finish, and starts no other. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    while (this.running) await this.running;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  private start(sweep: boolean): Promise<void> {
    return this.run(sweep).finally(() => {
      this.running = null;
      this.wake();
      // Handed over while a sweep was ending: link them now rather than at the next poll.
      if (this.queued.length > 0 && !this.stopped) this.running = this.start(false);
    });
  }

  private async run(sweep: boolean): Promise<void> {
    try {
      // The sweep reads the stored items page by page, each page a transaction under the lock.
      // Handed-over items go first, also between pages: ingest waits in room() while they queue.
      let sweepFrom: number | null = sweep ? 0 : null;
      while (!this.stopped) {
        if (this.queued.length > 0) {
          const entries = this.queued.splice(0, this.batch);
          this.note(await this.link(entries));
          if (this.queued.length < QUEUE_LIMIT) this.wake();
          continue;
        }
        if (sweepFrom === null) break;
        const r = await this.link(null, sweepFrom);
        this.note(r);
        sweepFrom = r.more ? (r.sweepFrom ?? sweepFrom) : null;
      }
      // sql/0009: stored items keyed with the old bands get new keys, a batch at a time, once.
      while (sweep && !this.stopped && (await this.store.rekeyStoredStories()) !== null);
      if (sweep && this.prune) {
        // In chunks, each its own statement: no long lock, and a stop waits for one chunk at most.
        const before = new Date(Date.now() - this.opts.windowMs - KEY_RETENTION_MARGIN_MS);
        let pruned = 0;
        for (let n = PRUNE_CHUNK; n === PRUNE_CHUNK && !this.stopped; pruned += n) n = await this.store.pruneStoryKeys(before, PRUNE_CHUNK);
        if (pruned > 0) this.logger.debug({ pruned, before }, 'old story keys pruned');
      }
    } catch (err) {
      // The items stay unlinked in the database. Forget them here (retrying at once would spin
      // while the database is down) and make the next poll's drain sweep for them instead.
      this.queued = [];
      this.lastSweep = Number.NEGATIVE_INFINITY;
      this.logger.error({ err: errorMessage(err) }, 'story linking failed; the items stay queued for the next poll');
    }
  }

  private async link(entries: StoryEntry[] | null, sweepFrom?: number): Promise<StoryLinkResult> {
    const since = performance.now();
    try {
      const r = await this.store.linkPendingStories(this.opts, this.batch, entries, sweepFrom);
      this.counters.linked += r.linked;
      return r;
    } finally {
      this.counters.batches++;
      this.counters.busyMs += performance.now() - since;
    }
  }

  private note(r: { linked: number; created: number; joined: number }): void {
    if (r.linked > 0) this.logger.debug({ linked: r.linked, created: r.created, joined: r.joined }, 'stories linked');
  }
}
