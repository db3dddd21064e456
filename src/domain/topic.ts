/** The item fields a rule's words and regexes can look at. */
export type MatchField = 'title' | 'summary' | 'content' | 'categories' | 'author';

export const MATCH_FIELDS: readonly MatchField[] = ['title', 'summary', 'content', 'categories', 'author'];
/** What `any`/`all`/`none`/`regex` look at when a block names no `fields`. */
export const DEFAULT_MATCH_FIELDS: readonly MatchField[] = ['title', 'summary', 'content', 'categories'];

/**
 * One block of a topic's rule (already validated). Every condition the block
 * gives must hold (AND); an empty list is no condition. See README, "Topic rules".
 */
export interface MatchRule {
  /** At least one of these words or phrases. */
  readonly any: readonly string[];
  /** Every one of these. */
  readonly all: readonly string[];
  /** None of these. */
  readonly none: readonly string[];
  /** At least one of these RE2 patterns (linear time), case-insensitive, on the raw text. */
  readonly regex: readonly string[];
  /** Where any/all/none/regex look; null inherits the enclosing block's (default: title, summary, content, categories). */
  readonly fields: readonly MatchField[] | null;
  /** The item has a category containing one of these words or phrases. */
  readonly categories: readonly string[];
  /** The item's source id is one of these. */
  readonly sources: readonly string[];
  /** The item's source has one of these tags. */
  readonly sourceTags: readonly string[];
  /** The item's language (primary subtag: "tr" matches "tr-TR") is one of these. */
  readonly languages: readonly string[];
  /** At least one of these blocks holds. */
  readonly anyOf: readonly MatchRule[];
  /** Every one of these blocks holds. */
  readonly allOf: readonly MatchRule[];
  /** This block does not hold. */
  readonly not: MatchRule | null;
}

/** The top block of a topic's rule: a block plus the age window. */
export interface TopicMatchSpec extends MatchRule {
  /** Items older than this are not members (at ingest, at backfill, and when published). */
  readonly maxAgeSeconds: number | null;
}

export interface TopicSpec {
  readonly slug: string;
  readonly title: string;
  readonly description: string | null;
  /** Null when the topic is only the union of `include`. */
  readonly match: TopicMatchSpec | null;
  /** Topics whose items this topic also carries. */
  readonly include: readonly string[];
  readonly diacriticSensitive: boolean;
  /** When set, the feeds need ?token= or a bearer header with this value. */
  readonly token: string | null;
  /** "story": the topic feed shows one entry per story. @default "none" */
  readonly collapse?: 'none' | 'story';
}

/** What topic matching looks at. */
export interface MatchableItem {
  readonly sourceId: string;
  readonly sourceTags: readonly string[];
  readonly title: string;
  readonly summary: string | null;
  readonly contentText: string | null;
  readonly author: string | null;
  readonly categories: readonly string[];
  readonly language: string | null;
  readonly publishedAt: Date;
}
