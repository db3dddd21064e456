import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Store } from '../../src/store';
import { dropTestDb, freshSchema, TEST_DATABASE_URL, type TestDb } from '../helpers/db';
import { startFeedServer, type FeedServer } from '../helpers/feed-server';

/**
 * Real `tidings worker` processes on one real Postgres. These need several
 * processes sharing one database, which an in-process PGlite cannot be, so
 * they run only when TIDINGS_TEST_DATABASE_URL is set.
 */
const describePg = TEST_DATABASE_URL ? describe : describe.skip;
if (!TEST_DATABASE_URL) {
  console.info('scheduler.replicas: skipped on PGlite (needs several processes on one real Postgres; set TIDINGS_TEST_DATABASE_URL)');
}

const ROOT = path.join(__dirname, '..', '..');
const ITEMS_PER_FEED = 3;

const rss = (feed: number) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed ${feed}</title>${Array.from(
    { length: ITEMS_PER_FEED },
    (_, i) => `<item><title>Feed ${feed} story ${i}</title><guid>f${feed}-${i}</guid><link>http://news.test/${feed}/${i}</link></item>`,
  ).join('')}</channel></rss>`;

interface Worker {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startWorker(config: string, name: string): Worker {
  // node with tsx's loader, not the tsx wrapper: signals (SIGKILL too) reach the worker itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker', '--config', config], {
    cwd: ROOT,
    env: { ...process.env, WORKER_NAME: name, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes the workers' config; `schedule` and `fetch` override the defaults below, key by key. */
function writeConfig(dir: string, db: TestDb, feeds: FeedServer, count: number, o: { schedule?: string; fetch?: string } = {}): string {
  const file = path.join(dir, 'tidings.yaml');
  const sources = Array.from({ length: count }, (_, i) => `  - { id: f${i}, name: Feed ${i}, url: "${feeds.url}/feed/${i}.xml", interval: 1h }`).join('\n');
  writeFileSync(
    file,
    `database: { url: "${db.url}", schema: ${db.schema} }
