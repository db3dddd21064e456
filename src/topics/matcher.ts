import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';
import { DEFAULT_MATCH_FIELDS, type MatchField, type MatchRule, type MatchableItem, type TopicSpec } from '../domain/topic';
import { TermIndex } from './term-index';

/**
 * Compiles every topic's rule into one term index plus a small boolean tree
 * per topic. Matching an item scans each of its fields once (per folding
 * mode) against the shared index, then evaluates the trees on the set of
 * terms found: the cost grows with the item's length, not with the number of
 * keywords. Regexes run on RE2 (linear time), one pass per pattern.
 */

const FIELD_BIT: Record<MatchField, number> = { title: 1, summary: 2, content: 4, categories: 8, author: 16 };
const CATEGORY_BIT = 32; // `categories:` conditions look at categories only, apart from the `fields` mask.

type Node =
  | { readonly k: 'and' | 'or'; readonly c: readonly Node[] }
  | { readonly k: 'not'; readonly c: Node }
  | { readonly k: 'term'; readonly id: number; readonly mask: number }
  | { readonly k: 'regex'; readonly re: RE2JS; readonly fields: readonly MatchField[] }
  | { readonly k: 'source' | 'tag' | 'lang'; readonly set: ReadonlySet<string> }
  | { readonly k: 'age'; readonly ms: number }
  | { readonly k: 'topic'; readonly slug: string }
  | { readonly k: 'true' | 'false' };

interface CompiledTopic {
  readonly slug: string;
  readonly node: Node;
}

interface Ctx {
  readonly item: MatchableItem;
  readonly found: Map<number, number>;
  readonly now: number;
  readonly memo: Map<string, boolean>;
  readonly raw: Partial<Record<MatchField, string>>;
}

export class TopicMatcher {
  private readonly topics = new Map<string, CompiledTopic>();
  private readonly order: string[] = [];
  /** Topics that can only hold when one of their trigger terms is in the item, by term id. */
  private readonly byTrigger = new Map<number, Set<string>>();
  /** Topics with no trigger (a source rule, a regex, an include): evaluated for every item. */
  private readonly always = new Set<string>();
  private nextTermId = 0;
  private readonly insensitive = new TermIndex(false, () => this.nextTermId++);
  private readonly sensitive = new TermIndex(true, () => this.nextTermId++);
  /** slug → hash of the compiled rule (including included topics' rules). */
  readonly ruleHashes: ReadonlyMap<string, string>;

  constructor(specs: readonly TopicSpec[]) {
    for (const spec of specs) {
      const index = spec.diacriticSensitive ? this.sensitive : this.insensitive;
      const own = spec.match ? this.block(spec.match, DEFAULT_MATCH_FIELDS, index) : ({ k: 'false' } as const);
      const withAge: Node = spec.match?.maxAgeSeconds ? { k: 'and', c: [{ k: 'age', ms: spec.match.maxAgeSeconds * 1000 }, own] } : own;
      const node: Node = spec.include.length > 0 ? { k: 'or', c: [withAge, ...spec.include.map((slug) => ({ k: 'topic', slug }) as const)] } : withAge;
      this.topics.set(spec.slug, { slug: spec.slug, node });
      this.order.push(spec.slug);
      const ids = triggers(node);
      if (ids === null) this.always.add(spec.slug);
      else for (const id of ids) (this.byTrigger.get(id) ?? this.byTrigger.set(id, new Set()).get(id)!).add(spec.slug);
    }
    this.ruleHashes = ruleHashes(specs);
  }

  get slugs(): readonly string[] {
    return this.order;
  }

  /** The slugs of every topic the item belongs to (`now` decides maxAge). */
  match(item: MatchableItem, now: Date = new Date()): string[] {
    const found = new Map<number, number>();
    for (const index of [this.insensitive, this.sensitive]) {
      if (index.size === 0) continue;
      index.scan(item.title, FIELD_BIT.title, found);
      if (item.summary) index.scan(item.summary, FIELD_BIT.summary, found);
      if (item.contentText) index.scan(item.contentText, FIELD_BIT.content, found);
      if (item.author) index.scan(item.author, FIELD_BIT.author, found);
      // Each category on its own, so a phrase never spans two of them.
      for (const c of item.categories) index.scan(c, FIELD_BIT.categories | CATEGORY_BIT, found);
    }
    const ctx: Ctx = { item, found, now: now.getTime(), memo: new Map(), raw: {} };
    // Only topics that one of the found terms can trigger are evaluated, so the cost follows the item, not the topic count.
    const candidates = new Set(this.always);
    for (const id of found.keys()) for (const slug of this.byTrigger.get(id) ?? []) candidates.add(slug);
    return this.order.filter((slug) => candidates.has(slug) && this.topicHolds(slug, ctx));
  }

  private topicHolds(slug: string, ctx: Ctx): boolean {
    const memo = ctx.memo.get(slug);
    if (memo !== undefined) return memo;
    const t = this.topics.get(slug);
    // The config refuses unknown includes and cycles; a defensive false keeps a bad call from recursing.
    ctx.memo.set(slug, false);
    const result = t ? evaluate(t.node, ctx, (s) => this.topicHolds(s, ctx)) : false;
    ctx.memo.set(slug, result);
    return result;
  }

