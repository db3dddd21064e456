import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { openApp, type App } from '../src/app';
import { parseConfig } from '../src/config/load';
import { buildServer } from '../src/http/server';
import type { IngestSummary } from '../src/ingest/ingest-feed';
import { pollFeeds } from '../src/ingest/poll';
import type { StoryLinkerStats } from '../src/ingest/story-linker';
import { silentLogger } from '../src/shared/logger';
import { startPglite } from '../src/store';
import { Corpus, ITEMS_PER_FEED } from './corpus';
import { cpuMark, cpuSince, type CpuMark } from './cpu';
import { MemorySampler } from './memory';
import { profiled } from './profile';

/**
 * One backend's end-to-end figures, in a process of its own so its peak RSS
 * is Tidings' alone: cold ingest through the scheduler's path (pollFeeds on
 * an app from openApp), the plain-INSERT storage ceiling, re-polls, then the
 * HTTP server for bench/run.ts to load with autocannon.
 */
export interface ChildArgs {
  readonly backend: 'postgres' | 'pglite';
  readonly feeds: number;
  readonly feedServerPort: number;
  readonly databaseUrl: string | null;
  /** Cross-publisher story clustering (the default config has it on). */
  readonly stories: boolean;
  /** Cold ingest only: the stories-off run, for the clustering cost. */
  readonly coldOnly: boolean;
}

export interface ServeTarget {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  /** The pre-rendered ceiling for the same request. */
  readonly ceilingUrl: string;
  readonly bytes: number;
}

export interface ChildResult {
  readonly backend: 'postgres' | 'pglite';
  readonly feeds: number;
  readonly items: number;
  readonly openMs: number;
  readonly cold: {
    readonly wallMs: number;
    readonly inserted: number;
    readonly duplicates: number;
    readonly errors: number;
    readonly itemsPerSec: number;
    readonly storedPerSec: number;
    /** CPU of the Tidings process and of the local Postgres server during cold ingest (bench/cpu.ts). */
    readonly cpu: CpuMark;
    /** The story linker during cold ingest (StoryLinker.stats); null with stories off. */
    readonly linker: { readonly batches: number; readonly linked: number; readonly busyMs: number; readonly roomWaitMs: number } | null;
  };
  readonly memory: { readonly peakRssMb: number; readonly peakHeapMb: number; readonly pgliteWasmMb: number | null; readonly baselineRssMb: number };
  readonly ceiling: { readonly rows: number; readonly wallMs: number; readonly rowsPerSec: number };
  readonly repoll304: { readonly wallMs: number; readonly feeds: number; readonly notModified: number; readonly feedsPerSec: number };
  readonly repoll200: { readonly wallMs: number; readonly items: number; readonly inserted: number; readonly errors: number; readonly itemsPerSec: number };
  readonly serveTopic: { readonly slug: string; readonly topicItems: number };
}

/** The cold-ingest-only run (ChildArgs.coldOnly). */
export interface ColdResult {
  readonly cold: ChildResult['cold'];
  readonly memory: ChildResult['memory'];
}

export type ChildMessage =
  | { readonly type: 'serve-ready'; readonly targets: readonly ServeTarget[] }
  | { readonly type: 'result'; readonly result: ChildResult }
  | { readonly type: 'cold-result'; readonly result: ColdResult }
  | { readonly type: 'failed'; readonly error: string };

