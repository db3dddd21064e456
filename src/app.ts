import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import type { Config } from './config/load';
import { packageVersion } from './config/load';
import type { TopicSpec } from './domain/topic';
import type { IngestDeps } from './ingest/ingest-feed';
import type { StoryOptions } from './dedup/story-match';
import { Fetcher } from './fetch/fetcher';
import { FeedPublisher } from './publish/service';
import type { Logger } from './shared/logger';
import { Store } from './store';
import { backfillTopics } from './topics/backfill';
import { TopicMatcher } from './topics/matcher';

/** Everything one Tidings process holds, wired from a config. The only place concrete instances are made. */
export interface App {
  readonly config: Config;
  readonly store: Store;
  readonly fetcher: Fetcher;
  readonly publisher: FeedPublisher;
  readonly ingest: IngestDeps;
  matcher(): TopicMatcher;
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
    ...(opts.schema ? { schema: opts.schema } : {}),
  });
  try {
    const applied = await store.migrate();
    if (applied.length > 0) opts.logger.info({ applied }, 'migrations applied');
    await store.syncSources(config.sources);
  } catch (err) {
    await store.close();
    throw err;
  }
  const matcher = new TopicMatcher(config.topics);
  const changed = await store.syncTopics(config.topics.map((t) => ({ slug: t.slug, title: t.title, ruleHash: matcher.ruleHashes.get(t.slug)! })));
  if (changed.length > 0) {
    const scanned = await backfillTopics(store, matcher, changed);
    opts.logger.info({ topics: changed, scanned }, 'topic membership recomputed');
  }
  const version = packageVersion();
  const fetcher = new Fetcher({
    timeoutMs: config.fetch.timeoutMs,
    maxBytes: config.fetch.maxBytes,
    userAgent: config.fetch.userAgent,
    allowPrivateNetworks: config.fetch.allowPrivateNetworks,
  });
  const publisher = new FeedPublisher(store, new Map<string, TopicSpec>(config.topics.map((t) => [t.slug, t])), {
    baseUrl: config.server.baseUrl,
    generator: `Tidings ${version}`,
    defaultLimit: config.publish.defaultLimit,
    maxLimit: config.publish.maxLimit,
  });
  const stories = storyOptions(config);
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  return {
    config,
    store,
    fetcher,
    publisher,
    matcher: () => matcher,
    ingest: { store, fetcher, matcher: () => matcher, logger: opts.logger, workerId, stories },
    close: async () => {
      await fetcher.close();
      await store.close();
    },
  };
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
