import { createHash, timingSafeEqual } from 'node:crypto';
import type { SourceSpec } from '../domain/source';
import type { TopicSpec } from '../domain/topic';
import type { Logger } from '../shared/logger';
import type { PageCursor, Store } from '../store';
import { encodeCursor } from './cursor';
import { FORMATS, toEntry, type FeedDocument, type FeedFormatOut } from './model';
import { collapseStories, type RenderItem } from './collapse';
import { CONTENT_TYPES, renderFeed } from './render';

export interface RenderedFeed {
  /** UTF-8 bytes, encoded once: a cached feed is written to every client without re-encoding it. */
  readonly body: Buffer;
  readonly contentType: string;
  /** Strong ETag of this body. */
  readonly etag: string;
  readonly lastModified: Date;
  /**
   * Until when (epoch ms) this answer may be repeated without asking the
   * publisher: the read of its version plus versionTtlMs, sooner when a
   * topic's maxAge window moves; 0 for collapsed feeds, whose stories'
   * version is read on every request.
   */
  readonly trustedUntil: number;
  /** The publisher's generation the answer came from; setTopics, setSources and invalidate start a new one. */
  readonly generation: number;
}

export interface PublishOptions {
  readonly baseUrl: string;
  readonly generator: string;
  readonly defaultLimit: number;
  readonly maxLimit: number;
  readonly hub?: string | null;
  readonly logger?: Logger;
  /** content.iframeHosts: the iframes that survive sanitizing on the way out too. @default [] */
  readonly iframeHosts?: readonly string[];
  /**
   * dedup.stories: whether a story linker runs. Collapsed feeds hold back new
   * items that have no story yet only then (otherwise none ever would). @default true
   */
  readonly storiesEnabled?: boolean;
  /**
   * How long a feed's version (count, newest change) is trusted before the
   * database is asked again. Feeds change at most once per poll tick, so a
   * second of staleness costs nothing and spares a query per request.
   * @default 1000
   */
  readonly versionTtlMs?: number;
}

export type FeedScope = { readonly kind: 'topic'; readonly slug: string } | { readonly kind: 'source'; readonly id: string } | { readonly kind: 'all' };

export interface FeedRequest {
  readonly scope: FeedScope;
  readonly format: FeedFormatOut;
  readonly limit?: number | undefined;
  readonly before?: PageCursor | null;
  readonly after?: PageCursor | null;
  /** The token the request presented (query or bearer). */
  readonly token?: string | null;
  /** The token came in the query string, so paging links carry it too. */
  readonly tokenInQuery?: boolean;
  /** One entry per story (true) or per item (false); absent: the topic's own `collapse:`. Topics only. */
  readonly collapse?: boolean;
}

const CACHE_MAX = 512;
/** How long a collapsed feed holds back an item that waits for the story linker. */
const STORY_HOLD_MS = 10 * 60_000;

/**
 * Builds topic, source and whole-store feeds from the materialized
 * membership. A rendered page is kept until its feed changes (new item,
 * edited item, backfill), so polling an unchanged feed costs one small
 * aggregate query and no rendering.
 */
export class FeedPublisher {
  private readonly cache = new Map<string, { version: string; feed: RenderedFeed }>();
  private readonly versions = new Map<string, { at: number; v: Promise<{ count: number; latest: Date | null; maxId: number | null }> }>();
  private sources: ReadonlyMap<string, Pick<SourceSpec, 'id' | 'name'>> = new Map();
  private readonly base: string;
  private gen = 0;

  constructor(
    private readonly store: Store,
    private topics: ReadonlyMap<string, TopicSpec>,
    private readonly opts: PublishOptions,
  ) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  setTopics(topics: ReadonlyMap<string, TopicSpec>): void {
    this.topics = topics;
    this.cache.clear();
    this.versions.clear();
    this.gen++;
  }

  /** Forget remembered versions (tests, and after a backfill batch if exactness matters). */
  invalidate(): void {
    this.versions.clear();
    this.gen++;
  }

  /** Bumped by setTopics, setSources and invalidate: answers from an older generation are not to be repeated. */
  get generation(): number {
    return this.gen;
  }

