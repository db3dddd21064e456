import { createServer } from 'node:http';
import compress from '@fastify/compress';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { decodeCursor } from '../publish/cursor';
import { renderIndexPage, INDEX_CSP } from '../publish/index-page';
import { renderOpml } from '../publish/opml';
import type { FeedFormatOut } from '../publish/render';
import type { FeedPublisher, FeedScope, RenderedFeed } from '../publish/service';
import type { Store } from '../store';
import type { Logger } from '../shared/logger';
import { createMetrics } from './metrics';
import { notModified, NotModifiedCache } from './not-modified-cache';

export interface HttpDeps {
  readonly store: Store;
  readonly publisher: FeedPublisher;
  readonly logger: Logger;
  /** Cache-Control max-age for feeds, from the poll tick. */
  readonly maxAgeSeconds: number;
  /** Shown in the index page's footer. */
  readonly generator?: string;
}

const FEED_FILE = /^([a-z0-9][a-z0-9_-]*)\.(rss|atom|json)$/;
type Query = Record<string, string | undefined>;

/** Routes parse input and delegate; every query is in the store, every feed in the publisher. */
export function buildServer(deps: HttpDeps): FastifyInstance {
  const fast304 = new NotModifiedCache(() => deps.publisher.generation);
  const app = Fastify({
    // Per-request lines are info; only warnings and errors reach the log.
    loggerInstance: deps.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    return503OnClosing: true,
    // No child logger per request: a pino child costs more than a cached feed's 304, and
    // per-request lines are off anyway. Errors are logged with the request's method and URL.
    childLoggerFactory: (logger) => logger,
    // Cached feeds' 304s are answered before fastify's routing (see NotModifiedCache).
    serverFactory: (handler, opts) => {
      const server = createServer((req, res) => {
        if (!fast304.answer(req, res)) handler(req, res);
      });
      // What fastify sets on a server of its own. (With a serverFactory, fastify binds only one address for "localhost".)
      const o = opts as { keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket: number | null };
      server.keepAliveTimeout = o.keepAliveTimeout;
      server.requestTimeout = o.requestTimeout;
      server.setTimeout(o.connectionTimeout);
      if (o.maxRequestsPerSocket && o.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
      return server;
    },
  }) as unknown as FastifyInstance;
  // Closing: fastify answers 503 from here on, so the cache must not answer either.
  app.addHook('preClose', (done) => {
    fast304.close();
    done();
  });

  // br and gzip for feeds, OPML and the page; application/feed+json is not in mime-db's compressible list, hence customTypes.
  void app.register(compress, {
    encodings: ['br', 'gzip'],
    threshold: 1024,
    customTypes: /^(text\/|application\/(rss\+xml|atom\+xml|feed\+json|json|xml))/,
  });
  // Routes go in a plugin registered after compress: it sets itself up per route (onRoute), so earlier routes would miss it.
  void app.register(async (app) => routes(app, deps, fast304));
  app.setNotFoundHandler((req, reply) => notFound(reply, `nothing at ${req.method} ${req.url}`));
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err, method: req.method, url: req.url }, 'request failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
  });
  return app;
}

