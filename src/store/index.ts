import type { FeedTask, SourceSpec } from '../domain/source';
import type { StoredItem } from '../domain/stored';
import type { Resolution, StoredCandidate } from '../dedup/publisher';
import { dropTopicsExcept, itemsAfter, replaceMemberships, type ItemForMatching } from './backfill';
import { claimFeeds, recordFetch, releaseLeases, type ClaimOptions, type FetchOutcome } from './feeds';
import { deleteItems, saveItems, type ItemToSave, type SaveResult } from './items';
import { migrate } from './migrate';
import { openDb, type Db, type OpenOptions } from './open';
import { listItems, topicsOf, topicVersion, type ItemQuery } from './read';
import { listSourceStatus, syncSources, type SourceStatus } from './sources';
import { syncTopics, type TopicRecord } from './topics';
import { itemsByIds, storiesOf, storiesVersion, type StoryMember, type StoryView } from './stories';
import type { StoryOptions } from '../dedup/story-match';

export type { FetchOutcome, ItemForMatching, ItemQuery, ItemToSave, SaveResult, SourceStatus, TopicRecord };
export type { Db, OpenOptions, StoryMember, StoryView };
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

  saveItems(
    sourceId: string,
    feedId: number,
    items: readonly ItemToSave[],
    resolve: (items: readonly ItemToSave[], stored: readonly StoredCandidate[]) => Resolution[],
    stories: StoryOptions | null = null,
  ): Promise<SaveResult> {
    return saveItems(this.db, sourceId, feedId, items, resolve, stories);
  }

  deleteItems(ids: readonly number[]): Promise<number> {
    return deleteItems(this.db.kysely, ids);
  }

  /** Each item's story (members, representative, why each joined), keyed by item id. */
  storiesOf(itemIds: readonly number[]): Promise<Map<number, StoryView>> {
    return storiesOf(this.db.kysely, itemIds);
  }

  itemsByIds(ids: readonly number[]): Promise<Map<number, StoredItem>> {
    return itemsByIds(this.db.kysely, ids);
  }

  storiesVersion(): Promise<string> {
    return storiesVersion(this.db.kysely);
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