const LEASE_SECONDS = 600;

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
  const corpus = new Corpus(args.feeds);
  const sampler = new MemorySampler();
  sampler.start();
  const baselineRssMb = process.memoryUsage().rss / 2 ** 20;

  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const ceilSchema = `${schema}_ceil`;
  let pglite: PGlite | null = null;
  if (args.backend === 'pglite') pglite = await startPglite();
  const config = parseConfig(JSON.stringify(benchConfig(corpus, args.feedServerPort, args.stories)), 'bench.yaml', {});
  const opened = performance.now();
  const app = await openApp(config, {
    logger: silentLogger(),
    databaseUrl: args.backend === 'postgres' ? args.databaseUrl : null,
    ...(args.backend === 'postgres' ? { schema } : { pglite: pglite! }),
  }).catch(async (err: unknown) => {
    // openApp has already created the schema when migrating or syncing fails.
    if (args.backend === 'postgres') await dropSchemas(args.databaseUrl!, [schema]);
    throw err;
  });
  const openMs = performance.now() - opened;
  const appSchema = args.backend === 'postgres' ? schema : 'public';
  try {
    // 2. Cold ingest: every feed is due (next_fetch_at defaults to now()); the scheduler's own call.
    sampler.reset();
    const coldStart = performance.now();
    const cpuStart = cpuMark();
    const linkerBefore = app.ingest.linker ? { ...app.ingest.linker.stats } : null;
    const cold = await profiled(`cold-ingest-${args.backend}${args.stories ? '' : '-no-stories'}`, () => poll(app));
    const coldMs = performance.now() - coldStart;
    const cpu = cpuSince(cpuStart);
    const peak = sampler.peak();
    const inserted = sum(cold, 'new');
    const duplicates = sum(cold, 'duplicate');
    const errors = cold.filter((s) => s.status === 'error');
    if (errors.length > 0) process.stderr.write(`bench: ${errors.length} feeds failed, first: ${errors[0]!.url}: ${errors[0]!.error}\n`);
    const pgliteWasmMb = pglite ? pglite.Module.HEAP8.length / 2 ** 20 : null;
    // With --expose-gc in TIDINGS_BENCH_NODE_FLAGS: what cold ingest left live, after a full collection.
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      const m = process.memoryUsage();
      process.stderr.write(`bench: after cold ingest and a full GC: heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MB, RSS ${(m.rss / 2 ** 20).toFixed(0)} MB\n`);
    }
    const coldFigures = {
      wallMs: coldMs,
      inserted,
      duplicates,
      errors: errors.length,
      itemsPerSec: (args.feeds * ITEMS_PER_FEED) / (coldMs / 1000),
      storedPerSec: inserted / (coldMs / 1000),
      // PGlite's database runs inside this process: its CPU is in nodeMs.
      cpu: args.backend === 'pglite' ? { nodeMs: cpu.nodeMs, postgresMs: null } : cpu,
      linker: linkerDuring(app, linkerBefore),
    };
    const memory = { peakRssMb: peak.rssMb, peakHeapMb: peak.heapMb, pgliteWasmMb, baselineRssMb };
    if (args.coldOnly) {
      process.send?.({ type: 'cold-result', result: { cold: coldFigures, memory } } satisfies ChildMessage);
      return;
    }

    // Storage ceiling: the same rows, plain multi-row INSERT … ON CONFLICT DO NOTHING into a copy of the table.
    const ceiling = await insertCeiling(app, appSchema, ceilSchema);

    // 3a. Every feed answers 304.
    await due(app);
    const t304 = performance.now();
    const re304 = await profiled(`repoll-304-${args.backend}`, () => poll(app));
    const ms304 = performance.now() - t304;

    // 3b. Every feed answers 200 with the same items: all through dedup, nothing new.
    await setMode(args.feedServerPort, 'always200');
    await due(app);
    const t200 = performance.now();
    const re200 = await profiled(`repoll-200-${args.backend}`, () => poll(app));
    const ms200 = performance.now() - t200;
    await setMode(args.feedServerPort, 'conditional');

    // 4. Serving: the largest topic (the worst case for the per-request version check), 50 items.
    const top = await app.store.db.kysely
      .selectFrom('itemTopics')
      .select(['topicSlug', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('topicSlug')
      .orderBy('n', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const serve = await startServing(app, top.topicSlug);
    process.send?.({ type: 'serve-ready', targets: serve.targets } satisfies ChildMessage);
    await profiled(`serve-${args.backend}`, () => new Promise<void>((resolve) => process.once('message', () => resolve())));
    await serve.close();

    const items = args.feeds * ITEMS_PER_FEED;
    const result: ChildResult = {
      backend: args.backend,
      feeds: args.feeds,
      items,
      openMs,
      cold: coldFigures,
      memory,
      ceiling,
      repoll304: {
        wallMs: ms304,
        feeds: re304.length,
        notModified: re304.filter((s) => s.status === 'not_modified').length,
        feedsPerSec: re304.length / (ms304 / 1000),
      },
      repoll200: {
        wallMs: ms200,
        items: re200.length * ITEMS_PER_FEED,
        inserted: sum(re200, 'new'),
        errors: re200.filter((s) => s.status === 'error').length,
        itemsPerSec: (re200.length * ITEMS_PER_FEED) / (ms200 / 1000),
      },
      serveTopic: { slug: top.topicSlug, topicItems: Number(top.n) },
    };
    process.send?.({ type: 'result', result } satisfies ChildMessage);
  } finally {
    sampler.stop();
    if (args.backend === 'postgres') await dropSchemas(args.databaseUrl!, [schema, ceilSchema]);
    await app.close();
    await pglite?.close();
  }
}

function benchConfig(corpus: Corpus, port: number, stories: boolean) {
  return {
    server: { baseUrl: 'http://tidings.bench' },
    fetch: { allowPrivateNetworks: true, timeout: '60s' },
    dedup: { stories },
    sources: corpus.sources.map((s) => ({
      id: s.id,
      name: s.name,
      feeds: s.feeds.map((f) => `http://${Corpus.hostOf(f)}:${port}${Corpus.feedPath(f)}`),
    })),
    topics: corpus.topics(),
  };
}

/** The scheduler's call: claim due feeds, ingest them with the configured concurrency. */
function poll(app: App): Promise<IngestSummary[]> {
  return pollFeeds(app.ingest, { ignoreSchedule: false, concurrency: app.config.fetch.concurrency, leaseSeconds: LEASE_SECONDS });
}

/** Makes every feed due again (bench only: the schedule would otherwise wait for the interval). */
async function due(app: App): Promise<void> {
  await app.store.db.kysely.updateTable('feeds').set({ nextFetchAt: sql<Date>`now()` }).execute();
}

async function setMode(port: number, mode: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/_bench/mode/${mode}`);
  if (!res.ok) throw new Error(`bench: feed server refused mode ${mode}`);
  await res.arrayBuffer();
}

function linkerDuring(app: App, before: StoryLinkerStats | null): ChildResult['cold']['linker'] {
  const now = app.ingest.linker?.stats;
  if (!now || !before) return null;
  return { batches: now.batches - before.batches, linked: now.linked - before.linked, busyMs: now.busyMs - before.busyMs, roomWaitMs: now.roomWaitMs - before.roomWaitMs };
}

function sum(s: readonly IngestSummary[], k: 'new' | 'duplicate'): number {
  return s.reduce((a, x) => a + x[k], 0);
}

const CEILING_CHUNK = 500;

/**
 * The storage ceiling: the rows cold ingest stored, inserted again with plain
 * multi-row INSERT … ON CONFLICT DO NOTHING, 500 rows a statement (the chunk
 * ingest uses), one after another, into a copy of the items table with the same
 * indexes and foreign keys. Only the INSERTs are timed.
 */
async function insertCeiling(app: App, appSchema: string, ceilSchema: string): Promise<ChildResult['ceiling']> {
  const db = app.store.db.kysely;
  // One statement at a time: PGlite's query() takes a single statement.
  for (const stmt of [
    `CREATE SCHEMA ${ceilSchema}`,
    `CREATE TABLE ${ceilSchema}.items (LIKE ${appSchema}.items INCLUDING ALL)`,
    `ALTER TABLE ${ceilSchema}.items ADD FOREIGN KEY (source_id) REFERENCES ${appSchema}.sources (id),
       ADD FOREIGN KEY (feed_id) REFERENCES ${appSchema}.feeds (id)`,
  ]) {
    await sql.raw(stmt).execute(db);
  }
  let last = 0;
  let rows = 0;
  let ms = 0;
  for (;;) {
    const chunk = await db
      .withSchema(appSchema)
      .selectFrom('items')
      .select([
        'id', 'sourceId', 'feedId', 'guid', 'url', 'canonicalUrl', 'title', 'titleKey', 'summary', 'contentHtml', 'author', 'categories',
        'enclosures', 'language', 'contentHash', 'publishedAt', 'publishedEstimated', 'updatedAt',
      ])
      .where('id', '>', last)
      .orderBy('id')
      .limit(CEILING_CHUNK)
      .execute();
    if (chunk.length === 0) break;
    last = chunk[chunk.length - 1]!.id;
    const values = chunk.map(({ id: _id, enclosures, ...r }) => ({ ...r, enclosures: JSON.stringify(enclosures) }));
    const t = performance.now();
    await db.withSchema(ceilSchema).insertInto('items').values(values).onConflict((oc) => oc.doNothing()).execute();
    ms += performance.now() - t;
    rows += chunk.length;
  }
  return { rows, wallMs: ms, rowsPerSec: rows / (ms / 1000) };
}

async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Tidings' HTTP server on 127.0.0.1, and beside it a bare node:http server
 * answering the same URLs with the bytes Tidings rendered, from memory: the
 * ceiling for serving.
 */
async function startServing(app: App, slug: string): Promise<{ targets: ServeTarget[]; close: () => Promise<void> }> {
  const http = buildServer({ store: app.store, publisher: app.publisher, logger: silentLogger(), maxAgeSeconds: 60 });
  await http.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  const prerendered = new Map<string, { body: Buffer; headers: Record<string, string> }>();
  for (const ext of ['rss', 'json']) {
    const res = await fetch(`${base}/topics/${slug}.${ext}`);
    if (res.status !== 200) throw new Error(`bench: GET /topics/${slug}.${ext} answered ${res.status}`);
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'etag', 'last-modified', 'cache-control']) headers[h] = res.headers.get(h) ?? '';
    prerendered.set(`/topics/${slug}.${ext}`, { body: Buffer.from(await res.arrayBuffer()), headers });
  }
  const bare: Server = createServer((req, res) => {
    const hit = prerendered.get(req.url ?? '');
    if (!hit) return void res.writeHead(404).end();
    if (req.headers['if-none-match'] === hit.headers.etag) return void res.writeHead(304, hit.headers).end();
    res.writeHead(200, { ...hit.headers, 'content-length': hit.body.length }).end(hit.body);
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const ceilingBase = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const targets: ServeTarget[] = [];
  for (const [path, hit] of prerendered) {
    const ext = path.slice(path.lastIndexOf('.') + 1);
    targets.push({ name: `${ext} 200`, url: `${base}${path}`, ceilingUrl: `${ceilingBase}${path}`, headers: {}, bytes: hit.body.length });
    targets.push({ name: `${ext} 304`, url: `${base}${path}`, ceilingUrl: `${ceilingBase}${path}`, headers: { 'if-none-match': hit.headers.etag! }, bytes: 0 });
  }
  return {
    targets,
    close: async () => {
      await http.close();
      bare.closeAllConnections();
      await new Promise((r) => bare.close(r));
    },
  };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.send?.({ type: 'failed', error } satisfies ChildMessage, () => process.exit(1));
    if (!process.send) process.exit(1);
  },
);