function routes(app: FastifyInstance, deps: HttpDeps, fast304: NotModifiedCache): void {
  // A gzip or br body is another representation, so it needs another strong ETag (RFC 9110 §8.8.3).
  // This onRoute hook runs after compress's, so its onSend runs after compression has set Content-Encoding.
  app.addHook('onRoute', (route) => {
    const hooks = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
    route.onSend = [...hooks, tagEncoding];
  });

  app.get('/healthz', async (_req, reply) => {
    await deps.store.topicVersion(null).catch(() => {
      throw Object.assign(new Error('database unreachable'), { statusCode: 503 });
    });
    return reply.send({ status: 'ok' });
  });

  const feedRoute = (scopeOf: (name: string) => FeedScope, what: string) =>
    async (req: FastifyRequest<{ Params: { file: string }; Querystring: Query }>, reply: FastifyReply) => {
      const m = FEED_FILE.exec(req.params.file);
      if (!m) return notFound(reply, `no feed at ${req.url}: expected ${what}`);
      const [, name, ext] = m as unknown as [string, string, FeedFormatOut];
      const limit = parseLimit(req.query.limit);
      if (limit === 'bad') return badRequest(reply, 'limit must be a positive whole number');
      const before = req.query.before ? decodeCursor(req.query.before) : null;
      const after = req.query.after ? decodeCursor(req.query.after) : null;
      if ((req.query.before && !before) || (req.query.after && !after) || (before && after)) {
        return badRequest(reply, 'before/after must be a cursor from a feed\'s paging link, and not both');
      }
      const collapse = parseCollapse(req.query.collapse);
      if (collapse === 'bad') return badRequest(reply, 'collapse must be "story" or "none"');
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? null;
      const token = req.query.token ?? bearer;
      const scope = scopeOf(name);
      const feed = await deps.publisher.feed({
        scope,
        format: ext,
        limit,
        before,
        after,
        token,
        tokenInQuery: req.query.token !== undefined,
        ...(collapse === undefined ? {} : { collapse }),
      });
      // A wrong or missing token reads exactly like an unknown topic, so topic names do not leak.
      if (!feed) return notFound(reply, scope.kind === 'topic' ? `unknown topic "${name}"` : `unknown source "${name}"`);
      const hub = scope.kind === 'topic' ? deps.publisher.hub : null;
      return sendFeed(req, reply, feed, deps.maxAgeSeconds, hub ? { hub, self: deps.publisher.feedUrls(scope)[ext] } : null, fast304);
    };

  app.get('/topics/:file', feedRoute((slug) => ({ kind: 'topic', slug }), '/topics/{slug}.rss, .atom or .json'));
  app.get('/sources/:file', feedRoute((id) => ({ kind: 'source', id }), '/sources/{id}.rss, .atom or .json'));
  // /all.rss, /all.atom, /all.json: the same handler, with the file name as the only parameter.
  const all = feedRoute(() => ({ kind: 'all' }), '/all.rss, /all.atom or /all.json');
  app.get<{ Params: { file: string }; Querystring: Query }>('/:file(^all\\.(?:rss|atom|json)$)', all);

  app.get('/opml', async (_req, reply) => {
    const topics = deps.publisher.publicTopics();
    const body = renderOpml(topics, (slug) => deps.publisher.feedUrls({ kind: 'topic', slug }).rss, `${deps.publisher.baseUrl}/`, new Date());
    return reply.type('text/x-opml; charset=utf-8').header('cache-control', `public, max-age=${deps.maxAgeSeconds}`).send(body);
  });

  app.get('/', async (_req, reply) => {
    const [stats, sources] = await Promise.all([deps.store.topicStats(), deps.store.listSources()]);
    const bySlug = new Map(stats.map((s) => [s.slug, s]));
    const topics = deps.publisher.publicTopics().map((t) => {
      const s = bySlug.get(t.slug);
      return { slug: t.slug, title: t.title, description: t.description, count: s?.count ?? 0, latest: s?.latest ?? null, urls: deps.publisher.feedUrls({ kind: 'topic', slug: t.slug }) };
    });
    const html = renderIndexPage(topics, sources, deps.generator ?? 'Tidings', deps.publisher.baseUrl);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', INDEX_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(html);
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

  const metrics = createMetrics(deps.store);
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));

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
        errorCode: latest?.lastErrorCode ?? null,
        feeds: s.feeds.map((f) => ({
          id: f.id,
          url: f.url,
          fetchUrl: f.fetchUrl,
          enabled: f.enabled,
          disabledReason: f.disabledReason,
          lastStatus: f.lastStatus,
          /** Stable code (timeout, http_404, rate_limited, not_a_feed, …); null after a success. */
          errorCode: f.lastErrorCode,
          lastError: f.lastError,
          lastFetchedAt: f.lastFetchedAt,
          lastSuccessAt: f.lastSuccessAt,
          consecutiveErrors: f.errorCount,
          nextFetchAt: f.nextFetchAt,
          fetchCount: f.fetchCount,
          notModifiedCount: f.notModifiedCount,
        })),
      };
    });
  });

  app.get<{ Querystring: Query }>('/api/items', async (req, reply) => {
    const limit = parseLimit(req.query.limit);
    if (limit === 'bad') return badRequest(reply, 'limit must be a positive whole number');
    const topic = req.query.topic || null;
    if (topic && !deps.publisher.allows(topic, req.query.token ?? null)) return notFound(reply, `unknown topic "${topic}"`);
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
}

function tagEncoding(_req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  const encoding = reply.getHeader('content-encoding');
  const etag = reply.getHeader('etag');
  if (typeof encoding === 'string' && typeof etag === 'string' && etag.endsWith('"') && !etag.endsWith(`-${encoding}"`)) {
    reply.header('etag', `${etag.slice(0, -1)}-${encoding}"`);
  }
  done(null, payload);
}

function sendFeed(
  req: FastifyRequest,
  reply: FastifyReply,
  feed: RenderedFeed,
  maxAge: number,
  websub: { hub: string; self: string } | null,
  fast304: NotModifiedCache,
) {
  const headers: Record<string, string> = {
    'content-type': feed.contentType,
    etag: feed.etag,
    'last-modified': feed.lastModified.toUTCString(),
    'cache-control': `public, max-age=${maxAge}`,
    vary: 'Accept-Encoding, Authorization',
  };
  // WebSub discovery by header too (§4), for readers that do not parse the body.
  if (websub) headers.link = `<${websub.hub}>; rel="hub", <${websub.self}>; rel="self"`;
  reply.headers(headers);
  // The same headers make the cache's 304 for this URL; a bearer token is checked per request, so those stay here.
  if (req.method === 'GET' && req.headers.authorization === undefined) {
    fast304.remember(req.raw.url ?? req.url, { etag: feed.etag, lastModified: feed.lastModified, headers, trustedUntil: feed.trustedUntil, generation: feed.generation });
  }
  const matched = notModified(req.headers['if-none-match'], req.headers['if-modified-since'], feed.etag, feed.lastModified);
  if (matched) {
    // A 304 repeats the validator the client holds (the encoded variant's, if that is what it has).
    if (typeof matched === 'string') reply.header('etag', matched);
    return reply.code(304).send();
  }
  return reply.send(feed.body);
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
