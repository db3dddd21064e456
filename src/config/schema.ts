import { z } from 'zod';
import cron from 'node-cron';
import { RE2JS } from 're2js';
import { parseCidr } from './cidr';
import { parseDuration, parseSize } from '../shared/duration';

/**
 * The one definition of the config file's shape. Durations and sizes are
 * written for people ("20s", "10MB") and come out as milliseconds and bytes.
 */

const duration = (what: string) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value * 1000 : parseDuration(value);
    if (ms === null || !Number.isFinite(ms) || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a ${what} such as "20s", "15m" or "1h", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });

const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = typeof value === 'number' ? value : parseSize(value);
  if (bytes === null || bytes <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected a size such as "10MB" or "512KB", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return bytes;
});

const httpUrl = z.string().refine(
  (value) => {
    try {
      const u = new URL(value);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'expected an absolute http(s) URL' },
);

const cidr = z.string().refine((v) => parseCidr(v) !== null, { message: 'expected a CIDR such as "10.0.0.0/8" or "fd00::/8"' });

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected lower-case letters, digits, "-" or "_" (for example "vestnik-kavkaza")');

// A term is a word or a phrase; a trailing "*" makes its last word a prefix ("Турци*").
const term = z
  .string()
  .trim()
  .min(1, 'expected a non-empty term')
  .refine((t) => /[\p{L}\p{N}]/u.test(t), { message: 'expected a term with at least one letter or digit' })
  .refine((t) => !t.slice(0, -1).includes('*'), { message: 'a "*" may only end a term (a prefix), as in "Турци*"' });
const terms = z.array(term).default([]);

// Rule patterns run on RE2 (re2js): linear time, so a hostile item cannot stall matching.
const pattern = z.string().min(1, 'expected a non-empty pattern').superRefine((value, ctx) => {
  try {
    RE2JS.compile(value, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regex (RE2 syntax; no lookaround or backreferences): ${(err as Error).message}` });
  }
});

const matchField = z.enum(['title', 'summary', 'content', 'categories', 'author']);
const language = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'expected a language code such as "tr" or "pt-BR"');

const BLOCK_CONDITIONS = ['any', 'all', 'none', 'regex', 'categories', 'sources', 'sourceTags', 'languages', 'anyOf', 'allOf', 'not'] as const;

/** One block of a rule; anyOf/allOf/not nest blocks (getters make the schema recursive). */
const blockShape = {
  any: terms,
  all: terms,
  none: terms,
  regex: z.array(pattern).default([]),
  fields: z.array(matchField).min(1, 'expected at least one field').optional(),
  categories: terms,
  sources: z.array(slug).default([]),
  sourceTags: z.array(z.string().trim().min(1)).default([]),
  languages: z.array(language).default([]),
  get anyOf() {
    return z.array(blockSchema).default([]);
  },
  get allOf() {
    return z.array(blockSchema).default([]);
  },
  get not() {
    return blockSchema.optional();
  },
};

function requireCondition(block: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const has = BLOCK_CONDITIONS.some((k) => {
    const v = block[k];
    return Array.isArray(v) ? v.length > 0 : v !== undefined;
  });
  if (!has) ctx.addIssue({ code: 'custom', message: `expected at least one condition: ${BLOCK_CONDITIONS.join(', ')}` });
}

const blockSchema = z.object(blockShape).strict().superRefine(requireCondition);
export type RawMatchBlock = z.output<typeof blockSchema>;

/** The top block also takes maxAge, which only makes sense once per topic. */
const topMatchSchema = z
  .object({ ...blockShape, maxAge: duration('duration').optional() })
  .strict()
  .superRefine((b, ctx) => {
    if (b.maxAge === undefined) requireCondition(b, ctx);
  });

const topicSchema = z
  .object({
    slug,
    title: z.string().min(1),
    description: z.string().optional(),
    /** Match "Turkiye" and "Türkiye" alike (default), or only exactly as written. */
    diacriticSensitive: z.boolean().default(false),
    /** "story": one entry per story (its representative, "Also reported by: …"); "none": one per item. */
    collapse: z.enum(['none', 'story']).default('none'),
    match: topMatchSchema.optional(),
    /** Other topics whose items this one also carries. */
    include: z.array(slug).default([]),
    /** Require ?token= or "Authorization: Bearer" with this value; a wrong one is a 404. */
    token: z.string().min(8, 'expected a token of at least 8 characters').optional(),
  })
  .strict()
  .refine((t) => t.match !== undefined || t.include.length > 0, { message: 'expected "match", "include" or both' });

const sourceSchema = z
  .object({
    id: slug.optional(),
    name: z.string().trim().min(1),
    url: httpUrl.optional(),
    feeds: z.array(httpUrl).min(1).optional(),
    interval: duration('duration').optional(),
    tags: z.array(z.string().trim().min(1)).default([]),
    /** Extra request headers for this source's feeds (a cookie, basic auth). */
    headers: z.record(z.string(), z.string()).default({}),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((s) => (s.url === undefined) !== (s.feeds === undefined), {
    message: 'expected exactly one of "url" or "feeds"',
  });

export const configSchema = z
  .object({
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(8080),
        host: z.string().default('0.0.0.0'),
        baseUrl: httpUrl.default('http://localhost:8080'),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        /** Postgres URL; empty or absent means embedded PGlite in dataDir. */
        url: z.string().optional(),
        dataDir: z.string().min(1).default('./data'),
        /** Postgres schema to use instead of public (one database, several installs or tests). */
        schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case SQL identifier such as "tidings"').optional(),
      })
      .strict()
      .prefault({}),
    fetch: z
      .object({
        /** The whole request, connect to last byte: a trickling server is cut off here. */
        timeout: duration('duration').default(20_000),
        /** TCP + TLS connect. */
        connectTimeout: duration('duration').default(10_000),
        /** From the request until the response headers. */
        headersTimeout: duration('duration').default(15_000),
        /** Cap on the body after decompression. */
        maxBytes: size.default(10 * 1024 * 1024),
        maxRedirects: z.number().int().min(0).max(20).default(5),
        userAgent: z.string().min(1).optional(),
        /** true turns the SSRF guard off; a list of CIDRs allows only those private ranges. */
        allowPrivateNetworks: z.union([z.boolean(), z.array(cidr).min(1)]).default(false),
        /** Fetches at once in one process. */
        concurrency: z.number().int().min(1).max(256).default(16),
        /** Fetches at once to one host, in one process. */
        perHost: z.number().int().min(1).max(64).default(2),
      })
      .strict()
      .prefault({}),
    schedule: z
      .object({
        tick: z
          .string()
          .refine((v) => cron.validate(v), { message: 'expected a cron expression such as "* * * * *"' })
          .default('* * * * *'),
        defaultInterval: duration('duration').default(15 * 60_000),
        /** Bounds on the time between two fetches of a feed, whatever the feed or the adaptive mode asks. */
        minInterval: duration('duration').default(60_000),
        maxInterval: duration('duration').default(24 * 3600_000),
        /** The longest wait after consecutive errors. */
        backoffCeiling: duration('duration').default(6 * 3600_000),
        /** Follow how often each feed publishes (7 days ÷ items in the last 7 days) instead of the fixed interval. */
        adaptive: z.boolean().default(false),
        /** How long a claim holds; a crashed worker's feeds come back after it. Default: 3 × fetch.timeout + 60 s. */
        lease: duration('duration').optional(),
        /** On SIGTERM, how long fetches under way may take to finish. */
        shutdownGrace: duration('duration').default(20_000),
      })
      .strict()
      .prefault({}),
    publish: z
      .object({
        /** Items in a topic feed when the request gives no ?limit=. */
        defaultLimit: z.number().int().min(1).max(1000).default(50),
        /** The largest ?limit= honoured. */
        maxLimit: z.number().int().min(1).max(1000).default(200),
        /** A WebSub hub to ping when a topic gains items; advertised as rel="hub". */
        hub: httpUrl.optional(),
      })
      .strict()
      .prefault({}),
    /** Reload this file when it changes (SIGHUP always reloads). */
    watch: z.boolean().default(false),
    content: z
      .object({
        /**
         * Hosts whose <iframe> embeds survive sanitizing (for example
         * "www.youtube-nocookie.com"); every other iframe is removed.
         */
        iframeHosts: z
          .array(z.string().trim().toLowerCase().regex(/^[a-z0-9.-]+$/, 'expected a host name such as "www.youtube.com"'))
          .default([]),
      })
      .strict()
      .prefault({}),
    dedup: z
      .object({
        /** Group items of different publishers into stories. */
        stories: z.boolean().default(true),
        /** Items farther apart in publication time are never one story. */
        window: duration('duration').default(72 * 3600_000),
        /** Least word-set Jaccard similarity for the near-duplicate layer (chosen with `tidings dedup-eval`). */
        threshold: z.number().min(0.05).max(1).default(0.6),
        /** Titles (plus text start) with fewer content words skip the near-duplicate layer. */
        minWords: z.number().int().min(1).max(100).default(4),
        /** Source ids, most preferred first, for a story's representative. */
        sourcePriority: z.array(slug).default([]),
        /** Source ids never chosen as representative while another member exists (aggregators, syndicators). */
        neverRepresentative: z.array(slug).default([]),
      })
      .strict()
      .prefault({}),
    sources: z.array(sourceSchema).default([]),
    topics: z.array(topicSchema).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.sources.forEach((s, i) => {
      const id = s.id ?? deriveSourceId(s.name);
      const first = seen.get(id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, s.id ? 'id' : 'name'],
          message: `duplicate source id "${id}" (also sources[${first}])`,
        });
      } else seen.set(id, i);
    });
    for (const key of ['sourcePriority', 'neverRepresentative'] as const) {
      cfg.dedup[key].forEach((sid, j) => {
        if (!seen.has(sid)) ctx.addIssue({ code: 'custom', path: ['dedup', key, j], message: `unknown source id "${sid}"` });
      });
    }
    const slugs = new Set(cfg.topics.map((t) => t.slug));
    const tags = new Set(cfg.sources.flatMap((s) => s.tags));
    const firstSlug = new Map<string, number>();
    cfg.topics.forEach((t, i) => {
      const first = firstSlug.get(t.slug);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['topics', i, 'slug'], message: `duplicate topic slug "${t.slug}" (also topics[${first}])` });
      else firstSlug.set(t.slug, i);
      t.include.forEach((inc, j) => {
        if (!slugs.has(inc)) ctx.addIssue({ code: 'custom', path: ['topics', i, 'include', j], message: `unknown topic "${inc}"` });
      });
      if (t.match) {
        walkBlocks(t.match, ['topics', i, 'match'], (b, at) => {
          b.sources.forEach((sid, j) => {
            if (!seen.has(sid)) ctx.addIssue({ code: 'custom', path: [...at, 'sources', j], message: `unknown source id "${sid}"` });
          });
          b.sourceTags.forEach((tag, j) => {
            if (!tags.has(tag)) ctx.addIssue({ code: 'custom', path: [...at, 'sourceTags', j], message: `no source has the tag "${tag}"` });
          });
        });
      }
    });
    const cycle = includeCycle(cfg.topics);
    if (cycle) {
      ctx.addIssue({ code: 'custom', path: ['topics', cycle.index, 'include'], message: `topics include each other in a cycle: ${cycle.path.join(' → ')}` });
    }
  });

function walkBlocks(b: RawMatchBlock, at: (string | number)[], visit: (b: RawMatchBlock, at: (string | number)[]) => void): void {
  visit(b, at);
  b.anyOf.forEach((c, i) => walkBlocks(c, [...at, 'anyOf', i], visit));
  b.allOf.forEach((c, i) => walkBlocks(c, [...at, 'allOf', i], visit));
  if (b.not) walkBlocks(b.not, [...at, 'not'], visit);
}

/** The first include cycle (a → b → a), if any, found by depth-first search. */
function includeCycle(topics: readonly { slug: string; include: readonly string[] }[]): { index: number; path: string[] } | null {
  const bySlug = new Map(topics.map((t, i) => [t.slug, { t, i }]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (slug: string): string[] | null => {
    if (state.get(slug) === 'done') return null;
    if (state.get(slug) === 'open') return [...stack.slice(stack.indexOf(slug)), slug];
    state.set(slug, 'open');
    stack.push(slug);
    for (const inc of bySlug.get(slug)?.t.include ?? []) {
      const found = visit(inc);
      if (found) return found;
    }
    stack.pop();
    state.set(slug, 'done');
    return null;
  };
  for (const t of topics) {
    const path = visit(t.slug);
    if (path) return { index: bySlug.get(path[0]!)!.i, path };
  }
  return null;
}

export type RawConfig = z.output<typeof configSchema>;

/** "Vestnik Kavkaza" → "vestnik-kavkaza". */
export function deriveSourceId(name: string): string {
  const id = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return id || 'source';
}
