import { createHash } from 'node:crypto';
import type { TopicSpec } from '../domain/topic';
import type { Store } from '../store';
import { collapseStories } from './collapse';
import { CONTENT_TYPES, renderFeed, type FeedFormatOut, type RenderItem } from './render';

export interface RenderedFeed {
  readonly body: string;
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
}

/**
 * Builds topic feeds from the materialized membership. A rendered feed is
 * kept until the topic changes (new item, edited item), so a poll of an
 * unchanged feed costs one small query and no rendering.
 */
export class FeedPublisher {
  private readonly cache = new Map<string, { version: string; feed: RenderedFeed }>();

  constructor(
    private readonly store: Store,
    private topics: ReadonlyMap<string, TopicSpec>,
    private readonly opts: PublishOptions,
  ) {}

  setTopics(topics: ReadonlyMap<string, TopicSpec>): void {
    this.topics = topics;
    this.cache.clear();
  }

  hasTopic(slug: string): boolean {
    return this.topics.has(slug);
  }

  clampLimit(limit: number | undefined): number {
    return Math.max(1, Math.min(limit ?? this.opts.defaultLimit, this.opts.maxLimit));
  }

  /** Null when the topic does not exist. `collapse` overrides the topic's own `collapse:` setting. */
  async topicFeed(slug: string, format: FeedFormatOut, limit?: number, opts: { collapse?: boolean } = {}): Promise<RenderedFeed | null> {
    const topic = this.topics.get(slug);
    if (!topic) return null;
    const n = this.clampLimit(limit);
    const collapse = opts.collapse ?? topic.collapse === 'story';
    const v = await this.store.topicVersion(slug);
    // A collapsed feed also changes when a story gains a member outside the topic.
    const storyVersion = collapse ? await this.store.storiesVersion() : '';
    const version = `${v.count}:${v.maxId ?? 0}:${v.latest?.getTime() ?? 0}:${topic.title}:${storyVersion}`;
    const key = `${slug}|${format}|${n}|${collapse ? 'story' : 'item'}`;
    const hit = this.cache.get(key);
    if (hit && hit.version === version) return hit.feed;

    const items = collapse ? await this.collapsedItems(slug, n) : await this.store.listItems({ topic: slug, limit: n });
    const base = this.opts.baseUrl.replace(/\/+$/, '');
    const lastModified = v.latest ?? new Date(0);
    const body = renderFeed(
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
    const feed: RenderedFeed = {
      body,
      contentType: CONTENT_TYPES[format],
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      lastModified,
    };
    this.cache.set(key, { version, feed });
    return feed;
  }

  /** Reads past the limit, since copies collapse into one entry, then cuts to it. */
  private async collapsedItems(slug: string, n: number): Promise<RenderItem[]> {
    const items = await this.store.listItems({ topic: slug, limit: n * 4 });
    const stories = await this.store.storiesOf(items.map((i) => i.id));
    const repIds = [...new Set([...stories.values()].flatMap((s) => (s.representativeItemId !== null ? [s.representativeItemId] : [])))];
    const reps = await this.store.itemsByIds(repIds);
    return collapseStories(items, stories, reps).slice(0, n);
  }
}
