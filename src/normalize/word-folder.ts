/**
 * A text's folded words in one pass over its characters, for a folding that
 * is normally done on the whole text (normalize, replace, lower-case, strip
 * marks, split on non-word characters): each character's fold is computed
 * once, on the character alone, and remembered. That is only right for
 * characters whose fold cannot depend on their neighbours; text with any
 * other character (a combining mark, a conjoining Hangul jamo, anything that
 * normalizes to Greek capital sigma, whose lower case depends on the next
 * letter, an astral character, one that folds to part word and part
 * separator) takes the general path. Each remembered fold is also checked
 * between letters of other scripts before it is trusted. Used for topic
 * matching (topics/fold.ts) and the title key (dedup/keys.ts); their tests
 * check both paths agree for every BMP character in several contexts.
 */
export class WordFolder {
  private readonly table: (FoldEntry | undefined)[] = new Array(0x10000);
  private readonly ascii: readonly FoldEntry[];
  private readonly word: RegExp;
  private readonly separator: RegExp;

  /**
   * @param foldOne the fold of a text of one character (the general folding, without the split)
   * @param wordChar a word character of the folded text (a one-character class)
   * @param general the folded words of any text, the slow way
   */
  constructor(
    private readonly foldOne: (ch: string) => string,
    wordChar: RegExp,
    private readonly general: (text: string) => string[],
  ) {
    this.word = new RegExp(`^(?:${wordChar.source})+$`, 'u');
    this.separator = new RegExp(`^(?:(?!${wordChar.source})[^])*$`, 'u');
    this.ascii = Array.from({ length: 0x80 }, (_, c) => this.entry(c));
  }

  words(text: string): string[] {
    const out: string[] = [];
    // The current word starts at `start` (-1: none). While every character so far folds to itself
    // it is a slice of the text; from the first one that does not, it is built in `built`.
    let start = -1;
    let built: string | null = null;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let entry: FoldEntry;
      if (c < 0x80) entry = this.ascii[c]!;
      else {
        const known = this.table[c];
        entry = known ?? (this.table[c] = this.entry(c));
        if (entry === UNSAFE) return this.general(text);
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

  private entry(c: number): FoldEntry {
    if (c >= 0xd800 && c <= 0xdfff) return UNSAFE; // half of an astral character
    const ch = String.fromCharCode(c);
    if (CONTEXTUAL.test(ch) || CONTEXTUAL.test(ch.normalize('NFKC'))) return UNSAFE;
    const folded = this.foldOne(ch);
    if (CONTEXTUAL.test(folded)) return UNSAFE;
    for (const [a, b] of NEIGHBOURS) if (this.foldOne(a + ch + b) !== this.foldOne(a) + folded + this.foldOne(b)) return UNSAFE;
    if (folded === '') return { piece: '', word: true, identity: false };
    if (this.word.test(folded)) return { piece: folded, word: true, identity: folded === ch };
    if (this.separator.test(folded)) return SEPARATOR;
    return UNSAFE; // part word, part separator ("½" is "1⁄2")
  }
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
// Characters whose fold can depend on their neighbours: marks (they compose with the letter before),
// conjoining Hangul jamo (they compose with each other), Greek capital sigma (final-sigma lower case).
const CONTEXTUAL = /[\p{M}\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF\u03A3]/u;
const NEIGHBOURS: readonly (readonly [string, string])[] = [['a', 'b'], ['Ж', 'я'], ['α', ''], ['', 'ي'], ['가', '나']];
