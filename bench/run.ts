import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { FeedServerMessage } from './feed-server';
import type { ChildArgs, ChildMessage, ChildResult, ColdResult } from './ingest-child';
import type { ComputeArgs, ComputeMessage } from './compute-child';
import type { MatchFigures } from './match-rate';
import { median, type ParseFigures } from './parse-ceiling';
import { CONNECTIONS, loadTargets, type ServeFigures } from './serve-load';
import { linkerShare, printTable } from './report';
import { checkTargets, type TargetCheck } from './targets';

/**
 * `npm run bench [-- --quick] [-- --json] [-- --feeds N] [-- --runs N]`
 *
 * Generates a news corpus, serves it from a local feed server (a child
 * process on 127.0.0.1 … 127.0.0.100), and measures Tidings against a ceiling
 * in the same run for each figure: parse (raw rss-parser), storage (plain
 * INSERT), serving (a bare node:http server with the same bytes). Postgres is
 * the server at TIDINGS_BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test), in a fresh schema dropped at the
 * end; PGlite runs in memory. Progress goes to stderr, the table (or the JSON
 * with --json) to stdout, and every figure to bench/results/latest.json.
 */

export interface RunFigures {
  readonly parse: ParseFigures;
  readonly match: MatchFigures;
  readonly backends: Record<string, BackendFigures | { readonly skipped: string }>;
}

export interface BackendFigures extends ChildResult {
  readonly storageRatio: number;
  readonly serve: readonly ServeFigures[];
  /**
   * Postgres only: the same cold ingest with story clustering off, in a
   * fresh schema, and what clustering adds to the wall time per item
   * (storiesOn / storiesOff − 1).
   */
  readonly withoutStories: { readonly cold: ColdResult['cold']; readonly memory: ColdResult['memory']; readonly storyCost: number } | null;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly command: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGb: number; readonly node: string; readonly platform: string };
  /** Node flags of the measured processes (package.json config.nodeFlags, then TIDINGS_BENCH_NODE_FLAGS). */
  readonly nodeFlags: readonly string[];
  readonly git: { readonly commit: string | null; readonly dirty: boolean };
  readonly options: { readonly quick: boolean; readonly feeds: number; readonly runs: number; readonly serveSeconds: number; readonly connections: number };
  /** Median over runs of every figure (the run itself when --runs 1). */
  readonly median: RunFigures;
  readonly targets: readonly TargetCheck[];
  readonly runs: readonly RunFigures[];
}

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      feeds: { type: 'string' },
      runs: { type: 'string', default: '1' },
      backends: { type: 'string', default: 'postgres,pglite' },
      'cold-only': { type: 'boolean', default: false },
      'serve-seconds': { type: 'string' },
      out: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'latest.json') },
    },
  });
  const quick = values.quick!;
  const feeds = positiveInt('--feeds', values.feeds ?? (quick ? '200' : '1000'));
  const runs = positiveInt('--runs', values.runs!);
  const serveSeconds = positiveInt('--serve-seconds', values['serve-seconds'] ?? (quick ? '2' : '10'));
  const backends = values.backends!.split(',').map((b) => b.trim());
  for (const b of backends) if (b !== 'postgres' && b !== 'pglite') throw new Error(`--backends: expected postgres and/or pglite, got "${b}"`);
  const databaseUrl = process.env.TIDINGS_BENCH_DATABASE_URL || process.env.TIDINGS_TEST_DATABASE_URL || DEFAULT_PG;
  const startedAt = new Date().toISOString();

  progress('compiling the measured processes (tsc -p bench/tsconfig.json)');
  compileChildren();
  progress(`feed server: ${feeds} feeds × 50 items on 127.0.0.1–100`);
  const server = await startFeedServer(feeds);
  if (values['cold-only']) {
    try {
      await coldOnly({ feeds, runs, backends, databaseUrl, port: server.port, json: values.json! });
    } finally {
      server.stop();
    }
    return;
  }
  const all: RunFigures[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      if (runs > 1) progress(`run ${r + 1} of ${runs}`);
      progress('1 and 5. parse (raw rss-parser vs decode + parse + normalize) and topic matching (50 topics × 10 keywords)');
      const { parse, match } = await runCompute({ feeds, parseFeeds: Math.min(feeds, quick ? 40 : 100), parseRounds: quick ? 3 : 5, matchRounds: quick ? 3 : 5 });
      const results: RunFigures['backends'] = {};
      for (const backend of backends) {
        if (backend === 'postgres') {
          const down = await postgresDown(databaseUrl);
          if (down) {
            progress(`postgres: skipped (${down})`);
            results[backend] = { skipped: `cannot reach ${redact(databaseUrl)}: ${down}` };
            continue;
          }
        }
        const args: ChildArgs = { backend: backend as ChildArgs['backend'], feeds, feedServerPort: server.port, databaseUrl: backend === 'postgres' ? databaseUrl : null, stories: true, coldOnly: false };
        progress(`2–4. ${backend}: cold ingest, storage ceiling, re-polls, serving`);
        const figures = await runBackend(args, serveSeconds);
        let withoutStories: BackendFigures['withoutStories'] = null;
        if (backend === 'postgres') {
          progress('2b. postgres: cold ingest again with story clustering off (a fresh schema)');
          const off = await runColdOnly({ ...args, stories: false, coldOnly: true });
          withoutStories = { ...off, storyCost: figures.cold.wallMs / figures.cold.inserted / (off.cold.wallMs / off.cold.inserted) - 1 };
        }
        results[backend] = { ...figures, withoutStories };
      }
      all.push({ parse, match, backends: results });
    }
  } finally {
    server.stop();
  }

  const med = medianOf(all);
  const report: BenchReport = {
    startedAt,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    nodeFlags: measuredFlags(),
    git: gitInfo(),
    options: { quick, feeds, runs, serveSeconds, connections: CONNECTIONS },
    median: med,
    targets: checkTargets(med, feeds),
    runs: all,
  };
  mkdirSync(path.dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, JSON.stringify(report, null, 2) + '\n');
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else printTable(report);
  progress(`figures written to ${path.relative(process.cwd(), values.out!)}`);
}

