import { createHash } from 'node:crypto';
import type { TopicSpec } from '../domain/topic';
import type { Store } from '../store';
import { CONTENT_TYPES, renderFeed, type FeedFormatOut } from './render';

export interface RenderedFeed {
  /** UTF-8 bytes, encoded once: a cached feed is written to every client without re-encoding it. */
  readonly body: Buffer;
  readonly contentType: string;
  /** Strong ETag of this body. */
  readonly etag: string;
  readonly lastModified: Date;
}

export interface PublishOptions {
  readonly baseUrl: string;
  readonly generator: string;
  readonly defaultLimit: number;
  readonly maxLimit: number;
  /**
   * How long a topic's version, once read, is trusted before the store is
   * asked again. Within it a feed request costs no query at all; a new item
   * shows up at most this late, far below the max-age the feed is served with.
   * 0 still shares one in-flight query among concurrent requests.
   * @default 1000
   */
  readonly revalidateMs?: number;
}

type TopicVersion = Awaited<ReturnType<Store['topicVersion']>>;

/**
 * Builds topic feeds from the materialized membership. A rendered feed is
 * kept until the topic changes (new item, edited item), so a poll of an
 * unchanged feed costs one small query and no rendering.
 */
export class FeedPublisher {
  private readonly cache = new Map<string, { version: string; feed: RenderedFeed }>();
  private readonly versions = new Map<string, { settledAt: number | null; readonly version: Promise<TopicVersion> }>();

  constructor(
    private readonly store: Store,
    private topics: ReadonlyMap<string, TopicSpec>,
    private readonly opts: PublishOptions,
  ) {}

  setTopics(topics: ReadonlyMap<string, TopicSpec>): void {
    this.topics = topics;
    this.cache.clear();
    this.versions.clear();
  }

  hasTopic(slug: string): boolean {
    return this.topics.has(slug);
  }

  clampLimit(limit: number | undefined): number {
    return Math.max(1, Math.min(limit ?? this.opts.defaultLimit, this.opts.maxLimit));
  }

  /** Null when the topic does not exist. */
  async topicFeed(slug: string, format: FeedFormatOut, limit?: number): Promise<RenderedFeed | null> {
    const topic = this.topics.get(slug);
    if (!topic) return null;
    const n = this.clampLimit(limit);
    const v = await this.topicVersion(slug);
    const version = `${v.count}:${v.maxId ?? 0}:${v.latest?.getTime() ?? 0}:${topic.title}`;
    const key = `${slug}|${format}|${n}`;
    const hit = this.cache.get(key);
    if (hit && hit.version === version) return hit.feed;

    const items = await this.store.listItems({ topic: slug, limit: n });
    const base = this.opts.baseUrl.replace(/\/+$/, '');
    const lastModified = v.latest ?? new Date(0);
    const text = renderFeed(
      format,
      {
        title: topic.title,
        description: topic.description,
        homeUrl: `${base}/`,
        selfBase: `${base}/topics/${slug}`,
        generator: this.opts.generator,
        updated: lastModified,
      },
      items,
    );
    const body = Buffer.from(text, 'utf8');
    const feed: RenderedFeed = {
      body,
      contentType: CONTENT_TYPES[format],
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      lastModified,
    };
    this.cache.set(key, { version, feed });
    return feed;
  }

  /**
   * The topic's version, read at most once per revalidateMs, and shared by
   * every request that arrives while the query runs: under load a feed costs
   * one small query per window instead of one per request.
   */
  private topicVersion(slug: string): Promise<TopicVersion> {
    const hit = this.versions.get(slug);
    if (hit && (hit.settledAt === null || Date.now() - hit.settledAt < (this.opts.revalidateMs ?? 1000))) return hit.version;
    const entry: { settledAt: number | null; version: Promise<TopicVersion> } = { settledAt: null, version: this.store.topicVersion(slug) };
    this.versions.set(slug, entry);
    entry.version.then(
      () => {
        entry.settledAt = Date.now();
      },
      // A failed query is not remembered: the next request asks again.
      () => {
        if (this.versions.get(slug) === entry) this.versions.delete(slug);
      },
    );
    return entry.version;
  }
}
