import type { FeedTask, SourceSpec } from '../domain/source';
import type { StoredItem } from '../domain/stored';
import type { Resolution, StoredCandidate } from '../dedup/publisher';
import { applyBackfillBatch, finishBackfill, itemsAfter, membershipsOf, type ItemForMatching, type Membership } from './backfill';
import { claimFeeds, countItemsSince, forgiveOutage, releaseLeases, renewLease, type ClaimOptions, type FetchOutcome } from './feeds';
import { FetchRecorder } from './fetch-recorder';
import { deleteItems, saveItems, type ItemToSave, type SaveResult } from './items';
import { migrate } from './migrate';
import { openDb, type Db, type OpenOptions } from './open';
import { listItems, listPage, topicsOf, topicVersion, type FeedPage, type ItemQuery } from './read';
import { listSourceStatus, syncSources, type SourceStatus } from './sources';
import { dropTopicsExcept, syncTopics, topicStats, type BackfillJob, type TopicRecord } from './topics';
import { awaitingStory, itemsByIds, linkPendingStories, pruneStoryKeys, rekeyStoredStories, storiesOf, storiesVersion, type StoryEntry, type StoryLinkResult, type StoryMember, type StoryView } from './stories';
import type { StoryOptions } from '../dedup/story-match';

export type { BackfillJob, FetchOutcome, ItemForMatching, ItemQuery, ItemToSave, Membership, SaveResult, SourceStatus, TopicRecord };
export type { FeedPage, PageCursor } from './read';
export type { Db, OpenOptions, StoryEntry, StoryLinkResult, StoryMember, StoryView };
export { startPglite } from './open';

/** Every query Tidings runs lives behind this class. */
export class Store {
  private readonly fetches: FetchRecorder;

  constructor(readonly db: Db) {
    this.fetches = new FetchRecorder(db.kysely);
  }

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

  /** Writes the configured topics; returns the backfills due. */
  syncTopics(topics: readonly TopicRecord[]): Promise<BackfillJob[]> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const jobs = await syncTopics(trx, topics);
      await dropTopicsExcept(trx, topics.map((t) => t.slug));
      return jobs;
    });
  }

  topicStats() {
    return topicStats(this.db.kysely);
  }

  claimFeeds(o: ClaimOptions): Promise<FeedTask[]> {
    return claimFeeds(this.db.kysely, o);
  }

  /** Records one fetch and releases its lease; fetches finishing together are written in one statement. */
  recordFetch(feedId: number, workerId: string, outcome: FetchOutcome): Promise<void> {
    return this.fetches.record({ feedId, workerId, outcome });
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
    stories: StoryOptions | null = null,
  ): Promise<SaveResult> {
    return saveItems(this.db, sourceId, feedId, items, resolve, stories);
  }

  deleteItems(ids: readonly number[]): Promise<number> {
    return deleteItems(this.db.kysely, ids);
  }

  /** One batch of the one-time re-keying of stored story keys (sql/0009); null when none is left. */
  rekeyStoredStories(): Promise<number | null> {
    return rekeyStoredStories(this.db.kysely);
  }

  /** Links items queued by saveItems to stories in one transaction: those handed over, or up to `batch` of the queue (the story linker's step). */
  linkPendingStories(opts: StoryOptions, batch: number, queued: readonly StoryEntry[] | null = null, sweepFrom = 0): Promise<StoryLinkResult> {
    return linkPendingStories(this.db.kysely, opts, batch, queued, sweepFrom);
  }

  /** Deletes up to `limit` story keys of items published and stored before `before`; returns how many. */
  pruneStoryKeys(before: Date, limit: number): Promise<number> {
    return pruneStoryKeys(this.db.kysely, before, limit);
  }

  /** Items queued for the story linker less than holdMs ago (collapsed feeds hold them back). */
  awaitingStory(itemIds: readonly number[], holdMs: number): Promise<Set<number>> {
    return awaitingStory(this.db.kysely, itemIds, holdMs);
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

  listPage(q: ItemQuery): Promise<FeedPage> {
    return listPage(this.db.kysely, q);
  }

  topicsOf(itemIds: readonly number[]): Promise<Map<number, string[]>> {
    return topicsOf(this.db.kysely, itemIds);
  }

  topicVersion(topic: string | null, sourceId: string | null = null) {
    return topicVersion(this.db.kysely, topic, sourceId);
  }

  listSources(): Promise<SourceStatus[]> {
    return listSourceStatus(this.db.kysely);
  }

  itemsAfter(afterId: number, limit: number, since: Date | null = null): Promise<ItemForMatching[]> {
    return itemsAfter(this.db.kysely, afterId, limit, since);
  }

  membershipsOf(slugs: readonly string[], itemIds: readonly number[]) {
    return membershipsOf(this.db.kysely, slugs, itemIds);
  }

  /** One backfill batch in one transaction, so serving never waits long. */
  applyBackfillBatch(slugs: readonly string[], itemIds: readonly number[], members: readonly Membership[], cursor: number) {
    return this.db.kysely.transaction().execute((trx) => applyBackfillBatch(trx, slugs, itemIds, members, cursor));
  }

  finishBackfill(slug: string, ruleHash: string): Promise<void> {
    return finishBackfill(this.db.kysely, slug, ruleHash);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