  private block(rule: MatchRule, inherited: readonly MatchField[], index: TermIndex): Node {
    const fields = rule.fields ?? inherited;
    const mask = fields.reduce((m, f) => m | FIELD_BIT[f], 0);
    const term = (t: string): Node => {
      const id = index.add(t);
      return id === null ? { k: 'false' } : { k: 'term', id, mask };
    };
    const parts: Node[] = [];
    if (rule.any.length > 0) parts.push({ k: 'or', c: rule.any.map(term) });
    for (const t of rule.all) parts.push(term(t));
    if (rule.none.length > 0) parts.push({ k: 'not', c: { k: 'or', c: rule.none.map(term) } });
    if (rule.regex.length > 0) {
      parts.push({ k: 'or', c: rule.regex.map((p) => ({ k: 'regex', re: RE2JS.compile(p, RE2JS.CASE_INSENSITIVE), fields }) as const) });
    }
    if (rule.categories.length > 0) {
      parts.push({
        k: 'or',
        c: rule.categories.map((t): Node => {
          const id = index.add(t);
          return id === null ? { k: 'false' } : { k: 'term', id, mask: CATEGORY_BIT };
        }),
      });
    }
    if (rule.sources.length > 0) parts.push({ k: 'source', set: new Set(rule.sources) });
    if (rule.sourceTags.length > 0) parts.push({ k: 'tag', set: new Set(rule.sourceTags) });
    if (rule.languages.length > 0) parts.push({ k: 'lang', set: new Set(rule.languages.map((l) => l.toLowerCase())) });
    if (rule.anyOf.length > 0) parts.push({ k: 'or', c: rule.anyOf.map((b) => this.block(b, fields, index)) });
    for (const b of rule.allOf) parts.push(this.block(b, fields, index));
    if (rule.not) parts.push({ k: 'not', c: this.block(rule.not, fields, index) });
    return parts.length === 0 ? { k: 'true' } : parts.length === 1 ? parts[0]! : { k: 'and', c: parts };
  }
}

/**
 * Term ids of which at least one must be found for the node to hold, or
 * null when the node can hold without any (a not, a source rule, a regex).
 * Field masks are ignored: a trigger only narrows which topics are evaluated.
 */
function triggers(n: Node): Set<number> | null {
  switch (n.k) {
    case 'term':
      return new Set([n.id]);
    case 'false':
      return new Set();
    case 'and': {
      let best: Set<number> | null = null;
      for (const c of n.c) {
        const t = triggers(c);
        if (t && (!best || t.size < best.size)) best = t;
      }
      return best;
    }
    case 'or': {
      const all = new Set<number>();
      for (const c of n.c) {
        const t = triggers(c);
        if (!t) return null;
        for (const id of t) all.add(id);
      }
      return all;
    }
    default:
      return null;
  }
}

function evaluate(n: Node, ctx: Ctx, topic: (slug: string) => boolean): boolean {
  switch (n.k) {
    case 'and':
      return n.c.every((c) => evaluate(c, ctx, topic));
    case 'or':
      return n.c.some((c) => evaluate(c, ctx, topic));
    case 'not':
      return !evaluate(n.c, ctx, topic);
    case 'term':
      return ((ctx.found.get(n.id) ?? 0) & n.mask) !== 0;
    case 'regex':
      return n.fields.some((f) => {
        const text = rawField(ctx, f);
        return text !== '' && n.re.matcher(text).find();
      });
    case 'source':
      return n.set.has(ctx.item.sourceId);
    case 'tag':
      return ctx.item.sourceTags.some((t) => n.set.has(t));
    case 'lang': {
      const lang = ctx.item.language?.toLowerCase();
      return !!lang && (n.set.has(lang) || n.set.has(lang.split(/[-_]/)[0]!));
    }
    case 'age':
      return ctx.now - ctx.item.publishedAt.getTime() <= n.ms;
    case 'topic':
      return topic(n.slug);
    case 'true':
      return true;
    case 'false':
      return false;
  }
}

/** A field's text for regexes: NFKC, as written otherwise (patterns are case-insensitive). */
function rawField(ctx: Ctx, f: MatchField): string {
  const cached = ctx.raw[f];
  if (cached !== undefined) return cached;
  const it = ctx.item;
  const text = (f === 'title' ? it.title : f === 'summary' ? it.summary : f === 'content' ? it.contentText : f === 'author' ? it.author : it.categories.join('\n')) ?? '';
  const out = text.normalize('NFKC');
  ctx.raw[f] = out;
  return out;
}

/**
 * A hash of each topic's rule, folded with the hashes of the topics it
 * includes, so editing an included topic also recomputes the including one.
 */
function ruleHashes(specs: readonly TopicSpec[]): Map<string, string> {
  const bySlug = new Map(specs.map((s) => [s.slug, s]));
  const out = new Map<string, string>();
  const hashOf = (slug: string, depth: number): string => {
    const known = out.get(slug);
    if (known) return known;
    const spec = bySlug.get(slug);
    if (!spec || depth > specs.length) return 'missing';
    const h = createHash('sha256')
      .update(JSON.stringify({ m: spec.match, d: spec.diacriticSensitive, i: spec.include.map((s) => [s, hashOf(s, depth + 1)]) }))
      .digest('hex')
      .slice(0, 16);
    out.set(slug, h);
    return h;
  };
  for (const s of specs) hashOf(s.slug, 0);
  return out;
}
