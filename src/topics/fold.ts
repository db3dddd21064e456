import { WordFolder } from '../normalize/word-folder';

/**
 * Text folding for topic matching, the same on both sides (rule terms and
 * item text): NFKC, Turkish I folded (İ, I, ı, i are one letter), lower case,
 * Arabic letter variants unified, and, unless diacritic-sensitive, combining
 * marks removed (Türkiye = Turkiye, سوريا with or without harakat).
 */
export function foldText(text: string, diacriticSensitive = false): string {
  // Plain ASCII is already NFKC and has no marks or Arabic: lower case is all it needs.
  if (ASCII.test(text)) return text.toLowerCase();
  let s = text.normalize('NFKC').replace(/[İIı]/g, 'i').toLowerCase();
  s = foldArabic(s);
  if (!diacriticSensitive) s = s.normalize('NFD').replace(/\p{M}+/gu, '');
  return s.normalize('NFC');
}

const ASCII = /^[\x00-\x7F]*$/;

// Alef variants → bare alef, ta marbuta → ha, alef maqsura → ya, tatweel and harakat removed.
const ARABIC_ALEF = /[\u0622\u0623\u0625\u0671\u0672\u0673]/g;
const ARABIC_HARAKAT = /[\u064B-\u065F\u0670\u0640]/g;

function foldArabic(s: string): string {
  if (!/[\u0600-\u06FF]/.test(s)) return s;
  return s.replace(ARABIC_HARAKAT, '').replace(ARABIC_ALEF, '\u0627').replace(/\u0629/g, '\u0647').replace(/\u0649/g, '\u064A');
}

// A word is a run of letters, digits and marks in any script; everything else separates.
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

export function tokenize(folded: string): string[] {
  return folded.match(WORD) ?? [];
}

/**
 * tokenize(foldText(text)), in one pass over the characters when it can be
 * (normalize/word-folder.ts): matching an item spent three quarters of its
 * time in foldText's three whole-text normalizations and tokenize's regex.
 * test/unit/topics.fold-fast-path.test.ts checks the two paths agree.
 */
export function foldedTokens(text: string, diacriticSensitive = false): string[] {
  return (diacriticSensitive ? SENSITIVE : INSENSITIVE).words(text);
}

const INSENSITIVE = new WordFolder((ch) => foldText(ch, false), /[\p{L}\p{N}\p{M}]/u, (text) => tokenize(foldText(text, false)));
const SENSITIVE = new WordFolder((ch) => foldText(ch, true), /[\p{L}\p{N}\p{M}]/u, (text) => tokenize(foldText(text, true)));
