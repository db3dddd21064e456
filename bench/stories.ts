/**
 * Ingest cost per item with story clustering on and off, as the store grows.
 *
 *   npx tsx bench/stories.ts [--levels 10000,100000] [--feeds 10] [--items 100]
 *   npx tsx bench/stories.ts --levels 10000,100000,1000000    # the 1M level takes long
 *
 * Uses the real Postgres at TIDINGS_BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test) in a fresh schema, dropped at the
 * end. The store is filled to each level through the real save path (with
 * stories, so story_keys grows too), at a steady --per-day rate, so the 72 h
 * window always holds the same number of items. Each item is first seen when
 * it is published, and story keys are pruned as the simulated window moves
 * on, as the linker's sweep does in a running service, so story_keys holds
 * about the window while items and story_items grow to the level. Then, at
 * each level, fresh feeds are
 * served by a local HTTP server and ingested end to end (fetch → parse →
 * normalize → dedup → store → topics, plus stories when on). Half the
 * measured items copy a recent stored event from another publisher, so the
 * candidate lookup finds real matches.
 */
import { parseConfig } from '../src/config/load';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_STORY_OPTIONS, storyFeatures, type StoryOptions } from '../src/dedup/story-match';
import { withKeys } from '../src/dedup/keys';
import { resolveAgainstStored } from '../src/dedup/publisher';
import type { FeedTask } from '../src/domain/source';
import { Fetcher } from '../src/fetch/fetcher';
import { ingestFeed, type IngestDeps } from '../src/ingest/ingest-feed';
import { KEY_RETENTION_MARGIN_MS, StoryLinker } from '../src/ingest/story-linker';
import { sql } from 'kysely';
import { silentLogger } from '../src/shared/logger';
import { Store, type ItemToSave } from '../src/store';
import { TopicMatcher } from '../src/topics/matcher';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const LEVELS = arg('levels', '10000,100000').split(',').map(Number);
const FEEDS = Number(arg('feeds', '10'));
const ITEMS = Number(arg('items', '100'));
const ROUNDS = Number(arg('rounds', '2'));
/** Size of each item's HTML body; real feeds carry a few KB that the normalizer must sanitize. */
const CONTENT_BYTES = Number(arg('content-bytes', '2000'));
const URL_ = process.env.TIDINGS_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const FILL_SOURCES = 100;
const FILL_BATCH = 500;
/** Fill batches between two prunings of old story keys (500 × 20 = 10,000 items = 5 simulated days). */
const PRUNE_EVERY = 20;
// News arrives at a steady rate, so a bigger store is a longer history, and the
// 72 h window always holds about the same number of items (6,000 at 2,000 a day).
const PER_DAY = Number(arg('per-day', '2000'));
const MS_PER_ITEM = 86_400_000 / PER_DAY;
const T0 = Date.now() - Math.max(...LEVELS) * MS_PER_ITEM;

// mulberry32: a seeded PRNG, so every run generates the same data.
let seed = 42;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
// 5,000 made-up words, distinct in their first five letters (the stemmer keeps five), drawn with a
// Zipf-like skew so common words collide in band keys the way "Trump" or "Russia" do in real news.
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const VOCAB = Array.from({ length: 5000 }, () => Array.from({ length: 5 + Math.floor(rnd() * 4) }, () => pick([...LETTERS])).join(''));
const word = () => VOCAB[Math.floor(VOCAB.length * rnd() ** 2)]!;

interface Ev {
  words: string[];
  at: number;
}
const events: Ev[] = [];
function newEvent(at: number): Ev {
  const e = { words: Array.from({ length: 7 + Math.floor(rnd() * 5) }, word), at };
  events.push(e);
  return e;
}
/** A copy by another desk: one word swapped, sometimes a wire tag. */
function copyTitle(e: Ev): string {
  const w = [...e.words];
  w[Math.floor(rnd() * w.length)] = word();
  return `${rnd() < 0.2 ? 'UPDATE 1-' : ''}${w.join(' ')}`;
}

