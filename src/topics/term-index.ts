import { foldedTokens, foldText, tokenize } from './fold';

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
  /** One-word prefix terms in a character trie: a token walks it once, whatever the number of prefixes. */
  private readonly prefixRoot: TrieNode = { next: new Map(), terms: [] };
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
    // A one-word prefix term is looked up in the trie; every other term by its exact first word.
    const first = tokens[0]!;
    if (isPrefix && tokens.length === 1) {
      let node = this.prefixRoot;
      for (const ch of first) {
        let child = node.next.get(ch);
        if (!child) node.next.set(ch, (child = { next: new Map(), terms: [] }));
        node = child;
      }
      node.terms.push(term);
    } else {
      const list = this.exact.get(first);
      if (list) list.push(term);
      else this.exact.set(first, [term]);
    }
    return term.id;
  }

  /** Folds and tokenizes `text` once and ORs `bit` into found[termId] for every term in it. */
  scan(text: string, bit: number, found: Map<number, number>): void {
    if (this.size === 0 || !text) return;
    const tokens = foldedTokens(text, this.diacriticSensitive);
    for (let i = 0; i < tokens.length; i++) {
      const tok = tokens[i]!;
      const exact = this.exact.get(tok);
      if (exact) for (const t of exact) if (followsAt(tokens, i, t)) mark(found, t.id, bit);
      let node: TrieNode | undefined = this.prefixRoot;
      for (const ch of tok) {
        node = node.next.get(ch);
        if (!node) break;
        for (const t of node.terms) mark(found, t.id, bit);
      }
    }
  }
}

interface TrieNode {
  readonly next: Map<string, TrieNode>;
  readonly terms: Term[];
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
