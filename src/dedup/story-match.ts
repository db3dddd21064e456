import { bandKeys, key64, signature } from './minhash';
import { jaccardAtLeast, shingleSet, storyTokensOfKeys, TEXT_PREFIX_CHARS } from './shingles';
import { titleKey } from './keys';
import { storyTitleKey } from './story-title';

/**
 * Cross-publisher identity ("stories"). Layers, strongest first:
 * - url: the same canonical URL (a syndicated copy that links the original);
 * - title: the same title after wire decorations and punctuation are removed;
 * - minhash: word-set Jaccard ≥ threshold over the title and text start.
 * All within a window around the item's publication time. Two items of the
 * same publisher are never put in one story: within a publisher, identity is
 * the guid/URL/title layers of publisher.ts, and a similar headline from the
 * same desk is a different article (a follow-up, an "UPDATE 2").
 */
export type StoryLayer = 'url' | 'title' | 'minhash';

export interface StoryOptions {
  /** Candidates farther apart in publication time are never merged. @default 72 h */
  readonly windowMs: number;
  /** Least Jaccard similarity for the minhash layer. */
  readonly threshold: number;
  /** Fewer content words than this: the minhash layer is skipped (short titles collide). */
  readonly minTokens: number;
  /** Source ids, most preferred first, for the representative. */
  readonly sourcePriority: readonly string[];
  /** Sources that are never the representative while another item is there (aggregators). */
  readonly neverRepresentative: readonly string[];
}

export const DEFAULT_STORY_OPTIONS: StoryOptions = {
  windowMs: 72 * 3600_000,
  threshold: 0.6,
  minTokens: 4,
  sourcePriority: [],
  neverRepresentative: [],
};

/** What the story step needs to know about one item, computed before storage. */
export interface StoryFeatures {
  readonly titleKey: string;
  /** Sorted unique 32-bit shingle hashes. */
  readonly shingles: readonly number[];
  /** The canonical URL's 64-bit key (decimal), compared instead of the URL itself. */
  readonly urlKey: string | null;
  /** Index keys: url, title and LSH band keys (signed 64-bit, decimal). */
  readonly keys: readonly string[];
}

export function storyFeatures(item: { title: string; text: string | null; canonicalUrl: string | null }): StoryFeatures {
  const tk = storyTitleKey(item.title);
  const shingles = shingleSet(storyTokensOfKeys(tk, item.text ? titleKey(item.text.slice(0, TEXT_PREFIX_CHARS)) : ''));
  const uk = item.canonicalUrl ? urlKey(item.canonicalUrl) : null;
  return { titleKey: tk, shingles, urlKey: uk, keys: storyKeys(tk, shingles, uk) };
}

/** An item's index keys from its story fields: what storyFeatures stores, recomputable from a stored row. */
export function storyKeys(titleKey: string, shingles: readonly number[], urlKeyOrNull: string | null): string[] {
  const keys: string[] = [];
  if (urlKeyOrNull) keys.push(urlKeyOrNull);
  if (titleKey) keys.push(titleIndexKey(titleKey));
  keys.push(...bandKeys(signature(shingles)));
  return keys;
}

export const urlKey = (canonicalUrl: string): string => key64(`u:${canonicalUrl}`);
export const titleIndexKey = (tk: string): string => key64(`t:${tk}`);

/** An item already in a story, found through a shared key. */
export interface StoryCandidate {
  readonly itemId: number;
  readonly storyId: number;
  readonly sourceId: string;
  readonly urlKey: string | null;
  readonly titleKey: string;
  readonly shingles: readonly number[];
  readonly publishedAt: Date;
}

export interface StoryProbe {
  readonly sourceId: string;
  readonly publishedAt: Date;
  readonly features: StoryFeatures;
}

export interface StoryMatch {
  readonly storyId: number;
  readonly matchedItemId: number;
  readonly layer: StoryLayer;
  readonly score: number;
}

const LAYER_ORDER: Record<StoryLayer, number> = { url: 0, title: 1, minhash: 2 };

/**
 * The story this item joins, or null for a new story. `sourcesOf` tells
 * which publishers a candidate story already holds: a story holds at most
 * one item per publisher. Among matches the strongest layer wins, then the
 * highest score, then the oldest story (a stable choice).
 */
export function decideStory(
  probe: StoryProbe,
  candidates: readonly StoryCandidate[],
  sourcesOf: (storyId: number) => ReadonlySet<string>,
  opts: StoryOptions,
): StoryMatch | null {
  let best: StoryMatch | null = null;
  const t = probe.publishedAt.getTime();
  const canMinhash = probe.features.shingles.length >= opts.minTokens;
  for (const c of candidates) {
    if (c.sourceId === probe.sourceId) continue;
    if (Math.abs(c.publishedAt.getTime() - t) > opts.windowMs) continue;
    let match: StoryMatch | null = null;
    if (probe.features.urlKey && c.urlKey === probe.features.urlKey) {
      match = { storyId: c.storyId, matchedItemId: c.itemId, layer: 'url', score: 1 };
    } else if (probe.features.titleKey !== '' && c.titleKey === probe.features.titleKey) {
      match = { storyId: c.storyId, matchedItemId: c.itemId, layer: 'title', score: 1 };
    } else if (canMinhash && c.shingles.length >= opts.minTokens && (!best || best.layer === 'minhash')) {
      // A url or title match already found outranks any minhash match: no Jaccard needed.
      const score = jaccardAtLeast(probe.features.shingles, c.shingles, opts.threshold);
      if (score > 0) match = { storyId: c.storyId, matchedItemId: c.itemId, layer: 'minhash', score };
    }
    if (!match || sourcesOf(c.storyId).has(probe.sourceId)) continue;
    if (!best || better(match, best)) best = match;
  }
  return best;
}

function better(a: StoryMatch, b: StoryMatch): boolean {
  if (LAYER_ORDER[a.layer] !== LAYER_ORDER[b.layer]) return LAYER_ORDER[a.layer] < LAYER_ORDER[b.layer];
  if (a.score !== b.score) return a.score > b.score;
  return a.storyId < b.storyId;
}

/**
 * The representative's rank: lower wins; ties go to the earliest
 * publication, then the lowest item id. Listed sources rank by position,
 * unlisted ones after them, opted-out ones last.
 */
export function representativeRank(sourceId: string, opts: Pick<StoryOptions, 'sourcePriority' | 'neverRepresentative'>): number {
  if (opts.neverRepresentative.includes(sourceId)) return 1_000_000;
  const i = opts.sourcePriority.indexOf(sourceId);
  return i >= 0 ? i : opts.sourcePriority.length;
}