/**
 * --cold-only: section 2's cold ingest alone, with stories on and (Postgres)
 * off, each run a fresh schema: wall time and CPU per item on each side, for
 * comparing two builds (run it in two worktrees in turn). Writes
 * bench/results/cold.json; latest.json keeps the last full run.
 */
async function coldOnly(o: { feeds: number; runs: number; backends: readonly string[]; databaseUrl: string; port: number; json: boolean }): Promise<void> {
  const rows: { backend: string; stories: boolean; run: number; cold: ColdResult['cold']; peakRssMb: number }[] = [];
  for (let r = 0; r < o.runs; r++) {
    for (const backend of o.backends) {
      if (backend === 'postgres' && (await postgresDown(o.databaseUrl))) throw new Error(`--cold-only: cannot reach ${redact(o.databaseUrl)}`);
      for (const stories of backend === 'postgres' ? [true, false] : [true]) {
        progress(`run ${r + 1} of ${o.runs}: ${backend}, stories ${stories ? 'on' : 'off'}`);
        const res = await runColdOnly({ backend: backend as ChildArgs['backend'], feeds: o.feeds, feedServerPort: o.port, databaseUrl: backend === 'postgres' ? o.databaseUrl : null, stories, coldOnly: true });
        rows.push({ backend, stories, run: r + 1, cold: res.cold, peakRssMb: res.memory.peakRssMb });
      }
    }
  }
  const out = { startedAt: new Date().toISOString(), git: gitInfo(), machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version }, nodeFlags: measuredFlags(), feeds: o.feeds, rows };
  writeFileSync(path.join(ROOT, 'bench', 'results', 'cold.json'), JSON.stringify(out, null, 2) + '\n');
  if (o.json) {
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  const us = (ms: number | null, items: number) => (ms === null ? '–' : String(Math.round((ms * 1000) / items)));
  process.stdout.write(`cold ingest, ${o.feeds} feeds × 50 items · ${out.git.commit?.slice(0, 10) ?? 'no git'}${out.git.dirty ? ' (dirty)' : ''}\n`);
  process.stdout.write('run  backend   stories   wall s   stored/s   node µs/item   postgres µs/item   peak RSS MB   linker busy / ingest waiting\n');
  for (const x of rows) {
    const items = x.cold.inserted + x.cold.duplicates;
    process.stdout.write(
      `${String(x.run).padEnd(5)}${x.backend.padEnd(10)}${(x.stories ? 'on' : 'off').padEnd(10)}${(x.cold.wallMs / 1000).toFixed(1).padStart(6)}${Math.round(x.cold.storedPerSec).toString().padStart(11)}` +
        `${us(x.cold.cpu.nodeMs, items).padStart(15)}${us(x.cold.cpu.postgresMs, items).padStart(19)}${x.peakRssMb.toFixed(0).padStart(14)}   ${linkerShare(x.cold)}\n`,
    );
  }
}

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new Error(`${flag}: expected a positive whole number, got "${v}"`);
  return Number(v);
}

