import type { FeedTask, SourceSpec } from '../domain/source';
import type { StoredItem } from '../domain/stored';
import type { Resolution, StoredCandidate } from '../dedup/publisher';
import { dropTopicsExcept, itemsAfter, replaceMemberships, type ItemForMatching } from './backfill';
import { claimFeeds, countItemsSince, forgiveOutage, recordFetch, releaseLeases, renewLease, type ClaimOptions, type FetchOutcome } from './feeds';
import { saveItems, type ItemToSave, type SaveResult } from './items';
import { migrate } from './migrate';
import { openDb, type Db, type OpenOptions } from './open';
import { listItems, topicsOf, topicVersion, type ItemQuery } from './read';
import { listSourceStatus, syncSources, type SourceStatus } from './sources';
import { syncTopics, type TopicRecord } from './topics';

export type { FetchOutcome, ItemForMatching, ItemQuery, ItemToSave, SaveResult, SourceStatus, TopicRecord };
export type { Db, OpenOptions };
export { startPglite } from './open';

/** Every query Tidings runs lives behind this class. */
export class Store {
  constructor(readonly db: Db) {}

  static async open(opts: OpenOptions): Promise<Store> {
    return new Store(await openDb(opts));
  }

  get backend(): Db['backend'] {
    return this.db.backend;
  }

  migrate(): Promise<string[]> {
    return migrate(this.db);
  }

  syncSources(specs: readonly SourceSpec[]): Promise<void> {
    return this.db.kysely.transaction().execute((trx) => syncSources(trx, specs));
  }

  syncTopics(topics: readonly TopicRecord[]): Promise<string[]> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const changed = await syncTopics(trx, topics);
      await dropTopicsExcept(trx, topics.map((t) => t.slug));
      return changed;
    });
  }

  claimFeeds(o: ClaimOptions): Promise<FeedTask[]> {
    return claimFeeds(this.db.kysely, o);
  }

  recordFetch(feedId: number, workerId: string, outcome: FetchOutcome): Promise<void> {
    return recordFetch(this.db.kysely, feedId, workerId, outcome);
  }

  releaseLeases(workerId: string): Promise<number> {
    return releaseLeases(this.db.kysely, workerId);
  }

  renewLease(feedId: number, workerId: string, leaseSeconds: number): Promise<boolean> {
    return renewLease(this.db.kysely, feedId, workerId, leaseSeconds);
  }

  forgiveOutage(feeds: readonly { feedId: number; errorCount: number }[], codes: readonly string[], nextFetchAt: Date): Promise<number> {
    return forgiveOutage(this.db.kysely, feeds, codes, nextFetchAt);
  }

  countItemsSince(feedId: number, since: Date): Promise<number> {
    return countItemsSince(this.db.kysely, feedId, since);
  }

  saveItems(
    sourceId: string,
    feedId: number,
    items: readonly ItemToSave[],
    resolve: (items: readonly ItemToSave[], stored: readonly StoredCandidate[]) => Resolution[],
  ): Promise<SaveResult> {
    return saveItems(this.db, sourceId, feedId, items, resolve);
  }

  listItems(q: ItemQuery): Promise<StoredItem[]> {
    return listItems(this.db.kysely, q);
  }

  topicsOf(itemIds: readonly number[]): Promise<Map<number, string[]>> {
    return topicsOf(this.db.kysely, itemIds);
  }

  topicVersion(topic: string | null) {
    return topicVersion(this.db.kysely, topic);
  }

  listSources(): Promise<SourceStatus[]> {
    return listSourceStatus(this.db.kysely);
  }

  itemsAfter(afterId: number, limit: number): Promise<ItemForMatching[]> {
    return itemsAfter(this.db.kysely, afterId, limit);
  }

  replaceMemberships(
    slugs: readonly string[],
    itemIds: readonly number[],
    members: readonly { topicSlug: string; itemId: number; publishedAt: Date }[],
  ): Promise<void> {
    return this.db.kysely.transaction().execute((trx) => replaceMemberships(trx, slugs, itemIds, members));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
