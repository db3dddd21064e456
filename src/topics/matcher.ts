import { createHash } from 'node:crypto';
import type { MatchableItem, TopicSpec } from '../domain/topic';
import { foldText, tokenize } from './fold';

/**
 * Compiles every topic's terms into one index, so matching an item against
 * all topics is one pass over its tokens, not one pass per keyword.
 *
 * A term is a word or phrase; a trailing "*" makes its last word a prefix
 * ("Турци*" matches Турция, Турции). Words match whole: "Turk" does not
 * match "Turkmenistan".
 */
interface Term {
  readonly id: number;
  readonly tokens: readonly string[];
  readonly prefix: boolean;
}

interface TermIndex {
  readonly exact: Map<string, Term[]>;
  readonly prefix: Map<string, Term[]>;
  readonly prefixLengths: readonly number[];
}

interface CompiledTopic {
  readonly slug: string;
  readonly sensitive: boolean;
  readonly any: readonly number[];
  readonly all: readonly number[];
  readonly none: readonly number[];
  readonly categories: readonly number[];
  readonly sources: ReadonlySet<string>;
}

export class TopicMatcher {
  private readonly topics: CompiledTopic[] = [];
  private readonly indexes: { insensitive: TermIndex; sensitive: TermIndex };
  private readonly terms: Term[] = [];
  private readonly termIds = new Map<string, number>();
  private readonly hasSensitive: boolean;
  readonly ruleHashes: ReadonlyMap<string, string>;

  constructor(specs: readonly TopicSpec[]) {
    const hashes = new Map<string, string>();
    const insensitive: Term[] = [];
    const sensitive: Term[] = [];
    for (const spec of specs) {
      const add = (t: string) => this.term(t, spec.diacriticSensitive, spec.diacriticSensitive ? sensitive : insensitive);
      this.topics.push({
        slug: spec.slug,
        sensitive: spec.diacriticSensitive,
        any: spec.match.any.map(add).filter(isId),
        all: spec.match.all.map(add).filter(isId),
        none: spec.match.none.map(add).filter(isId),
        categories: spec.match.categories.map(add).filter(isId),
        sources: new Set(spec.match.sources),
      });
      hashes.set(spec.slug, ruleHash(spec));
    }
    this.indexes = { insensitive: buildIndex(insensitive), sensitive: buildIndex(sensitive) };
    this.hasSensitive = sensitive.length > 0;
    this.ruleHashes = hashes;
  }

  /** The slugs of every topic the item belongs to. */
  match(item: MatchableItem): string[] {
    // Each field (and each category) is scanned on its own, so a phrase never spans two.
    const texts = [item.title, item.summary ?? '', item.contentText ?? ''];
    const found = { insensitive: new Set<number>(), sensitive: new Set<number>() };
    const inCategories = { insensitive: new Set<number>(), sensitive: new Set<number>() };
    for (const mode of this.hasSensitive ? (['insensitive', 'sensitive'] as const) : (['insensitive'] as const)) {
      const sensitiveMode = mode === 'sensitive';
      for (const c of item.categories) scan(tokenize(foldText(c, sensitiveMode)), this.indexes[mode], inCategories[mode]);
      for (const id of inCategories[mode]) found[mode].add(id);
      for (const t of texts) if (t) scan(tokenize(foldText(t, sensitiveMode)), this.indexes[mode], found[mode]);
    }
    const out: string[] = [];
    for (const t of this.topics) {
      const f = t.sensitive ? found.sensitive : found.insensitive;
      const c = t.sensitive ? inCategories.sensitive : inCategories.insensitive;
      if (t.sources.size > 0 && !t.sources.has(item.sourceId)) continue;
      if (t.any.length > 0 && !t.any.some((id) => f.has(id))) continue;
      if (!t.all.every((id) => f.has(id))) continue;
      if (t.none.some((id) => f.has(id))) continue;
      if (t.categories.length > 0 && !t.categories.some((id) => c.has(id))) continue;
      out.push(t.slug);
    }
    return out;
  }

  private term(raw: string, sensitive: boolean, bucket: Term[]): number | null {
    const prefix = raw.trimEnd().endsWith('*');
    const tokens = tokenize(foldText(raw.replace(/\*\s*$/, ''), sensitive));
    if (tokens.length === 0) return null;
    const key = `${sensitive ? 's' : 'i'}:${prefix ? '*' : ''}${tokens.join(' ')}`;
    const existing = this.termIds.get(key);
    if (existing !== undefined) return existing;
    const term: Term = { id: this.terms.length, tokens, prefix };
    this.terms.push(term);
    this.termIds.set(key, term.id);
    bucket.push(term);
    return term.id;
  }
}

function isId(v: number | null): v is number {
  return v !== null;
}

function buildIndex(terms: readonly Term[]): TermIndex {
  const exact = new Map<string, Term[]>();
  const prefix = new Map<string, Term[]>();
  const lengths = new Set<number>();
  for (const t of terms) {
    // A one-word prefix term is looked up by prefix; every other term by its exact first word.
    const singlePrefix = t.prefix && t.tokens.length === 1;
    const map = singlePrefix ? prefix : exact;
    const first = t.tokens[0]!;
    if (singlePrefix) lengths.add(first.length);
    const list = map.get(first);
    if (list) list.push(t);
    else map.set(first, [t]);
  }
  return { exact, prefix, prefixLengths: [...lengths].sort((a, b) => a - b) };
}

function scan(tokens: readonly string[], index: TermIndex, found: Set<number>): void {
  if (index.exact.size === 0 && index.prefix.size === 0) return;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const exact = index.exact.get(tok);
    if (exact) for (const t of exact) if (!found.has(t.id) && followsAt(tokens, i, t)) found.add(t.id);
    for (const len of index.prefixLengths) {
      if (len > tok.length) break;
      const byPrefix = index.prefix.get(len === tok.length ? tok : tok.slice(0, len));
      if (byPrefix) for (const t of byPrefix) found.add(t.id);
    }
  }
}

/** Does term t (whose first word equals tokens[i]) continue at i+1…? */
function followsAt(tokens: readonly string[], i: number, t: Term): boolean {
  const n = t.tokens.length;
  if (i + n > tokens.length) return false;
  for (let k = 1; k < n; k++) {
    const want = t.tokens[k]!;
    const got = tokens[i + k]!;
    const last = k === n - 1;
    if (last && t.prefix ? !got.startsWith(want) : got !== want) return false;
  }
  return true;
}

/** Changes when a topic's rule changes, so its membership can be recomputed. */
export function ruleHash(spec: TopicSpec): string {
  return createHash('sha256').update(JSON.stringify({ m: spec.match, d: spec.diacriticSensitive })).digest('hex').slice(0, 16);
}
