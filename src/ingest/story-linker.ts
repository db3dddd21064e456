import type { StoryOptions } from '../dedup/story-match';
import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { Store, StoryEntry } from '../store';

/** Pending items linked per transaction. */
export const LINK_BATCH = 500;
/**
 * How often drain() sweeps the whole queue, besides the first time. The sweep
 * only finds what a crashed or failed run left; its index
 * (story_items_pending_idx) keeps an entry for every row linked since the
 * last vacuum, so sweeping every poll would cost more as the store grows.
 */
export const SWEEP_INTERVAL_MS = 5 * 60_000;
/** Keys of items published and stored this much longer ago than the window are pruned by the sweep. */
export const KEY_RETENTION_MARGIN_MS = 24 * 3600_000;
const PRUNE_CHUNK = 10_000;

/**
 * Links the items ingest queued (sql/0006_story_linker.sql) to stories, in
 * the background of a poll. Ingest hands over what it queued, features
 * included; a run links them in batches while feeds keep being ingested. The poll
 * awaits drain() before it returns, so a poll's items are in their stories
 * when it ends; drain() also sweeps the whole queue at the first poll and
 * every SWEEP_INTERVAL_MS, so whatever an earlier run left (a crash, a
 * failed batch, another replica's) is linked within minutes. Replicas
 * each run their own linker; the story_clock lock makes them take turns.
 */
export class StoryLinker {
  private running: Promise<void> | null = null;
  private queued: StoryEntry[] = [];
  private stopped = false;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Store,
    private readonly opts: StoryOptions,
    private readonly logger: Logger,
    private readonly batch = LINK_BATCH,
    /** Prune old story keys when sweeping (bench/stories.ts turns it off: its clock is simulated). */
    private readonly prune = true,
  ) {}

  /** These items were queued for stories (saveItems' storyQueued): link them soon. Never throws; a failed batch is logged and left to the sweep. */
  kick(entries: readonly StoryEntry[]): void {
    if (this.stopped || entries.length === 0) return;
    for (const e of entries) this.queued.push(e);
    this.running ??= this.start(false);
  }

  /** Links everything handed over so far, and sweeps the queue if it is time (a poll's last step). */
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
    while (this.running) await this.running;
  }

  private start(sweep: boolean): Promise<void> {
    return this.run(sweep).finally(() => {
      this.running = null;
      // Handed over while a sweep was ending: link them now rather than at the next poll.
      if (this.queued.length > 0 && !this.stopped) this.running = this.start(false);
    });
  }

  private async run(sweep: boolean): Promise<void> {
    try {
      while (this.queued.length > 0 && !this.stopped) {
        const entries = this.queued.splice(0, this.batch);
        this.note(await this.store.linkPendingStories(this.opts, this.batch, entries));
      }
      while (sweep && !this.stopped) {
        const r = await this.store.linkPendingStories(this.opts, this.batch);
        this.note(r);
        if (!r.more) break;
      }
      if (sweep && this.prune) {
        // In chunks, each its own statement: no long lock, and a stop waits for one chunk at most.
        const before = new Date(Date.now() - this.opts.windowMs - KEY_RETENTION_MARGIN_MS);
        let pruned = 0;
        for (let n = PRUNE_CHUNK; n === PRUNE_CHUNK && !this.stopped; pruned += n) n = await this.store.pruneStoryKeys(before, PRUNE_CHUNK);
        if (pruned > 0) this.logger.debug({ pruned, before }, 'old story keys pruned');
      }
    } catch (err) {
      // The items stay pending in the database. Forget them here (retrying at once would spin
      // while the database is down) and make the next poll's drain sweep the queue instead.
      this.queued = [];
      this.lastSweep = Number.NEGATIVE_INFINITY;
      this.logger.error({ err: errorMessage(err) }, 'story linking failed; the items stay queued for the next poll');
    }
  }

  private note(r: { linked: number; created: number; joined: number }): void {
    if (r.linked > 0) this.logger.debug({ linked: r.linked, created: r.created, joined: r.joined }, 'stories linked');
  }
}