let serial = 0;
function genItem(sourceId: string, at: number, copyOf: Ev | null) {
  const e = copyOf ?? newEvent(at);
  const title = copyOf ? copyTitle(copyOf) : e.words.join(' ');
  const n = serial++;
  return { title, link: `https://${sourceId}.example/a/${n}`, at: new Date(at), summary: `${e.words.slice(0, 5).join(' ')} ${word()} ${word()}.` };
}

function body(): string {
  let html = '';
  while (html.length < CONTENT_BYTES) {
    html += `<p>${Array.from({ length: 25 }, word).join(' ')} <a href="https://example.com/${word()}?utm_source=x">${word()}</a>.</p>`;
    if (rnd() < 0.2) html += `<img src="https://img.example/${word()}.jpg" width="600"><script>track()</script>`;
  }
  return html;
}

function rss(items: ReturnType<typeof genItem>[]): string {
  return `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>b</title><link>https://b.example/</link><description>b</description>${items
    .map((i) => `<item><title>${i.title}</title><link>${i.link}</link><guid>${i.link}</guid><pubDate>${i.at.toUTCString()}</pubDate><description>${i.summary}</description>${CONTENT_BYTES > 0 ? `<content:encoded><![CDATA[${body()}]]></content:encoded>` : ''}</item>`)
    .join('')}</channel></rss>`;
}

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  // Ctrl-C drops the schema too: a 1M-item level leaves gigabytes behind otherwise.
  process.once('SIGINT', () => {
    const client = new pg.Client({ connectionString: URL_ });
    void client
      .connect()
      .then(() => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))
      .finally(() => process.exit(130));
  });
  const store = await Store.open({ url: URL_, schema, poolSize: 4 });
  const bodies = new Map<string, string>();
  const server = createServer((req, res) => {
    const body = bodies.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/rss+xml' }).end(body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fetcher = new Fetcher({ timeoutMs: 20_000, maxBytes: 50 * 1024 * 1024, userAgent: 'tidings-bench', allowPrivateNetworks: true });
  try {
    await store.migrate();
    const measured = LEVELS.flatMap((l) => ['off', 'on'].flatMap((m) => Array.from({ length: ROUNDS * FEEDS }, (_, i) => `m-${l}-${m}-${i}`)));
    const fillIds = Array.from({ length: FILL_SOURCES }, (_, i) => `fill-${i}`);
    await store.syncSources(
      [...fillIds, ...measured].map((id) => ({ id, name: id, feeds: [`${base}/${id}.xml`], intervalSeconds: 900, tags: [], headers: {} })),
    );
    const tasks = new Map<string, FeedTask>();
    for (const t of await store.claimFeeds({ workerId: 'bench', limit: 100_000, leaseSeconds: 86_400, ignoreSchedule: true })) tasks.set(t.sourceId, t);
    const matcher = new TopicMatcher(parseConfig(`topics:\n  - { slug: a, title: A, match: { any: ${JSON.stringify(VOCAB.slice(0, 50))} } }\n`, 'bench', {}).topics);
    const storyOpts: StoryOptions = DEFAULT_STORY_OPTIONS;
    // The fill prunes by the simulated clock; the measured polls' linker does not prune (its clock is the real one).
    const linker = new StoryLinker(store, storyOpts, silentLogger(), undefined, false);
    const deps = (stories: StoryOptions | null): IngestDeps => ({ store, fetcher, matcher: () => matcher, logger: silentLogger(), workerId: 'bench', stories, linker: stories ? linker : null });

    let stored = 0;
    let batches = 0;
    const results: { level: number; mode: string; round: number; items: number; msPerItem: number }[] = [];
    for (const level of LEVELS) {
      const fillStarted = Date.now();
      while (stored < level) {
        const n = Math.min(FILL_BATCH, level - stored);
        const sourceId = pick(fillIds);
        const items: ItemToSave[] = [];
        for (let i = 0; i < n; i++) {
          // Item k is published at T0 + k / rate; 40% copy a recent event from another publisher.
          const at = T0 + Math.floor((stored + i) * MS_PER_ITEM);
          const recent = events.length > 0 && rnd() < 0.4 ? events[Math.max(0, events.length - 1 - Math.floor(rnd() * 200))]! : null;
          const g = genItem(sourceId, at, recent);
          const it = withKeys({
            guid: g.link, url: g.link, canonicalUrl: g.link, title: g.title, summary: g.summary, contentHtml: null, author: null,
            categories: [], publishedAt: g.at, publishedEstimated: false, updatedAt: null, enclosures: [], language: null,
          });
          items.push({ ...it, topics: [], story: storyFeatures({ title: it.title, text: it.summary, canonicalUrl: it.canonicalUrl }) });
        }
        const r = await store.saveItems(sourceId, tasks.get(sourceId)!.feedId, items, resolveAgainstStored, storyOpts);
        if (r.storyQueued.length > 0) await store.linkPendingStories(storyOpts, r.storyQueued.length, r.storyQueued);
        // The store grew over simulated days: each item was first seen when it was published, and the
        // linker's sweep (every 5 minutes in a running service) pruned keys as the window moved on.
        if (r.insertedIds.length > 0) {
          await store.db.kysely.updateTable('items').set({ firstSeenAt: sql<Date>`published_at` }).where('id', 'in', [...r.insertedIds]).execute();
        }
        if (++batches % PRUNE_EVERY === 0) {
          const simulatedNow = T0 + (stored + n) * MS_PER_ITEM;
          while ((await store.pruneStoryKeys(new Date(simulatedNow - storyOpts.windowMs - KEY_RETENTION_MARGIN_MS), 50_000)) === 50_000);
        }
        stored += r.inserted;
        if (r.inserted === 0) break;
      }
      // The fill rewrote every item's first_seen_at: until a vacuum, items_first_seen_idx still holds an
      // entry at the real (recent) time for each old row version, so the first sweep would visit all of them.
      // A store that grew over months has been vacuumed many times; do here what autovacuum would have.
      await sql`VACUUM (ANALYZE) items, story_items, story_keys`.execute(store.db.kysely);
      process.stderr.write(`filled to ${stored} items in ${((Date.now() - fillStarted) / 1000).toFixed(0)} s\n`);
      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of round % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
          let ms = 0;
          let count = 0;
          for (let f = 0; f < FEEDS; f++) {
            const id = `m-${level}-${mode}-${round * FEEDS + f}`;
            const items = Array.from({ length: ITEMS }, (_, i) => {
              const at = T0 + Math.floor(level * MS_PER_ITEM - rnd() * 2 * 24 * 3600_000);
              const copy = i % 2 === 0 ? events[Math.max(0, events.length - 1 - Math.floor(rnd() * 500))]! : null;
              return genItem(id, at, copy);
            });
            bodies.set(`/${id}.xml`, rss(items));
            const started = process.hrtime.bigint();
            const s = await ingestFeed(deps(mode === 'on' ? storyOpts : null), tasks.get(id)!);
            // With stories on, the cost includes linking the feed's items (what a poll awaits before it ends).
            if (mode === 'on') await linker.drain();
            ms += Number(process.hrtime.bigint() - started) / 1e6;
            if (s.status !== 'ok') throw new Error(`${id}: ${s.error}`);
            count += s.new;
            stored += s.new;
          }
          results.push({ level, mode, round, items: count, msPerItem: ms / count });
          process.stderr.write(`level ${level} ${mode} round ${round}: ${(ms / count).toFixed(3)} ms/item (${count} items)\n`);
        }
      }
    }
    const summary = LEVELS.map((level) => {
      const avg = (mode: string) => {
        const rs = results.filter((r) => r.level === level && r.mode === mode);
        return rs.reduce((a, r) => a + r.msPerItem, 0) / rs.length;
      };
      const off = avg('off');
      const on = avg('on');
      return { level, offMsPerItem: +off.toFixed(3), onMsPerItem: +on.toFixed(3), overheadPct: +(((on - off) / off) * 100).toFixed(1) };
    });
    process.stdout.write(`${JSON.stringify({ feedsPerRun: FEEDS, itemsPerFeed: ITEMS, rounds: ROUNDS, contentBytes: CONTENT_BYTES, summary, results }, null, 2)}\n`);
  } finally {
    await fetcher.close();
    server.close();
    await store.close();
    const client = new pg.Client({ connectionString: URL_ });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
