/** A source as configured: one publisher, one or more feed URLs. */
export interface SourceSpec {
  readonly id: string;
  readonly name: string;
  readonly feeds: readonly string[];
  readonly intervalSeconds: number;
  readonly tags: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
}

/** A feed claimed for fetching. */
export interface FeedTask {
  readonly feedId: number;
  readonly sourceId: string;
  readonly sourceName: string;
  readonly sourceTags: readonly string[];
  readonly url: string;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly intervalSeconds: number;
  readonly errorCount: number;
  /** The feed's own polling hint (<ttl>, sy:updatePeriod) from its last full fetch, in seconds. */
  readonly feedHintSeconds?: number | null;
  readonly headers: Readonly<Record<string, string>>;
}
