#!/usr/bin/env node
import { Command } from 'commander';
import { existsSync, readFileSync, watch } from 'node:fs';
import path from 'node:path';
import { openApp, reloadConfigFile, storyOptions, type App } from './app';
import { ConfigError, loadConfigFile, packageVersion, parseConfig, resolveConfigPath, type Config } from './config/load';
import { DEFAULT_STORY_OPTIONS } from './dedup/story-match';
import { LabelledFileError, parseLabelledTsv, scorePairs, sweep } from './dedup/story-eval';
import { buildServer } from './http/server';
import { pollFeeds } from './ingest/poll';
import type { IngestSummary } from './ingest/ingest-feed';
import { Scheduler } from './scheduler/scheduler';
import { errorMessage } from './shared/errors';
import { createLogger, type Logger } from './shared/logger';
import { tickSeconds } from './publish/max-age';
import { HubPinger } from './publish/websub';
import { Store } from './store';
import { parseDuration } from './shared/duration';
import { TopicMatcher } from './topics/matcher';
import { backtestTopic } from './topics/backtest';

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

/** Opens the app (database, migrations, config sync); an unreachable database ends the command with exit code 1. */
async function openAppOrExit(config: Config, logger: Logger): Promise<App> {
  try {
    return await openApp(config, { logger });
  } catch (err) {
    throw new CliExit(EXIT_RUNTIME, `tidings: cannot open the database: ${errorMessage(err)}`);
  }
}

async function withApp<T>(flag: string | undefined, logger: Logger, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openAppOrExit(loadConfigOrExit(flag), logger);
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
  const app = await openAppOrExit(config, logger);
  const scheduler = roles.scheduler
    ? new Scheduler(app.ingest, {
        tick: config.schedule.tick,
        concurrency: config.fetch.concurrency,
        perHost: config.fetch.perHost,
        leaseSeconds: config.schedule.leaseSeconds,
      })
    : null;
  const maxAgeSeconds = tickSeconds(config.schedule.tick);
  const http = roles.http
    ? buildServer({ store: app.store, publisher: app.publisher, logger, maxAgeSeconds, generator: `Tidings ${packageVersion()}` })
    : null;
  // The hub is pinged from the process that serves, after each tick's worth of ingest.
  const pinger =
    http && config.publish.hub
      ? new HubPinger(app.store, config.publish.hub, (slug) => (app.publisher.publicTopics().some((t) => t.slug === slug) ? Object.values(app.publisher.feedUrls({ kind: 'topic', slug })) : null), logger)
      : null;
  const pingTimer = pinger ? setInterval(() => void pinger.check().catch(() => undefined), maxAgeSeconds * 1000) : null;
  pingTimer?.unref();
  if (http) {
    const port = Number(process.env.PORT ?? config.server.port);
    await http.listen({ port, host: config.server.host });
    logger.info({ port, baseUrl: config.server.baseUrl, backend: app.store.backend }, 'tidings serving');
  }
  scheduler?.start();

  // SIGHUP, or a change of the file when watch: true, reloads it; an invalid file is rejected and the running config stays.
  let reloading = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(async () => {
      logger.info({ why, file: config.file }, 'reloading the config');
      await reloadConfigFile(app, config.file, logger);
    });
  };
  process.on('SIGHUP', () => reload('SIGHUP'));
  let debounce: NodeJS.Timeout | null = null;
  // The directory is watched, not the file: editors that save by rename would leave a file watch on the old inode.
  const watcher = config.watch
    ? watch(path.dirname(path.resolve(config.file)), (_event, name) => {
        if (name !== null && name.toString() !== path.basename(config.file)) return;
        if (debounce) clearTimeout(debounce);
        debounce = setTimeout(() => reload('file changed'), 300);
      })
    : null;

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(EXIT_RUNTIME);
    }
    stopping = true;
    logger.info({ signal, graceMs: config.schedule.shutdownGraceMs }, 'shutting down: no new fetches, waiting for those under way');
    try {
      watcher?.close();
      if (pingTimer) clearInterval(pingTimer);
      // Stop claiming first; HTTP keeps answering while fetches drain, then closes.
      const drained = scheduler?.stop(config.schedule.shutdownGraceMs);
      await http?.close();
      await drained;
      await app.close();
      logger.info('stopped');
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
          perHost: app.config.fetch.perHost,
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
        store = await Store.open({
          url: config.database.url,
          dataDir: config.database.dataDir,
          ...(config.database.schema ? { schema: config.database.schema } : {}),
        });
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
    .command('backtest')
    .description("show what a topic's rule would add to and remove from the stored items, without writing (edit a copy of the config and pass it with --config)")
    .requiredOption('-t, --topic <slug>', 'the topic to test')
    .option('--since <duration>', 'only items published within this long (for example 7d)')
    .option('--json', 'print the result as JSON')
    .action(async (o: { topic: string; since?: string; json?: boolean }) => {
      const config = loadConfigOrExit(cfg());
      const sinceMs = o.since ? parseDuration(o.since) : null;
      if (o.since && (sinceMs === null || sinceMs <= 0)) throw new CliExit(EXIT_CONFIG, `tidings: --since expects a duration such as 7d or 12h, got "${o.since}"`);
      if (!config.topics.some((t) => t.slug === o.topic)) throw new CliExit(EXIT_CONFIG, `tidings: no topic "${o.topic}" in ${config.file}`);
      // The store is opened directly, not through openApp: syncing the topics would write the edited rule.
      let store: Store;
      try {
        store = await Store.open({ url: config.database.url, dataDir: config.database.dataDir });
      } catch (err) {
        throw new CliExit(EXIT_RUNTIME, `tidings: cannot open the database: ${errorMessage(err)}`);
      }
      try {
        const since = sinceMs ? new Date(Date.now() - sinceMs) : null;
        const r = await backtestTopic(store, new TopicMatcher(config.topics), o.topic, since);
        if (o.json) {
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        const line = (sign: string, it: { sourceId: string; title: string; publishedAt: Date }) =>
          `${sign} ${it.publishedAt.toISOString().slice(0, 16)}  ${it.sourceId.padEnd(16)}  ${it.title}\n`;
        process.stdout.write(
          `topic ${r.topic}: ${r.scanned} items scanned${since ? ` since ${since.toISOString()}` : ''}; ${r.kept} stay, ${r.added.length} would be added, ${r.removed.length} removed\n`,
        );
        for (const it of r.added) process.stdout.write(line('+', it));
        for (const it of r.removed) process.stdout.write(line('-', it));
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
