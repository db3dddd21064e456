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
 * tokenize(foldText(text)) in one pass, character by character, without
 * normalizing the whole text three times and running a Unicode-property
 * regex over it (together about three quarters of matching an item). Each
 * character's fold is computed once (by foldText on the character alone) and
 * kept, for the characters whose fold cannot depend on their neighbours;
 * text with any other character (a combining mark, a conjoining Hangul jamo,
 * Greek capital sigma, whose lower case depends on the next letter, an
 * astral character, a character that folds to part word, part separator)
 * takes the general path. test/unit/topics.fold-fast-path.test.ts checks the
 * two agree, for every BMP character in several contexts and for generated
 * text.
 */
export function foldedTokens(text: string, diacriticSensitive = false): string[] {
  const table = diacriticSensitive ? SENSITIVE : INSENSITIVE;
  const out: string[] = [];
  // The current word starts at `start` (-1: none). While every character so far folds to itself
  // it is a slice of the text; from the first one that does not, it is built in `built`.
  let start = -1;
  let built: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let entry: FoldEntry;
    if (c < 0x80) entry = ASCII_TABLE[c]!;
    else {
      const known = table[c];
      entry = known ?? (table[c] = foldEntry(c, diacriticSensitive));
      if (entry === UNSAFE) return tokenize(foldText(text, diacriticSensitive));
    }
    if (!entry.word) {
      if (start >= 0) out.push(built ?? text.slice(start, i));
      start = -1;
      built = null;
      continue;
    }
    if (entry.piece === '') {
      // Folds away (a tatweel): it neither starts nor ends a word.
      if (start >= 0 && built === null) built = text.slice(start, i);
      continue;
    }
    if (start < 0) start = i;
    if (built !== null) built += entry.piece;
    else if (!entry.identity) built = text.slice(start, i) + entry.piece;
  }
  if (start >= 0) out.push(built ?? text.slice(start));
  return out;
}

interface FoldEntry {
  /** The character's fold (word characters only; '' when it folds away). */
  readonly piece: string;
  readonly word: boolean;
  /** The fold is the character itself. */
  readonly identity: boolean;
}

const UNSAFE: FoldEntry = { piece: '', word: false, identity: false };
const SEPARATOR: FoldEntry = { piece: '', word: false, identity: false };
const ASCII_TABLE: readonly FoldEntry[] = Array.from({ length: 0x80 }, (_, c) => {
  const ch = String.fromCharCode(c);
  if (!/[A-Za-z0-9]/.test(ch)) return SEPARATOR;
  const lower = ch.toLowerCase();
  return { piece: lower, word: true, identity: lower === ch };
});
const INSENSITIVE: (FoldEntry | undefined)[] = new Array(0x10000);
const SENSITIVE: (FoldEntry | undefined)[] = new Array(0x10000);
const WORD_CHAR = /^[\p{L}\p{N}\p{M}]+$/u;
const NON_WORD = /^[^\p{L}\p{N}\p{M}]*$/u;
// Characters whose fold can depend on their neighbours: marks (they compose with the letter before),
// conjoining Hangul jamo (they compose with each other), Greek capital sigma (final-sigma lower case).
const CONTEXTUAL = /[\p{M}\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF\u03A3]/u;

const NEIGHBOURS: readonly (readonly [string, string])[] = [['a', 'b'], ['Ж', 'я'], ['α', ''], ['', 'ي'], ['가', '나']];

function foldEntry(c: number, diacriticSensitive: boolean): FoldEntry {
  if (c >= 0xd800 && c <= 0xdfff) return UNSAFE; // half of an astral character
  const ch = String.fromCharCode(c);
  if (CONTEXTUAL.test(ch) || CONTEXTUAL.test(ch.normalize('NFKC'))) return UNSAFE;
  const folded = foldText(ch, diacriticSensitive);
  if (CONTEXTUAL.test(folded)) return UNSAFE;
  // Belt and braces: between letters of other scripts it must fold the same as alone.
  for (const [a, b] of NEIGHBOURS) if (foldText(a + ch + b, diacriticSensitive) !== foldText(a, diacriticSensitive) + folded + foldText(b, diacriticSensitive)) return UNSAFE;
  if (folded === '') return { piece: '', word: true, identity: false };
  if (WORD_CHAR.test(folded)) return { piece: folded, word: true, identity: folded === ch };
  if (NON_WORD.test(folded)) return SEPARATOR;
  return UNSAFE; // part word, part separator ("½" is "1⁄2")
}
