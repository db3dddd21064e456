#!/usr/bin/env node
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { openApp, storyOptions, type App } from './app';
import { ConfigError, loadConfigFile, packageVersion, parseConfig, resolveConfigPath, type Config } from './config/load';
import { DEFAULT_STORY_OPTIONS } from './dedup/story-match';
import { LabelledFileError, parseLabelledTsv, scorePairs, sweep } from './dedup/story-eval';
import { buildServer } from './http/server';
import { pollFeeds } from './ingest/poll';
import type { IngestSummary } from './ingest/ingest-feed';
import { Scheduler } from './scheduler/scheduler';
import { errorMessage } from './shared/errors';
import { createLogger, type Logger } from './shared/logger';
import { Store } from './store';

/** Exit codes: 0 ran; 1 could not run (database, runtime); 2 bad config or usage. */
export const EXIT_RUNTIME = 1;
export const EXIT_CONFIG = 2;

/** Thrown by a command to end with this exit code and message; main() prints it and exits. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

function loadConfigOrExit(flag: string | undefined): Config {
  const file = resolveConfigPath(flag);
  try {
    return loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new CliExit(EXIT_CONFIG, `${err.message}\n${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} in ${file}`);
    }
    throw err;
  }
}

async function withApp<T>(flag: string | undefined, logger: Logger, fn: (app: App) => Promise<T>): Promise<T> {
  const config = loadConfigOrExit(flag);
  let app: App;
  try {
    app = await openApp(config, { logger });
  } catch (err) {
    throw new CliExit(EXIT_RUNTIME, `tidings: cannot open the database: ${errorMessage(err)}`);
  }
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export function printSummary(summaries: readonly IngestSummary[], out: NodeJS.WritableStream = process.stdout): void {
  const bySource = new Map<string, { new: number; duplicate: number; updated: number; notModified: number; errors: string[] }>();
  for (const s of summaries) {
    const row = bySource.get(s.sourceId) ?? { new: 0, duplicate: 0, updated: 0, notModified: 0, errors: [] };
    row.new += s.new;
    row.duplicate += s.duplicate;
    row.updated += s.updated;
    if (s.status === 'not_modified') row.notModified++;
    if (s.status === 'error') row.errors.push(`${s.url}: ${s.errorCode}: ${s.error}`);
    bySource.set(s.sourceId, row);
  }
  const width = Math.max(6, ...[...bySource.keys()].map((k) => k.length));
  out.write(`${'source'.padEnd(width)}  ${'new'.padStart(5)}  ${'dup'.padStart(5)}  ${'upd'.padStart(4)}  ${'304'.padStart(4)}  errors\n`);
  for (const [id, r] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    out.write(
      `${id.padEnd(width)}  ${String(r.new).padStart(5)}  ${String(r.duplicate).padStart(5)}  ${String(r.updated).padStart(4)}  ${String(r.notModified).padStart(4)}  ${r.errors.length}\n`,
    );
    for (const e of r.errors) out.write(`${' '.repeat(width)}  error: ${e}\n`);
  }
}

async function serve(flag: string | undefined, roles: { http: boolean; scheduler: boolean }): Promise<void> {
  const logger = createLogger();
  const config = loadConfigOrExit(flag);
  let app: App;
  try {
    app = await openApp(config, { logger });
  } catch (err) {
    throw new CliExit(EXIT_RUNTIME, `tidings: cannot open the database: ${errorMessage(err)}`);
  }
  const scheduler = roles.scheduler
    ? new Scheduler(app.ingest, {
        tick: config.schedule.tick,
        concurrency: config.fetch.concurrency,
        leaseSeconds: Math.ceil((config.fetch.timeoutMs * 3) / 1000) + 60,
      })
    : null;
  const http = roles.http ? buildServer({ store: app.store, publisher: app.publisher, logger, maxAgeSeconds: 60 }) : null;
  if (http) {
    const port = Number(process.env.PORT ?? config.server.port);
    await http.listen({ port, host: config.server.host });
    logger.info({ port, baseUrl: config.server.baseUrl, backend: app.store.backend }, 'tidings serving');
  }
  scheduler?.start();

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(EXIT_RUNTIME);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: no new fetches, waiting for those under way');
    try {
      await http?.close();
      await scheduler?.stop(20_000);
      await app.close();
      process.exit(0);
    } catch (err) {
      logger.error({ err: errorMessage(err) }, 'unclean shutdown');
      process.exit(EXIT_RUNTIME);
    }
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));
}

export function buildCli(): Command {
  const program = new Command('tidings')
    .exitOverride()
    .description('Self-hosted news feed aggregator: polls feeds, deduplicates, republishes topic feeds')
    .version(packageVersion())
    .option('-c, --config <file>', 'config file (default: $TIDINGS_CONFIG or config/tidings.yaml)');
  const cfg = () => program.opts<{ config?: string }>().config;

  program
    .command('serve')
    .description('migrate, sync the config, then poll on schedule and serve HTTP')
    .action(() => serve(cfg(), { http: true, scheduler: true }));

  program
    .command('worker')
    .description('migrate, sync the config, then poll on schedule (no HTTP)')
    .action(() => serve(cfg(), { http: false, scheduler: true }));

  program
    .command('poll')
    .description('fetch every enabled feed (or one source) once and print a summary')
    .option('-s, --source <id>', 'only this source')
    .option('--json', 'print the summaries as JSON')
    .action(async (o: { source?: string; json?: boolean }) => {
      const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
      await withApp(cfg(), logger, async (app) => {
        if (o.source && !app.config.sources.some((s) => s.id === o.source)) {
          throw new CliExit(EXIT_CONFIG, `tidings: no enabled source "${o.source}" in ${app.config.file}`);
        }
        const summaries = await pollFeeds(app.ingest, {
          ignoreSchedule: true,
          sourceId: o.source ?? null,
          concurrency: app.config.fetch.concurrency,
          leaseSeconds: 3600,
        });
        if (o.json) process.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
        else printSummary(summaries);
      });
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const config = loadConfigOrExit(cfg());
      let store: Store;
      try {
        store = await Store.open({ url: config.database.url, dataDir: config.database.dataDir });
      } catch (err) {
        throw new CliExit(EXIT_RUNTIME, `tidings: cannot open the database: ${errorMessage(err)}`);
      }
      try {
        const applied = await store.migrate();
        process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
      } finally {
        await store.close();
      }
    });

  program
    .command('dedup-eval')
    .description('score the story layers on a labelled TSV (news-clusters.tsv layout): pairwise precision, recall, F1 and a threshold sweep')
    .argument('<labelled.tsv>', 'rows: id, title, publisher, url, story_id, hostname, category, timestamp_ms, timestamp_utc')
    .option('--threshold <x>', 'near-duplicate threshold instead of the configured one')
    .option('--json', 'print {precision, recall, f1, pairs, sweep} as one JSON object')
    .action((file: string, o: { threshold?: string; json?: boolean }) => {
      // The configured thresholds when a config file is there; the defaults otherwise.
      const flag = cfg();
      const config = flag || existsSync(resolveConfigPath(undefined)) ? loadConfigOrExit(flag) : parseConfig('{}', '(defaults)', {});
      const base = storyOptions({ dedup: { ...config.dedup, stories: true } }) ?? DEFAULT_STORY_OPTIONS;
      let threshold = base.threshold;
      if (o.threshold !== undefined) {
        threshold = Number(o.threshold);
        if (!(threshold > 0 && threshold <= 1)) throw new CliExit(EXIT_CONFIG, `tidings: --threshold expects a number in (0, 1], got ${JSON.stringify(o.threshold)}`);
      }
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliExit(EXIT_CONFIG, `tidings: cannot read ${file}: ${errorMessage(err)}`);
      }
      let rows;
      try {
        rows = parseLabelledTsv(text, file);
      } catch (err) {
        if (err instanceof LabelledFileError) throw new CliExit(EXIT_CONFIG, `tidings: ${err.message}`);
        throw err;
      }
      const opts = { ...base, threshold };
      const s = scorePairs(rows, opts);
      const sw = sweep(rows, opts);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ precision: s.precision, recall: s.recall, f1: s.f1, pairs: s.pairs, threshold, byLayer: s.byLayer, sweep: sw })}\n`);
        return;
      }
      const f = (x: number) => x.toFixed(3);
      process.stdout.write(
        `${file}: ${rows.length} rows, ${s.pairs.gold} labelled cross-publisher pairs\n` +
          `threshold ${threshold}, window ${opts.windowMs / 3600_000}h, min words ${opts.minTokens}\n` +
          `precision ${f(s.precision)}  recall ${f(s.recall)}  F1 ${f(s.f1)}  (predicted ${s.pairs.predicted}, correct ${s.pairs.correct})\n` +
          `joined by layer: url ${s.byLayer.url}, title ${s.byLayer.title}, minhash ${s.byLayer.minhash}\n` +
          `sweep:\n  threshold  precision  recall  F1\n` +
          sw.map((r) => `  ${r.threshold.toFixed(2).padStart(9)}  ${f(r.precision).padStart(9)}  ${f(r.recall).padStart(6)}  ${f(r.f1)}`).join('\n') +
          '\n',
      );
    });

  program
    .command('check-config')
    .description('validate the config file and print every problem with file:line:col')
    .action(() => {
      const config = loadConfigOrExit(cfg());
      process.stdout.write(`${config.file}: ok (${config.sources.length} sources, ${config.topics.length} topics)\n`);
    });
  return program;
}

/** Runs the CLI; resolves to the exit code (tests call this in-process). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildCli().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CliExit) {
      process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    // commander's own exits (--help, --version, unknown command) after exitOverride().
    const code = (err as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : EXIT_CONFIG;
    }
    process.stderr.write(`tidings: ${errorMessage(err)}\n`);
    return EXIT_RUNTIME;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    // serve and worker keep running; they exit from their signal handlers.
    if (code !== 0) process.exit(code);
  });
}
