import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { FeedPublisher } from '../publish/service';
import type { FeedFormatOut } from '../publish/render';
import type { Store } from '../store';
import type { Logger } from '../shared/logger';

export interface HttpDeps {
  readonly store: Store;
  readonly publisher: FeedPublisher;
  readonly logger: Logger;
  /** Cache-Control max-age for feeds, from the poll tick. */
  readonly maxAgeSeconds: number;
}

const FEED_FILE = /^([a-z0-9][a-z0-9_-]*)\.(rss|atom|json)$/;

/** Routes parse input and delegate; every query is in the store, every feed in the publisher. */
export function buildServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    // Per-request lines are info; only warnings and errors reach the log.
    loggerInstance: deps.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  app.get('/healthz', async (_req, reply) => {
    await deps.store.topicVersion(null).catch(() => {
      throw Object.assign(new Error('database unreachable'), { statusCode: 503 });
    });
    return reply.send({ status: 'ok' });
  });

  app.get<{ Params: { file: string }; Querystring: Record<string, string | undefined> }>('/topics/:file', async (req, reply) => {
    const m = FEED_FILE.exec(req.params.file);
    if (!m) return notFound(reply, `no feed at ${req.url}: expected /topics/{slug}.rss, .atom or .json`);
    const [, slug, ext] = m as unknown as [string, string, FeedFormatOut];
    const limit = parseLimit(req.query.limit);
    if (limit === 'bad') return badRequest(reply, 'limit must be a positive whole number');
    const collapse = parseCollapse(req.query.collapse);
    if (collapse === 'bad') return badRequest(reply, 'collapse must be "story" or "none"');
    const feed = await deps.publisher.topicFeed(slug, ext, limit, collapse === undefined ? {} : { collapse });
    if (!feed) return notFound(reply, `unknown topic "${slug}"`);
    reply
      .header('content-type', feed.contentType)
      .header('etag', feed.etag)
      .header('last-modified', feed.lastModified.toUTCString())
      .header('cache-control', `public, max-age=${deps.maxAgeSeconds}`);
    if (notModified(req.headers['if-none-match'], req.headers['if-modified-since'], feed.etag, feed.lastModified)) {
      return reply.code(304).send();
    }
    return reply.send(feed.body);
  });

  app.get('/api/sources', async () => {
    const sources = await deps.store.listSources();
    return sources.map((s) => {
      const latest = s.feeds.reduce<(typeof s.feeds)[number] | null>(
        (a, f) => (!a || (f.lastFetchedAt?.getTime() ?? 0) > (a.lastFetchedAt?.getTime() ?? 0) ? f : a),
        null,
      );
      return {
        id: s.id,
        name: s.name,
        enabled: s.enabled,
        tags: s.tags,
        itemCount: s.itemCount,
        lastFetchedAt: latest?.lastFetchedAt ?? null,
        lastStatus: latest?.lastStatus ?? null,
        lastError: latest?.lastError ?? null,
        feeds: s.feeds,
      };
    });
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/items', async (req, reply) => {
    const limit = parseLimit(req.query.limit);
    if (limit === 'bad') return badRequest(reply, 'limit must be a positive whole number');
    const topic = req.query.topic || null;
    if (topic && !deps.publisher.hasTopic(topic)) return notFound(reply, `unknown topic "${topic}"`);
    const items = await deps.store.listItems({ topic, sourceId: req.query.source || null, limit: deps.publisher.clampLimit(limit) });
    const topics = await deps.store.topicsOf(items.map((i) => i.id));
    return items.map((i) => ({
      id: i.id,
      sourceId: i.sourceId,
      title: i.title,
      url: i.url,
      publishedAt: i.publishedAt,
      categories: i.categories,
      topics: topics.get(i.id) ?? [],
    }));
  });

  app.get<{ Params: { id: string } }>('/api/items/:id', async (req, reply) => {
    if (!/^\d{1,15}$/.test(req.params.id)) return badRequest(reply, 'item id must be a positive whole number');
    const id = Number(req.params.id);
    const item = (await deps.store.itemsByIds([id])).get(id);
    if (!item) return notFound(reply, `no item ${id}`);
    const story = (await deps.store.storiesOf([id])).get(id) ?? null;
    const own = story?.members.find((m) => m.itemId === id);
    return {
      id: item.id,
      sourceId: item.sourceId,
      sourceName: item.sourceName,
      title: item.title,
      url: item.url,
      publishedAt: item.publishedAt,
      categories: item.categories,
      story: story
        ? {
            id: story.id,
            representativeItemId: story.representativeItemId,
            reason: own ? { layer: own.layer, score: own.score, matchedItemId: own.matchedItemId } : null,
            items: story.members.map((m) => ({
              id: m.itemId,
              sourceId: m.sourceId,
              sourceName: m.sourceName,
              title: m.title,
              url: m.url,
              publishedAt: m.publishedAt,
              layer: m.layer,
              score: m.score,
              matchedItemId: m.matchedItemId,
            })),
          }
        : null,
    };
  });

  app.setNotFoundHandler((req, reply) => notFound(reply, `nothing at ${req.method} ${req.url}`));
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
  });
  return app;
}

function parseLimit(raw: string | undefined): number | undefined | 'bad' {
  if (raw === undefined || raw === '') return undefined;
  return /^\d{1,6}$/.test(raw) && Number(raw) > 0 ? Number(raw) : 'bad';
}

/** ?collapse=story | none; absent: the topic's own setting. */
function parseCollapse(raw: string | undefined): boolean | undefined | 'bad' {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'story') return true;
  if (raw === 'none') return false;
  return 'bad';
}

function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).type('application/json; charset=utf-8').send({ error: message });
}

function badRequest(reply: FastifyReply, message: string) {
  return reply.code(400).type('application/json; charset=utf-8').send({ error: message });
}

/** RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only without it. */
function notModified(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, etag: string, lastModified: Date): boolean {
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === etag);
  }
  if (ifModifiedSince) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}
