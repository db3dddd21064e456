import type { FeedTask } from '../domain/source';
import { withKeys } from '../dedup/keys';
import { dedupBatch, resolveAgainstStored } from '../dedup/publisher';
import { storyFeatures, type StoryOptions } from '../dedup/story-match';
import { FetchError } from '../fetch/errors';
import type { Fetcher } from '../fetch/fetcher';
import { normalizeFeed } from '../normalize/item';
import { stripTags } from '../normalize/text';
import { parseFeedBody, ParseError } from '../parse';
import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { FetchOutcome, ItemToSave, Store } from '../store';
import type { TopicMatcher } from '../topics/matcher';
import type { StoryLinker } from './story-linker';
import { DEFAULT_POLICY, nextAfterError, nextAfterRateLimit, nextAfterSuccess, type SchedulePolicy } from './policy';

export interface IngestDeps {
  readonly store: Store;
  readonly fetcher: Fetcher;
  readonly matcher: () => TopicMatcher;
  readonly logger: Logger;
  readonly workerId: string;
  readonly now?: () => Date;
  readonly iframeHosts?: readonly string[];
  /** Interval bounds, backoff ceiling, adaptive mode. @default DEFAULT_POLICY */
  readonly policy?: SchedulePolicy;
  /** Cross-publisher story clustering; null or absent: off. */
  readonly stories?: StoryOptions | null;
  /** Links the items saveItems queued for stories (with `stories`); pollFeeds drains it. */
  readonly linker?: StoryLinker | null;
}

export interface IngestSummary {
  readonly feedId: number;
  readonly sourceId: string;
  readonly url: string;
  /** cancelled: our own shutdown stopped the fetch; nothing was recorded and the lease is given back. */
  readonly status: 'ok' | 'not_modified' | 'error' | 'cancelled';
  readonly new: number;
  readonly duplicate: number;
  readonly updated: number;
  readonly errorCode?: string;
  readonly error?: string;
  readonly warnings?: readonly string[];
  readonly ms: number;
}

/**
 * The one use case: fetch → parse → normalize → dedup → store (with topics)
 * for one claimed feed. The scheduler and the CLI both call this. It never
 * throws for a feed's fault: the error is recorded on the feed and returned.
 */