fetch: { allowPrivateNetworks: ["127.0.0.1/32"], timeout: 10s, userAgent: "Tidings-test \${WORKER_NAME}", ${o.fetch ?? 'concurrency: 4, perHost: 2'} }
schedule: { tick: "* * * * * *", minInterval: 1s, ${o.schedule ?? 'lease: 60s, shutdownGrace: 5s'} }
sources:
${sources}
`,
  );
  return file;
}

describePg('worker processes on one Postgres', () => {
  let feeds: FeedServer;
  let db: TestDb;
  let dir: string;
  let store: Store;
  const workers: Worker[] = [];

  beforeEach(async () => {
    feeds = await startFeedServer();
    db = { schema: freshSchema(), pglite: undefined, url: TEST_DATABASE_URL };
    // The schema exists before the workers race to migrate it.
    store = await Store.open({ url: db.url, schema: db.schema });
    dir = mkdtempSync(path.join(tmpdir(), 'tidings-replicas-'));
  });

  afterEach(async () => {
    for (const w of workers.splice(0)) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await store.close();
    await dropTestDb(db);
    await feeds.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('two workers split the feeds: each feed is fetched once per interval and no item is stored twice', async () => {
    const N = 40;
    const byFeed = new Map<string, number>();
    const byWorker = new Map<string, number>();
    const held: (() => void)[] = [];
    let open = false;
    const gate = () => {
      // Hold answers until both workers have asked for something, so neither can take every feed alone.
      if (!open && byWorker.size >= 2) {
        open = true;
        held.splice(0).forEach((f) => f());
      }
    };
    for (let i = 0; i < N; i++) {
      feeds.route(`/feed/${i}.xml`, (req: IncomingMessage, res: ServerResponse) => {
        byFeed.set(req.url!, (byFeed.get(req.url!) ?? 0) + 1);
        const ua = String(req.headers['user-agent']);
        byWorker.set(ua, (byWorker.get(ua) ?? 0) + 1);
        const answer = () => setTimeout(() => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(i)), 20);
        if (open) answer();
        else held.push(answer);
        gate();
      });
    }
    const config = writeConfig(dir, db, feeds, N);
    workers.push(startWorker(config, 'A'), startWorker(config, 'B'));
    await until('every feed to be fetched', () => byFeed.size === N);
    // Several more ticks of both workers: with a 1 h interval, nothing may be fetched again.
    await until('items of every feed', async () => (await store.listSources()).every((s) => s.itemCount === ITEMS_PER_FEED));
    await new Promise((r) => setTimeout(r, 3000));
    expect([...byFeed.values()].every((n) => n === 1)).toBe(true);
    expect([...byWorker.keys()].sort()).toEqual(['Tidings-test A', 'Tidings-test B']);
    const sources = await store.listSources();
    expect(sources).toHaveLength(N);
    expect(sources.reduce((n, s) => n + s.itemCount, 0)).toBe(N * ITEMS_PER_FEED);
    for (const s of sources) expect(s.feeds[0]!.nextFetchAt.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);

    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
  });

  test('a worker killed mid-fetch loses its lease when it expires, and another worker fetches the feed', async () => {
    let calls = 0;
    feeds.route('/feed/0.xml', (_req, res) => {
        calls++;
        // The first worker's fetch never gets an answer; it is killed while waiting.
        if (calls > 1) res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(0));
    });
    const config = writeConfig(dir, db, feeds, 1, { schedule: 'lease: 2s, shutdownGrace: 1s' });
    const a = startWorker(config, 'A');
    workers.push(a);
    await until('the first fetch', () => calls === 1);
    a.child.kill('SIGKILL');
    await a.exited;
    const locked = await store.db.kysely.selectFrom('feeds').select(['lockedBy']).executeTakeFirstOrThrow();
    expect(locked.lockedBy).not.toBeNull(); // the dead worker still holds it
    const b = startWorker(config, 'B');
    workers.push(b);
    // Items commit first, then the fetch is recorded (another statement): wait for both.
    const recorded = async () => (await store.db.kysely.selectFrom('feeds').select(['lastStatus']).executeTakeFirstOrThrow()).lastStatus !== null;
    await until('the feed to be stored by the second worker', async () => (await store.listSources())[0]!.itemCount === ITEMS_PER_FEED && (await recorded()), 20_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; calls=${calls}\nA:\n${a.output()}\nB:\n${b.output()}`);
      },
    );
    expect(calls).toBe(2);
    const row = await store.db.kysely.selectFrom('feeds').select(['lockedBy', 'lastStatus']).executeTakeFirstOrThrow();
    expect(row).toEqual({ lockedBy: null, lastStatus: 'ok' });
  });

  test('SIGTERM mid-poll: claiming stops, fetches under way finish within the grace period, the rest are cancelled, leases are given back, exit 0', async () => {
    const N = 12;
    const requested: number[] = [];
    let release: (() => void) | null = null;
    const released = new Promise<void>((r) => (release = r));
    for (let i = 0; i < N; i++) {
      feeds.route(`/feed/${i}.xml`, (_req, res) => {
        requested.push(i);
        // Feed 0 never answers: the grace period must cut it off. The others answer once SIGTERM is sent.
        if (i === 0) return;
        void released.then(() => setTimeout(() => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(i)), 100));
      });
    }
    // One fetch per host at a time, so most feeds are still waiting in the pool when SIGTERM comes.
    const config = writeConfig(dir, db, feeds, N, { schedule: 'lease: 60s, shutdownGrace: 3s', fetch: 'concurrency: 2, perHost: 2' });
    const w = startWorker(config, 'A');
    workers.push(w);
    await until('two fetches under way', () => requested.length >= 2);
    w.child.kill('SIGTERM');
    release!();
    const code = await w.exited;
    expect({ code, output: code === 0 ? '' : w.output() }).toEqual({ code: 0, output: '' });
    expect(w.output()).toContain('shutdown grace ran out');

    const rows = await store.db.kysely.selectFrom('feeds').select(['sourceId', 'lockedBy', 'lastStatus', 'lastErrorCode', 'errorCount']).execute();
    // Every lease is given back, fetched or not.
    expect(rows.filter((r) => r.lockedBy !== null)).toEqual([]);
    const sources = await store.listSources();
    const count = new Map(sources.map((s) => [s.id, s.itemCount]));
    for (const r of rows) {
      // Whole or nothing: a feed's items are all stored, or none are.
      expect([r.sourceId, [0, ITEMS_PER_FEED]]).toEqual([r.sourceId, expect.arrayContaining([count.get(r.sourceId)])]);
      if (r.lastStatus === 'ok') expect(count.get(r.sourceId)).toBe(ITEMS_PER_FEED);
    }
    // The fetch that never answered was cancelled by our shutdown: not recorded as the feed's error.
    const hung = rows.find((r) => r.sourceId === 'f0')!;
    expect([hung.lastStatus, hung.errorCount]).toEqual([null, 0]);
    // Fetches under way at SIGTERM finished; claiming stopped, so not every feed was fetched.
    expect(rows.filter((r) => r.lastStatus === 'ok').length).toBeGreaterThanOrEqual(1);
    expect(requested.length).toBeLessThan(N);
  });
});
