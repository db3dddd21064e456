import type { Enclosure } from './item';

/** An item as read back from the store, for publishing and the API. */
export interface StoredItem {
  readonly id: number;
  readonly sourceId: string;
  readonly sourceName: string;
  /** The feed the item came from (where a 301 moved it, if it moved): the published <source>. */
  readonly sourceFeedUrl: string | null;
  readonly guid: string | null;
  readonly url: string | null;
  readonly title: string;
  readonly summary: string | null;
  readonly contentHtml: string | null;
  readonly author: string | null;
  readonly categories: readonly string[];
  readonly enclosures: readonly Enclosure[];
  readonly publishedAt: Date;
  readonly updatedAt: Date | null;
  readonly firstSeenAt: Date;
}
