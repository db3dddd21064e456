/** One enclosure (podcast audio, image, attachment) of an item. */
export interface Enclosure {
  readonly url: string;
  readonly type: string | null;
  readonly length: number | null;
}

/**
 * An item after the parse stage: fields as the feed gave them, already text
 * (never objects), but not yet cleaned, resolved or sanitized.
 */
export interface RawItem {
  readonly guid: string | null;
  readonly link: string | null;
  readonly title: string | null;
  /** Title markup type: Atom text constructs may be html or xhtml. */
  readonly titleIsHtml: boolean;
  readonly summary: string | null;
  readonly content: string | null;
  /** xml:base in scope at the content element, when it differs from the item's. */
  readonly contentBase?: string | null;
  readonly author: string | null;
  readonly categories: readonly string[];
  readonly published: string | null;
  readonly updated: string | null;
  readonly enclosures: readonly Enclosure[];
  readonly language: string | null;
  /** xml:base in scope for this item, if any (may be relative: resolve it against the feed URL). */
  readonly base: string | null;
}

export type FeedFormat = 'rss' | 'atom' | 'rdf' | 'json';

export interface ParsedFeed {
  readonly format: FeedFormat;
  readonly title: string | null;
  readonly link: string | null;
  readonly language: string | null;
  /** The feed's own dates as written (RSS pubDate/lastBuildDate, Atom updated), if any. */
  readonly published?: string | null;
  readonly updated?: string | null;
  /** Minutes from RSS <ttl>, if present. */
  readonly ttlMinutes: number | null;
  /** xml:base in scope at the channel/feed element, if any (may be relative). */
  readonly base?: string | null;
  /** Minutes between updates from RSS 1.0 sy:updatePeriod ÷ sy:updateFrequency, if present. */
  readonly updatePeriodMinutes?: number | null;
  readonly items: readonly RawItem[];
  /** Recoverable problems (for example a truncated document). */
  readonly warnings: readonly string[];
}

/** An item ready for dedup and storage: clean, absolute, sanitized. */
export interface NormalizedItem {
  readonly guid: string | null;
  readonly url: string | null;
  /** Lower-cased scheme/host, no fragment, tracking parameters removed. */
  readonly canonicalUrl: string | null;
  readonly title: string;
  readonly summary: string | null;
  readonly contentHtml: string | null;
  readonly author: string | null;
  readonly categories: readonly string[];
  readonly publishedAt: Date;
  /** True when the feed gave no usable date and publishedAt is the first-seen time. */
  readonly publishedEstimated: boolean;
  readonly updatedAt: Date | null;
  readonly enclosures: readonly Enclosure[];
  readonly language: string | null;
}
