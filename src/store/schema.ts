import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Timestamps: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface SourcesTable {
  id: string;
  name: string;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  headers: Json<Record<string, string>>;
  enabled: Generated<boolean>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface FeedsTable {
  id: Generated<number>;
  sourceId: string;
  url: string;
  fetchUrl: string | null;
  enabled: Generated<boolean>;
  disabledReason: string | null;
  intervalSeconds: number;
  nextFetchAt: ColumnType<Date, Date | string | undefined, Date | string>;
  lockedBy: string | null;
  lockedUntil: Timestamp | null;
  etag: string | null;
  lastModified: string | null;
  title: string | null;
  lastFetchedAt: Timestamp | null;
  lastSuccessAt: Timestamp | null;
  lastStatus: string | null;
  lastError: string | null;
  lastErrorCode: string | null;
  errorCount: Generated<number>;
  fetchCount: Generated<number>;
  notModifiedCount: Generated<number>;
  feedHintSeconds: number | null;
}

export interface ItemsTable {
  id: Generated<number>;
  sourceId: string;
  feedId: number;
  guid: string | null;
  url: string | null;
  canonicalUrl: string | null;
  title: string;
  titleKey: string;
  summary: string | null;
  contentHtml: string | null;
  author: string | null;
  categories: ColumnType<string[], string[], string[]>;
  enclosures: Json<{ url: string; type: string | null; length: number | null }[]>;
  language: string | null;
  contentHash: string;
  publishedAt: Timestamp;
  publishedEstimated: boolean;
  updatedAt: Timestamp | null;
  firstSeenAt: Generated<Date>;
  lastSeenAt: Generated<Date>;
}

export interface TopicsTable {
  slug: string;
  title: string;
  ruleHash: string;
  updatedAt: Generated<Date>;
  membersHash: string | null;
  backfillCursor: number | null;
  changedAt: Generated<Date>;
}

export interface ItemTopicsTable {
  topicSlug: string;
  itemId: number;
  publishedAt: Timestamp;
}

export interface StoriesTable {
  id: Generated<number>;
  representativeItemId: number | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface StoryItemsTable {
  itemId: number;
  /** Written by the linker with the item's story (sql/0008); an item waiting for it has no row. */
  storyId: number;
  sourceId: string;
  layer: string;
  score: number;
  matchedItemId: number | null;
  rank: number;
  publishedAt: Timestamp;
  titleKey: string;
  shingles: number[];
  /** The canonical URL's key (sql/0006): select it ::text, int8 is read as a lossy number. */
  urlKey: ColumnType<number | null, string | null, string | null>;
  /** story_clock.epoch of the linker batch that linked it (sql/0005_story_clock.sql). */
  epoch: ColumnType<number, number | undefined, never>;
}

export interface StoryClockTable {
  id: number;
  epoch: number;
  /** Every item first seen before this is linked (sql/0008); null before the first complete sweep. */
  linkedThrough: Timestamp | null;
  /** Stored items in [rekeyFrom, rekeyBelow) still have 6 × 3 band keys (sql/0009). */
  rekeyFrom: number | null;
  rekeyBelow: number | null;
}

/** key is a signed 64-bit hash, written as a decimal string (select it ::text: int8 is read as a lossy number). */
export interface StoryKeysTable {
  key: ColumnType<number, string, string>;
  publishedAt: Timestamp;
  itemId: number;
}

export interface Database {
  sources: SourcesTable;
  feeds: FeedsTable;
  items: ItemsTable;
  topics: TopicsTable;
  itemTopics: ItemTopicsTable;
  stories: StoriesTable;
  storyItems: StoryItemsTable;
  storyKeys: StoryKeysTable;
  storyClock: StoryClockTable;
}

export type SourceRow = Selectable<SourcesTable>;
export type FeedRow = Selectable<FeedsTable>;
export type ItemRow = Selectable<ItemsTable>;
export type NewItemRow = Insertable<ItemsTable>;
export type FeedUpdate = Updateable<FeedsTable>;
