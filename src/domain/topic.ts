/** A topic's rule as configured (already validated). */
export interface TopicMatchSpec {
  readonly any: readonly string[];
  readonly all: readonly string[];
  readonly none: readonly string[];
  readonly categories: readonly string[];
  readonly sources: readonly string[];
}

export interface TopicSpec {
  readonly slug: string;
  readonly title: string;
  readonly description: string | null;
  readonly match: TopicMatchSpec;
  readonly diacriticSensitive: boolean;
  /** "story": the topic feed shows one entry per story. @default "none" */
  readonly collapse?: 'none' | 'story';
}

/** What topic matching looks at. */
export interface MatchableItem {
  readonly sourceId: string;
  readonly title: string;
  readonly summary: string | null;
  readonly contentText: string | null;
  readonly categories: readonly string[];
}