  private version(topic: string | null, sourceId: string | null) {
    const key = `${topic ?? ''}|${sourceId ?? ''}`;
    const ttl = this.opts.versionTtlMs ?? 1000;
    const now = Date.now();
    const hit = this.versions.get(key);
    if (hit && now - hit.at < ttl) return { v: hit.v, until: hit.at + ttl };
    const v = this.store.topicVersion(topic, sourceId);
    // Concurrent requests share one query; a failed one is not remembered.
    this.versions.set(key, { at: now, v });
    v.catch(() => this.versions.delete(key));
    return { v, until: now + ttl };
  }

  setSources(sources: readonly Pick<SourceSpec, 'id' | 'name'>[]): void {
    this.sources = new Map(sources.map((s) => [s.id, s]));
    this.cache.clear();
    this.gen++;
  }

  get baseUrl(): string {
    return this.base;
  }

  get hub(): string | null {
    return this.opts.hub ?? null;
  }

  hasTopic(slug: string): boolean {
    return this.topics.has(slug);
  }

  /** Topics anyone may see (no token): the index page and /opml list only these. */
  publicTopics(): TopicSpec[] {
    return [...this.topics.values()].filter((t) => t.token === null);
  }

  /** A topic's feed URL per format, with the token in the query when asked. */
  feedUrls(scope: FeedScope, query: Record<string, string> = {}): Record<FeedFormatOut, string> {
    const path = scope.kind === 'topic' ? `/topics/${scope.slug}` : scope.kind === 'source' ? `/sources/${scope.id}` : '/all';
    const qs = new URLSearchParams(query).toString();
    return Object.fromEntries(FORMATS.map((f) => [f, `${this.base}${path}.${f}${qs ? `?${qs}` : ''}`])) as Record<FeedFormatOut, string>;
  }

  clampLimit(limit: number | undefined): number {
    return Math.max(1, Math.min(limit ?? this.opts.defaultLimit, this.opts.maxLimit));
  }

  /** Does the presented token open this topic? Topics without a token are open. Constant-time compare. */
  allows(slug: string, token: string | null | undefined): boolean {
    const topic = this.topics.get(slug);
    if (!topic) return false;
    if (topic.token === null) return true;
    if (!token) return false;
    const a = createHash('sha256').update(token).digest();
    const b = createHash('sha256').update(topic.token).digest();
    return timingSafeEqual(a, b);
  }

