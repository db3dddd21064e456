import { z } from 'zod';
import cron from 'node-cron';
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
