import { recordFetches, type FetchRecord } from './feeds';
import type { Executor } from './open';

/** Most fetches one statement records. */
const MAX_BATCH = 256;

interface Waiting {
  readonly record: FetchRecord;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit for fetch state. Every fetch ends with one write to its feed
 * row; a poll of a thousand feeds that mostly answer 304 was a thousand
 * single-row UPDATEs, each parsed, planned and committed on its own, most of
 * the database's work in that poll. Here the writes that arrive while the
 * event loop is busy, or while a write is in flight, go out together as one
 * statement: no timer, so a lone fetch is written at once, and batches grow
 * only with load. Each caller still awaits its own record, so a fetch is
 * stored when ingest returns, as before.
 *
 * When a batch fails, each of its records is retried alone, so one bad row
 * fails only its own fetch.
 */
export class FetchRecorder {
  private queue: Waiting[] = [];
  private flushing = false;
  private scheduled = false;

  constructor(private readonly db: Executor) {}

  record(record: FetchRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    // After the I/O callbacks of this loop turn: the fetches finishing together share a statement.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    // A feed at most once per statement (UPDATE … FROM would apply only one of two rows); a second record waits its turn.
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const feeds = new Set<number>();
    for (const w of this.queue) {
      if (batch.length < MAX_BATCH && !feeds.has(w.record.feedId)) {
        feeds.add(w.record.feedId);
        batch.push(w);
      } else rest.push(w);
    }
    this.queue = rest;
    try {
      await recordFetches(this.db, batch.map((w) => w.record));
      for (const w of batch) w.resolve();
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else {
        for (const w of batch) {
          await recordFetches(this.db, [w.record]).then(w.resolve, w.reject);
        }
      }
    } finally {
      this.flushing = false;
      this.schedule();
    }
  }
}
