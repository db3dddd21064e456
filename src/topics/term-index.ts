import { foldText, tokenize } from './fold';

/**
 * Every topic's words and phrases in one index, so scanning an item's text
 * once finds every term of every topic: per token, one map lookup for whole
 * words plus one per distinct prefix length, never one pass per keyword.
 */
export interface Term {
  readonly id: number;
  readonly tokens: readonly string[];
  /** The last token is a prefix ("Турци*"). */
  readonly prefix: boolean;
}

export class TermIndex {
  private readonly exact = new Map<string, Term[]>();
  private readonly prefix = new Map<string, Term[]>();
  private prefixLengths: number[] = [];
  private readonly ids = new Map<string, number>();
  size = 0;

  constructor(
    readonly diacriticSensitive: boolean,
    private readonly nextId: () => number,
  ) {}

  /** Adds a term (or finds the same one) and returns its id; null when it has no words. */
  add(raw: string): number | null {
    const isPrefix = raw.trimEnd().endsWith('*');
    const tokens = tokenize(foldText(raw.replace(/\*\s*$/, ''), this.diacriticSensitive));
    if (tokens.length === 0) return null;
    const key = `${isPrefix ? '*' : ''}${tokens.join(' ')}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const term: Term = { id: this.nextId(), tokens, prefix: isPrefix };
    this.ids.set(key, term.id);
    this.size++;
    // A one-word prefix term is looked up by prefix; every other term by its exact first word.
    const single = isPrefix && tokens.length === 1;
    const map = single ? this.prefix : this.exact;
    const first = tokens[0]!;
    const list = map.get(first);
    if (list) list.push(term);
    else map.set(first, [term]);
    if (single && !this.prefixLengths.includes(first.length)) this.prefixLengths = [...this.prefixLengths, first.length].sort((a, b) => a - b);
    return term.id;
  }

  /** Folds and tokenizes `text` once and ORs `bit` into found[termId] for every term in it. */
  scan(text: string, bit: number, found: Map<number, number>): void {
    if (this.size === 0 || !text) return;
    const tokens = tokenize(foldText(text, this.diacriticSensitive));
    for (let i = 0; i < tokens.length; i++) {
      const tok = tokens[i]!;
      const exact = this.exact.get(tok);
      if (exact) for (const t of exact) if (followsAt(tokens, i, t)) mark(found, t.id, bit);
      for (const len of this.prefixLengths) {
        if (len > tok.length) break;
        const byPrefix = this.prefix.get(len === tok.length ? tok : tok.slice(0, len));
        if (byPrefix) for (const t of byPrefix) mark(found, t.id, bit);
      }
    }
  }
}

function mark(found: Map<number, number>, id: number, bit: number): void {
  found.set(id, (found.get(id) ?? 0) | bit);
}

/** Does term t (whose first word equals tokens[i]) continue at i+1…? */
function followsAt(tokens: readonly string[], i: number, t: Term): boolean {
  const n = t.tokens.length;
  if (i + n > tokens.length) return false;
  for (let k = 1; k < n; k++) {
    const want = t.tokens[k]!;
    const got = tokens[i + k]!;
    if (k === n - 1 && t.prefix ? !got.startsWith(want) : got !== want) return false;
  }
  return true;
}