export async function ingestFeed(deps: IngestDeps, task: FeedTask, signal?: AbortSignal): Promise<IngestSummary> {
  const started = Date.now();
  const now = deps.now?.() ?? new Date();
  const base = { feedId: task.feedId, sourceId: task.sourceId, url: task.url };
  const log = deps.logger.child({ source: task.sourceId, feed: task.url });
  const policy = deps.policy ?? DEFAULT_POLICY;
  try {
    const res = await deps.fetcher.fetch({ url: task.url, etag: task.etag, lastModified: task.lastModified, headers: task.headers, ...(signal ? { signal } : {}) });
    if (res.kind === 'not_modified') {
      // A 304 costs no parse and no item writes: only the feed's fetch state changes.
      await deps.store.recordFetch(task.feedId, deps.workerId, {
        kind: 'not_modified',
        status: 'not_modified',
        // A 304 may omit a validator; keep the one we sent.
        etag: res.etag ?? task.etag,
        lastModified: res.lastModified ?? task.lastModified,
        nextFetchAt: nextAfterSuccess(now, task.intervalSeconds, policy, {
          headers: res.headers,
          // A 304 has no body: the feed's hint comes from its last 200.
          ttlMinutes: task.feedHintSeconds ? task.feedHintSeconds / 60 : null,
          ...(policy.adaptive ? { itemsLastWeek: await deps.store.countItemsSince(task.feedId, weekBefore(now)) } : {}),
        }),
        newUrl: res.permanentUrl,
      });
      return { ...base, status: 'not_modified', new: 0, duplicate: 0, updated: 0, ms: Date.now() - started };
    }
    const { feed } = await parseFeedBody(res.body, res.contentType, res.url);
    const normalized = normalizeFeed(feed, { feedUrl: res.url, now, iframeHosts: deps.iframeHosts ?? [] });
    const { unique, repeats } = dedupBatch(normalized.map(withKeys));
    const matcher = deps.matcher();
    const stories = deps.stories ?? null;
    const items: ItemToSave[] = unique.map((it) => {
      const contentText = it.contentHtml ? stripTags(it.contentHtml) : null;
      return {
        ...it,
        topics: matcher.match(
          {
            sourceId: task.sourceId,
            sourceTags: task.sourceTags,
            title: it.title,
            summary: it.summary,
            contentText,
            author: it.author,
            categories: it.categories,
            language: it.language,
            publishedAt: it.publishedAt,
          },
          now,
        ),
        story: stories ? storyFeatures({ title: it.title, text: it.summary ?? contentText, canonicalUrl: it.canonicalUrl }) : null,
      };
    });
    // The new items go to the story linker, which writes their story rows in the background.
    const saved = await deps.store.saveItems(task.sourceId, task.feedId, items, resolveAgainstStored, stories);
    deps.linker?.kick(saved.storyQueued);
    // Waits only when the linker is several batches behind: its queue holds every item's features.
    await deps.linker?.room();
    const warning = feed.warnings.length > 0 ? feed.warnings.join('; ') : null;
    const hintMinutes = Math.max(feed.ttlMinutes ?? 0, feed.updatePeriodMinutes ?? 0);
    await deps.store.recordFetch(task.feedId, deps.workerId, {
      kind: 'ok',
      status: 'ok',
      etag: res.etag,
      lastModified: res.lastModified,
      title: feed.title,
      nextFetchAt: nextAfterSuccess(now, task.intervalSeconds, policy, {
        headers: res.headers,
        ttlMinutes: feed.ttlMinutes,
        updatePeriodMinutes: feed.updatePeriodMinutes ?? null,
        ...(policy.adaptive ? { itemsLastWeek: await deps.store.countItemsSince(task.feedId, weekBefore(now)) } : {}),
      }),
      warning,
      newUrl: res.permanentUrl,
      feedHintSeconds: hintMinutes > 0 ? Math.min(Math.round(hintMinutes * 60), 2 ** 31 - 1) : null,
    });
    if (warning) log.warn({ warning }, 'feed parsed with warnings');
    return {
      ...base,
      status: 'ok',
      new: saved.inserted,
      duplicate: saved.duplicates + repeats,
      updated: saved.updated,
      ...(feed.warnings.length > 0 ? { warnings: feed.warnings } : {}),
      ms: Date.now() - started,
    };
  } catch (err) {
    if (err instanceof FetchError && err.code === 'aborted') {
      // Our shutdown, not the feed: record nothing; the scheduler gives the lease back.
      return { ...base, status: 'cancelled', new: 0, duplicate: 0, updated: 0, errorCode: err.code, error: err.message, ms: Date.now() - started };
    }
    const outcome = errorOutcome(err, task, now, policy);
    log.warn({ code: outcome.code, err: outcome.message }, 'feed failed');
    try {
      await deps.store.recordFetch(task.feedId, deps.workerId, outcome);
    } catch (recordErr) {
      log.error({ err: errorMessage(recordErr) }, 'could not record the feed error');
    }
    return { ...base, status: 'error', new: 0, duplicate: 0, updated: 0, errorCode: outcome.code, error: outcome.message, ms: Date.now() - started };
  }
}

function weekBefore(now: Date): Date {
  return new Date(now.getTime() - 7 * 24 * 3600_000);
}

/** A failed fetch → what to record: the stable code, whether it counts, when to come back. */
function errorOutcome(err: unknown, task: FeedTask, now: Date, policy: SchedulePolicy): Extract<FetchOutcome, { kind: 'error' }> {
  const backoff = () => nextAfterError(now, task.intervalSeconds, task.errorCount + 1, policy);
  if (err instanceof FetchError) {
    if (err.code === 'rate_limited') {
      // The server asked us to wait: honour it for this feed URL, and it is not the feed's error.
      return { kind: 'error', code: err.code, message: err.message, nextFetchAt: nextAfterRateLimit(now, task.intervalSeconds, err.details.retryAfterMs, policy), countsAsError: false };
    }
    if (err.code === 'http_410') {
      return { kind: 'error', code: err.code, message: err.message, nextFetchAt: now, countsAsError: true, disable: `HTTP 410 Gone at ${err.details.url ?? task.url}` };
    }
    return { kind: 'error', code: err.code, message: err.message, nextFetchAt: backoff(), countsAsError: true };
  }
  const code = err instanceof ParseError ? err.code : 'internal';
  const message = err instanceof ParseError ? err.message : `internal error: ${errorMessage(err)}`;
  return { kind: 'error', code, message, nextFetchAt: backoff(), countsAsError: true };
}
