import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { MatchableItem } from '../domain/topic';
import { stripTags } from '../normalize/text';
import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { BackfillJob, ItemForMatching, Membership, Store } from '../store';
import type { TopicMatcher } from './matcher';

const BATCH = 500;

export function matchableOf(it: ItemForMatching): MatchableItem {
  return {
    sourceId: it.sourceId,
    sourceTags: it.sourceTags,
    title: it.title,
    summary: it.summary,
    contentText: it.contentHtml ? stripTags(it.contentHtml) : null,
    author: it.author,
    categories: it.categories,
    language: it.language,
    publishedAt: it.publishedAt,
  };
}

export interface BackfillResult {
  readonly scanned: number;
  readonly added: number;
  readonly removed: number;
  readonly completed: readonly string[];
}

/**
 * Recomputes the membership of the jobs' topics over every stored item, in
 * id order, BATCH items per transaction, yielding to the event loop between
 * batches so HTTP keeps serving. Each batch moves the topic's cursor, so a
 * restart resumes; a topic is marked complete only at the end.
 */
export async function backfillTopics(
  store: Store,
  matcher: TopicMatcher,
  jobs: readonly BackfillJob[],
  signal?: AbortSignal,
  now: () => Date = () => new Date(),
  batch: number = BATCH,
): Promise<BackfillResult> {
  if (jobs.length === 0) return { scanned: 0, added: 0, removed: 0, completed: [] };
  let after = Math.min(...jobs.map((j) => j.after));
  let scanned = 0;
  let added = 0;
  let removed = 0;
  for (;;) {
    if (signal?.aborted) return { scanned, added, removed, completed: [] };
    const items = await store.itemsAfter(after, batch);
    if (items.length === 0) break;
    const last = items[items.length - 1]!.id;
    // A job resumed past some of these items leaves those alone.
    const active = jobs.filter((j) => j.after < last);
    const slugs = active.map((j) => j.slug);
    const wanted = new Set(slugs);
    const at = now();
    const members: Membership[] = [];
    for (const it of items) {
      for (const slug of matcher.match(matchableOf(it), at)) {
        const job = active.find((j) => j.slug === slug);
        if (wanted.has(slug) && job && it.id > job.after) members.push({ topicSlug: slug, itemId: it.id, publishedAt: it.publishedAt });
      }
    }
    for (const j of active) {
      const ids = items.filter((it) => it.id > j.after).map((it) => it.id);
      const r = await store.applyBackfillBatch([j.slug], ids, members.filter((m) => m.topicSlug === j.slug), last);
      added += r.added;
      removed += r.removed;
    }
    scanned += items.length;
    after = last;
    await yieldToLoop();
  }
  for (const j of jobs) await store.finishBackfill(j.slug, j.ruleHash);
  return { scanned, added, removed, completed: jobs.map((j) => j.slug) };
}

/**
 * Runs backfills in the background, one at a time. A newer request (a
 * config reload) aborts the one under way: the newer matcher's jobs cover
 * it, since an unfinished topic still differs from its stored members_hash.
 */
export class TopicBackfiller {
  private current: { abort: AbortController; done: Promise<void> } | null = null;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  start(matcher: TopicMatcher, jobs: readonly BackfillJob[]): void {
    const previous = this.current;
    previous?.abort.abort();
    const abort = new AbortController();
    const done = (async () => {
      await previous?.done;
      if (jobs.length === 0 || abort.signal.aborted) return;
      const started = Date.now();
      try {
        const r = await backfillTopics(this.store, matcher, jobs, abort.signal);
        if (!abort.signal.aborted) {
          this.logger.info({ topics: r.completed, scanned: r.scanned, added: r.added, removed: r.removed, ms: Date.now() - started }, 'topic membership recomputed');
        }
      } catch (err) {
        this.logger.error({ err: errorMessage(err), topics: jobs.map((j) => j.slug) }, 'topic backfill failed; it resumes at the next start or reload');
      }
    })();
    this.current = { abort, done };
  }

  /** Resolves when no backfill is running. */
  async idle(): Promise<void> {
    for (;;) {
      const c = this.current;
      await c?.done;
      if (this.current === c) return;
    }
  }

  async stop(): Promise<void> {
    this.current?.abort.abort();
    await this.idle();
  }
}