  /** Null when the feed does not exist, or the topic's token was not presented: both are a 404. */
  async feed(req: FeedRequest): Promise<RenderedFeed | null> {
    const scope = req.scope;
    // Taken before any await: an answer made across a reload belongs to the old generation.
    const generation = this.gen;
    let title: string;
    let description: string | null = null;
    let since: Date | null = null;
    let sinceMovesAt = Infinity;
    let collapse = false;
    if (scope.kind === 'topic') {
      const topic = this.topics.get(scope.slug);
      if (!topic || !this.allows(scope.slug, req.token)) return null;
      title = topic.title;
      description = topic.description;
      collapse = req.collapse ?? topic.collapse === 'story';
      const maxAge = topic.match?.maxAgeSeconds;
      // Rounded to the minute so the render cache still hits between polls.
      if (maxAge) {
        since = new Date(Math.floor((Date.now() - maxAge * 1000) / 60_000) * 60_000);
        sinceMovesAt = since.getTime() + 60_000 + maxAge * 1000;
      }
    } else if (scope.kind === 'source') {
      const source = this.sources.get(scope.id);
      if (!source) return null;
      title = source.name;
      description = `Every item from ${source.name}, one copy each`;
    } else {
      title = 'All items';
      description = 'Every item Tidings has stored, newest first';
    }
    const limit = this.clampLimit(req.limit);
    const topicSlug = scope.kind === 'topic' ? scope.slug : null;
    const sourceId = scope.kind === 'source' ? scope.id : null;
    const read = this.version(topicSlug, sourceId);
    const v = await read.v;
    const trustedUntil = collapse ? 0 : Math.min(read.until, sinceMovesAt);
    const cursorKey = req.before ? `b${encodeCursor(req.before)}` : req.after ? `a${encodeCursor(req.after)}` : '';
    const key = `${JSON.stringify(scope)}|${req.format}|${limit}|${cursorKey}|${req.tokenInQuery ? 't' : ''}|${collapse ? 'story' : 'item'}`;
    // A collapsed feed also changes when a story gains a member outside the topic.
    const storyVersion = collapse ? await this.store.storiesVersion() : '';
    const version = `${v.count}:${v.maxId ?? 0}:${v.latest?.getTime() ?? 0}:${since?.getTime() ?? 0}:${title}:${storyVersion}`;
    const hit = this.cache.get(key);
    if (hit && hit.version === version) {
      if (hit.feed.trustedUntil !== trustedUntil || hit.feed.generation !== generation) hit.feed = { ...hit.feed, trustedUntil, generation };
      return hit.feed;
    }

    const page: { items: RenderItem[]; hasOlder: boolean; hasNewer: boolean; olderCursor?: PageCursor | null } = collapse
      ? await this.collapsedPage({ topic: topicSlug, limit, before: req.before ?? null, after: req.after ?? null, since })
      : await this.store.listPage({ topic: topicSlug, sourceId, limit, before: req.before ?? null, after: req.after ?? null, since });
    const query: Record<string, string> = {};
    if (req.limit !== undefined) query.limit = String(limit);
    if (req.tokenInQuery && req.token) query.token = req.token;
    const homeUrl = `${this.base}/`;
    const first = page.items[0];
    const last = page.items[page.items.length - 1];
    const olderCursor: PageCursor | null = page.olderCursor !== undefined ? page.olderCursor : last ? { publishedAt: last.publishedAt, id: last.id } : null;
    const lastModified = v.latest ?? new Date(0);
    const doc: FeedDocument = {
      title,
      description,
      homeUrl,
      urls: this.feedUrls(scope, { ...query, ...(req.before ? { before: encodeCursor(req.before) } : req.after ? { after: encodeCursor(req.after) } : {}) }),
      generator: { name: 'Tidings', version: this.opts.generator.replace(/^Tidings\s*/, ''), uri: 'https://github.com/tidings-aggregator/tidings' },
      updated: lastModified,
      hub: scope.kind === 'topic' && this.opts.hub ? this.opts.hub : null,
      paging: {
        current: this.feedUrls(scope, query),
        older: page.hasOlder && olderCursor ? this.feedUrls(scope, { ...query, before: encodeCursor(olderCursor) }) : null,
        newer: page.hasNewer && first ? this.feedUrls(scope, { ...query, after: encodeCursor({ publishedAt: first.publishedAt, id: first.id }) }) : null,
        isArchive: !!(req.before || req.after),
      },
      entries: page.items.map((it) => toEntry(it, homeUrl, this.opts.iframeHosts ?? [])),
    };
    const body = Buffer.from(renderFeed(req.format, doc), 'utf8');
    const feed: RenderedFeed = {
      body,
      contentType: CONTENT_TYPES[req.format],
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      lastModified,
      trustedUntil,
      generation,
    };
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { version, feed });
    return feed;
  }

  /**
   * A page of story entries: reads past the limit, since copies collapse into
   * one entry, and pages on from the last item it used.
   */
  private async collapsedPage(q: {
    topic: string | null;
    limit: number;
    before: PageCursor | null;
    after: PageCursor | null;
    since: Date | null;
  }): Promise<{ items: RenderItem[]; hasOlder: boolean; hasNewer: boolean; olderCursor: PageCursor | null }> {
    const page = await this.store.listPage({ ...q, sourceId: null, limit: q.limit * 4 });
    // Copies still waiting for the story linker (seconds, normally) are not shown alone.
    const held = this.opts.storiesEnabled === false ? new Set<number>() : await this.store.awaitingStory(page.items.map((i) => i.id), STORY_HOLD_MS);
    const raw = held.size > 0 ? { ...page, items: page.items.filter((i) => !held.has(i.id)) } : page;
    const stories = await this.store.storiesOf(raw.items.map((i) => i.id));
    const repIds = [...new Set([...stories.values()].flatMap((s) => (s.representativeItemId !== null ? [s.representativeItemId] : [])))];
    const reps = await this.store.itemsByIds(repIds);
    const { entries, consumed } = collapseStories(raw.items, stories, reps, q.limit);
    const lastUsed = raw.items[consumed - 1];
    return {
      items: entries,
      hasOlder: raw.hasOlder || consumed < raw.items.length,
      hasNewer: raw.hasNewer,
      // The older page starts after the last item read, which may be a hidden copy.
      olderCursor: lastUsed ? { publishedAt: lastUsed.publishedAt, id: lastUsed.id } : null,
    };
  }

  /** Back-compat: the first page of a topic feed. */
  topicFeed(slug: string, format: FeedFormatOut, limit?: number, token?: string | null): Promise<RenderedFeed | null> {
    return this.feed({ scope: { kind: 'topic', slug }, format, limit, token: token ?? null });
  }
}
