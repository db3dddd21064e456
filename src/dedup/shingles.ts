import { stripWirePrefix } from './story-title';
import { titleKey } from './keys';

/** How much body text joins the title in the fingerprint (the "first ~300 characters"). */
export const TEXT_PREFIX_CHARS = 300;

/**
 * Words too common to say anything about an event. English only: titles in
 * other languages keep all their words, which only makes matching stricter.
 */
const STOPWORDS = new Set(
  ('a an the and or but of to in into on onto at by for from with without as is are was were be been being it its this that these those ' +
    'after before over under about amid against says said say new up out off than then so not no over via vs will would can could has have had ' +
    'he she they we you his her their our who what when where why how').split(' '),
);

/**
 * Words are cut to their first STEM_CHARS letters: a crude, language-blind
 * stemmer that makes "failed"/"failure", "deploys"/"deployed" and Russian or
 * Turkish case endings meet. The length was chosen with `tidings dedup-eval`.
 */
export const STEM_CHARS = 5;

/** The folded, stemmed content words of a title and the start of its text. */
export function storyTokens(title: string, text: string | null): string[] {
  return storyTokensOfKeys(titleKey(stripWirePrefix(title)), text ? titleKey(text.slice(0, TEXT_PREFIX_CHARS)) : '');
}

/**
 * storyTokens from the title's story key and the text start's title key
 * (the key of "a b" is the key of "a", a space, and the key of "b"), so a
 * caller that has the title key does not fold the title twice.
 */
export function storyTokensOfKeys(titleKeyOfTitle: string, textKey: string): string[] {
  const out: string[] = [];
  for (const folded of [titleKeyOfTitle, textKey]) {
    if (folded === '') continue;
    for (const w of folded.split(' ')) {
      if (w.length < 2 || STOPWORDS.has(w)) continue;
      out.push(w.length > STEM_CHARS ? w.slice(0, STEM_CHARS) : w);
    }
  }
  return out;
}

/** FNV-1a's 32-bit offset basis and prime. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a over UTF-16 code units: fast, stable across processes, 32 bits. */
export function hash32(s: string, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * The shingle set: every word (1-shingle) of the title and text start, as
 * sorted unique 32-bit hashes. Single words, not word pairs: headlines are
 * 6–12 words, and a paraphrase that swaps one word breaks two pairs.
 */
export function shingleSet(tokens: readonly string[]): number[] {
  const set = new Set<number>();
  for (const t of tokens) set.add(hash32(t) | 0);
  return [...set].sort((a, b) => a - b);
}

/** Exact Jaccard similarity of two sorted unique sets. */
export function jaccard(a: readonly number[], b: readonly number[]): number {
  return jaccardAtLeast(a, b, 0);
}

/**
 * The exact Jaccard similarity of two sorted unique sets when it is at least
 * `min`, else 0. Stops the merge as soon as even a full match of the
 * remaining elements could not reach `min`: most candidates from LSH band
 * keys are far below the threshold, and this is the story step's inner loop.
 */
export function jaccardAtLeast(a: readonly number[], b: readonly number[], min: number): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return 0;
  // J ≤ min(n, m) / max(n, m).
  if (Math.min(n, m) / Math.max(n, m) < min) return 0;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < n && j < m) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      inter++;
      i++;
      j++;
      continue;
    }
    if (x < y) i++;
    else j++;
    // The best this pair can still reach: every remaining element of the shorter rest matches.
    const best = inter + Math.min(n - i, m - j);
    if (best / (n + m - best) < min) return 0;
  }
  const score = inter / (n + m - inter);
  return score >= min ? score : 0;
}
