import { createHash } from 'node:crypto';
import type { NormalizedItem } from '../domain/item';
import { WordFolder } from '../normalize/word-folder';

const ASCII = /^[\x00-\x7f]*$/;
const NOT_ALNUM_ASCII = /[^a-z0-9]+/g;

/**
 * The normalized-title key: NFKC, case-folded (Turkish dotted/dotless I
 * folded together), diacritics and punctuation removed, whitespace collapsed.
 * "Turkey deploys army in Idlib" and "TURKEY DEPLOYS ARMY IN IDLIB!" share it.
 */
export function titleKey(title: string): string {
  // Plain ASCII is already NFKC and has no marks: the same key, without the Unicode passes.
  if (ASCII.test(title)) return title.toLowerCase().replace(NOT_ALNUM_ASCII, ' ').trim();
  // Stored keys must not change: the one-pass path gives exactly titleKeyGeneral's words
  // (test/unit/dedup.title-key-fast-path.test.ts checks every BMP character).
  return TITLE_WORDS.words(title).join(' ');
}

/** titleKey by whole-text passes: the definition, and the path for text the one-pass folder cannot take. */
export function titleKeyGeneral(title: string): string {
  return foldTitle(title).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function foldTitle(text: string): string {
  return text.normalize('NFKC').replace(/[İIı]/g, 'i').toLowerCase().normalize('NFD').replace(/\p{M}+/gu, '');
}

const TITLE_WORDS = new WordFolder(foldTitle, /[\p{L}\p{N}]/u, (text) => {
  const key = titleKeyGeneral(text);
  return key === '' ? [] : key.split(' ');
});

/** A hash of what a reader sees, to tell an updated item from a repeat. */
export function contentHash(item: Pick<NormalizedItem, 'title' | 'summary' | 'contentHtml' | 'url'>): string {
  return createHash('sha256')
    .update(item.title)
    .update('\0')
    .update(item.summary ?? '')
    .update('\0')
    .update(item.contentHtml ?? '')
    .update('\0')
    .update(item.url ?? '')
    .digest('base64url')
    .slice(0, 22);
}

export interface KeyedItem extends NormalizedItem {
  readonly titleKey: string;
  readonly contentHash: string;
}

export function withKeys(item: NormalizedItem): KeyedItem {
  return { ...item, titleKey: titleKey(item.title), contentHash: contentHash(item) };
}
