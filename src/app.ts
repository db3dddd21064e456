import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { ConfigError, formatProblem, loadConfigFile, packageVersion, type Config } from './config/load';
import type { TopicSpec } from './domain/topic';
import type { IngestDeps } from './ingest/ingest-feed';
import { StoryLinker } from './ingest/story-linker';
import type { StoryOptions } from './dedup/story-match';
import { Fetcher } from './fetch/fetcher';
import { FeedPublisher } from './publish/service';
import type { Logger } from './shared/logger';
import { Store } from './store';
import { TopicBackfiller } from './topics/backfill';
import { TopicMatcher } from './topics/matcher';

/** Everything one Tidings process holds, wired from a config. The only place concrete instances are made. */
export interface App {
  /** The config in force (a reload replaces it). */
  readonly config: Config;
  readonly store: Store;
  readonly fetcher: Fetcher;
  readonly publisher: FeedPublisher;
  readonly ingest: IngestDeps;
  readonly backfiller: TopicBackfiller;
  matcher(): TopicMatcher;
  /**
   * Applies a new config: sources and topics are synced, the matcher and the
   * published topics swapped, and changed topics backfilled in the
   * background. Server, database and schedule settings need a restart.
   */
  reload(next: Config): Promise<void>;
  close(): Promise<void>;
}

export interface AppOptions {
  readonly logger: Logger;
  /** Tests: a schema of their own, and a shared PGlite. */
  readonly schema?: string;
  readonly pglite?: PGlite;
  /** Override the database URL from the config (tests). */
  readonly databaseUrl?: string | null;
}

/** Opens the store, migrates, syncs sources and topics (backfilling new or changed topics). */
export async function openApp(config: Config, opts: AppOptions): Promise<App> {
  const url = opts.databaseUrl !== undefined ? opts.databaseUrl : config.database.url;
  const store = await Store.open({
    url,
    ...(url ? {} : opts.pglite ? { pglite: opts.pglite } : { dataDir: config.database.dataDir }),
    ...(opts.schema ?? config.database.schema ? { schema: (opts.schema ?? config.database.schema)! } : {}),
  });
  try {
    const applied = await store.migrate();
    if (applied.length > 0) opts.logger.info({ applied }, 'migrations applied');
    await store.syncSources(config.sources);
  } catch (err) {
    await store.close();
    throw err;
  }
  let matcher = new TopicMatcher(config.topics);
  const backfiller = new TopicBackfiller(store, opts.logger);
  const syncTopics = async (cfg: Config, m: TopicMatcher) => {
    const jobs = await store.syncTopics(cfg.topics.map((t) => ({ slug: t.slug, title: t.title, ruleHash: m.ruleHashes.get(t.slug)! })));
    // Serving starts now; new or changed topics fill from history in the background.
    backfiller.start(m, jobs);
  };
  await syncTopics(config, matcher);
  const version = packageVersion();
  const fetcher = new Fetcher({
    timeoutMs: config.fetch.timeoutMs,
    connectTimeoutMs: config.fetch.connectTimeoutMs,
    headersTimeoutMs: config.fetch.headersTimeoutMs,
    maxRedirects: config.fetch.maxRedirects,
    maxBytes: config.fetch.maxBytes,
    userAgent: config.fetch.userAgent,
    allowPrivateNetworks: config.fetch.allowPrivateNetworks,
  });
  const publisher = new FeedPublisher(store, new Map<string, TopicSpec>(config.topics.map((t) => [t.slug, t])), {
    baseUrl: config.server.baseUrl,
    generator: `Tidings ${version}`,
    defaultLimit: config.publish.defaultLimit,
    maxLimit: config.publish.maxLimit,
    hub: config.publish.hub,
    logger: opts.logger,
    iframeHosts: config.content.iframeHosts,
    storiesEnabled: config.dedup.stories,
  });
  publisher.setSources(config.sources);
  const stories = storyOptions(config);
  const linker = stories ? new StoryLinker(store, stories, opts.logger.child({ component: 'stories' })) : null;
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let current = config;
  return {
    get config() {
      return current;
    },
    store,
    fetcher,
    publisher,
    backfiller,
    matcher: () => matcher,
    ingest: {
      store,
      fetcher,
      matcher: () => matcher,
      logger: opts.logger,
      workerId,
      iframeHosts: config.content.iframeHosts,
      policy: {
        minIntervalSeconds: config.schedule.minIntervalSeconds,
        maxIntervalSeconds: config.schedule.maxIntervalSeconds,
        backoffCeilingSeconds: config.schedule.backoffCeilingSeconds,
        adaptive: config.schedule.adaptive,
      },
      stories,
      linker,
    },
    reload: async (next) => {
      const nextMatcher = new TopicMatcher(next.topics);
      await store.syncSources(next.sources);
      matcher = nextMatcher;
      publisher.setTopics(new Map(next.topics.map((t) => [t.slug, t])));
      publisher.setSources(next.sources);
      await syncTopics(next, nextMatcher);
      const restart = (['server', 'database', 'schedule', 'fetch', 'content'] as const).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]));
      if (restart.length > 0) opts.logger.warn({ sections: restart }, 'config reloaded; these sections take effect at the next restart');
      current = next;
      opts.logger.info({ file: next.file, sources: next.sources.length, topics: next.topics.length }, 'config reloaded');
    },
    close: async () => {
      await linker?.stop();
      await backfiller.stop();
      await fetcher.close();
      await store.close();
    },
  };
}

/**
 * Reloads the config file into a running app. An invalid file is rejected
 * with every problem logged, and the config already running stays.
 * Returns whether the new file was applied.
 */
export async function reloadConfigFile(app: App, file: string, logger: Logger): Promise<boolean> {
  let next: Config;
  try {
    next = loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error({ file, problems: err.problems.map(formatProblem) }, 'config reload rejected; the running config stays');
      return false;
    }
    throw err;
  }
  try {
    await app.reload(next);
    return true;
  } catch (err) {
    logger.error({ file, err: err instanceof Error ? err.message : String(err) }, 'config reload failed; the running config stays');
    return false;
  }
}

/** The dedup section as the story step takes it; null when story clustering is off. */
export function storyOptions(config: Pick<Config, 'dedup'>): StoryOptions | null {
  const d = config.dedup;
  if (!d.stories) return null;
  return {
    windowMs: d.windowMs,
    threshold: d.threshold,
    minTokens: d.minWords,
    sourcePriority: d.sourcePriority,
    neverRepresentative: d.neverRepresentative,
  };
}