function progress(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

const BUILD = path.join(ROOT, 'node_modules', '.cache', 'tidings-bench');

/**
 * The child processes run compiled JS with plain node, as production does
 * (`node dist/cli.js`): under tsx the measured RSS would include ~75 MB of
 * transpiler. Their stdout goes to our stderr so --json stays clean.
 */
function compileChildren(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'bench', 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  // src/ finds sql/ and package.json relative to itself, as dist/ does.
  for (const f of ['sql', 'package.json']) {
    const link = path.join(BUILD, f);
    if (!existsSync(link)) symlinkSync(path.join(ROOT, f), link);
  }
}

/**
 * The node flags Tidings runs with: package.json's config.nodeFlags, which
 * `npm start` passes and the Dockerfile sets as NODE_OPTIONS, so the bench
 * measures what operators run.
 */
function runtimeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { config?: { nodeFlags?: string } };
  return (pkg.config?.nodeFlags ?? '').split(/\s+/).filter((f) => f !== '');
}

/** TIDINGS_BENCH_NODE_FLAGS (for example "--expose-gc --cpu-prof"): more node flags for the measured processes, for experiments. */
function measuredFlags(): string[] {
  return [...runtimeFlags(), ...(process.env.TIDINGS_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f !== '')];
}

/** Tidings' processes get measuredFlags(); the feed server is the bench's own and runs with none. */
function spawnChild(file: string, arg: string, flags: readonly string[] = measuredFlags()): ChildProcess {
  return fork(path.join(BUILD, 'bench', file.replace(/\.ts$/, '.js')), [arg], { execArgv: [...flags], stdio: ['ignore', 2, 2, 'ipc'], cwd: ROOT });
}

async function startFeedServer(feeds: number): Promise<{ port: number; stop: () => void }> {
  const child = spawnChild('feed-server.ts', String(feeds), []);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: FeedServerMessage) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`feed server exited with code ${code}`)));
  });
  return { port, stop: () => child.connected && child.send({ type: 'stop' }) };
}

async function runCompute(args: ComputeArgs): Promise<{ parse: ParseFigures; match: MatchFigures }> {
  const child = spawnChild('compute-child.ts', JSON.stringify(args));
  return new Promise((resolve, reject) => {
    child.on('message', (m: ComputeMessage) => {
      if (m.type === 'result') resolve({ parse: m.parse, match: m.match });
      else reject(new Error(`parse and matching bench failed:\n${m.error}`));
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`parse and matching bench exited with code ${code}`)));
  });
}

async function runColdOnly(args: ChildArgs): Promise<ColdResult> {
  const child = spawnChild('ingest-child.ts', JSON.stringify(args));
  return new Promise<ColdResult>((resolve, reject) => {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'cold-result') resolve(m.result);
      else if (m.type === 'failed') reject(new Error(`${args.backend} bench (stories off) failed:\n${m.error}`));
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`${args.backend} bench (stories off) exited with code ${code}`)));
  });
}

async function runBackend(args: ChildArgs, serveSeconds: number): Promise<Omit<BackendFigures, 'withoutStories'>> {
  const child = spawnChild('ingest-child.ts', JSON.stringify(args));
  let serve: ServeFigures[] = [];
  const result = await new Promise<ChildResult>((resolve, reject) => {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'serve-ready') {
        progress(`4. ${args.backend}: serving, ${CONNECTIONS} connections × ${serveSeconds} s per run`);
        loadTargets(m.targets, serveSeconds).then(
          (figures) => {
            serve = figures;
            child.send({ type: 'serve-done' });
          },
          reject,
        );
      } else if (m.type === 'result') resolve(m.result);
      else if (m.type === 'failed') reject(new Error(`${args.backend} bench failed:\n${m.error}`));
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`${args.backend} bench exited with code ${code}`)));
  });
  return { ...result, storageRatio: result.cold.storedPerSec / result.ceiling.rowsPerSec, serve };
}

async function postgresDown(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function gitInfo(): BenchReport['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: false };
  }
}

/** The median of every number across runs, keeping the shape of the first run. */
function medianOf<T>(runs: readonly T[]): T {
  const first = runs[0];
  if (typeof first === 'number') return median(runs as unknown as number[]) as unknown as T;
  if (Array.isArray(first)) return first.map((_, i) => medianOf(runs.map((r) => (r as unknown as unknown[])[i]))) as unknown as T;
  if (first && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(first)) out[k] = medianOf(runs.map((r) => (r as Record<string, unknown>)[k]));
    return out as T;
  }
  return first as T;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
