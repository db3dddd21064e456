import { z } from 'zod';
import cron from 'node-cron';
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

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected lower-case letters, digits, "-" or "_" (for example "vestnik-kavkaza")');

const terms = z.array(z.string().trim().min(1, 'expected a non-empty term')).default([]);

const matchSchema = z
  .object({
    any: terms,
    all: terms,
    none: terms,
    categories: terms,
    sources: z.array(slug).default([]),
  })
  .strict();

const topicSchema = z
  .object({
    slug,
    title: z.string().min(1),
    description: z.string().optional(),
    /** Match "Turkiye" and "Türkiye" alike (default), or only exactly as written. */
    diacriticSensitive: z.boolean().default(false),
    /** "story": one entry per story (its representative, "Also reported by: …"); "none": one per item. */
    collapse: z.enum(['none', 'story']).default('none'),
    match: matchSchema,
  })
  .strict();

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
      })
      .strict()
      .prefault({}),
    fetch: z
      .object({
        timeout: duration('duration').default(20_000),
        maxBytes: size.default(10 * 1024 * 1024),
        userAgent: z.string().min(1).optional(),
        allowPrivateNetworks: z.boolean().default(false),
        concurrency: z.number().int().min(1).max(256).default(16),
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
      })
      .strict()
      .prefault({}),
    publish: z
      .object({
        /** Items in a topic feed when the request gives no ?limit=. */
        defaultLimit: z.number().int().min(1).max(1000).default(50),
        /** The largest ?limit= honoured. */
        maxLimit: z.number().int().min(1).max(1000).default(200),
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
    const slugs = new Set<string>();
    cfg.topics.forEach((t, i) => {
      if (slugs.has(t.slug)) ctx.addIssue({ code: 'custom', path: ['topics', i, 'slug'], message: `duplicate topic slug "${t.slug}"` });
      slugs.add(t.slug);
      t.match.sources.forEach((sid, j) => {
        if (!seen.has(sid)) {
          ctx.addIssue({ code: 'custom', path: ['topics', i, 'match', 'sources', j], message: `unknown source id "${sid}"` });
        }
      });
      const m = t.match;
      if (m.any.length + m.all.length + m.categories.length + m.sources.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['topics', i, 'match'],
          message: 'expected at least one of "any", "all", "categories" or "sources"',
        });
      }
    });
  });

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
