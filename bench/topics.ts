/**
 * Matcher throughput: items per second against 50 topics × 10 keywords
 * (words, phrases and prefixes in Latin, Cyrillic and Arabic), and the same
 * against 500 topics, to show the cost follows the item's length, not the
 * number of keywords. Run: npx tsx bench/topics.ts
 */
import type { MatchableItem, TopicSpec } from '../src/domain/topic';
import { TopicMatcher } from '../src/topics/matcher';

const WORDS = [
  'government', 'minister', 'said', 'talks', 'border', 'troops', 'economy', 'inflation', 'election', 'president', 'city', 'market',
  'Türkiye', 'Ankara', 'İstanbul', 'Россия', 'Москва', 'Турция', 'переговоры', 'سوريا', 'دمشق', 'الرئيس', 'energy', 'pipeline',
  'ceasefire', 'refugees', 'parliament', 'vote', 'court', 'police', 'protest', 'budget', 'bank', 'rates', 'oil', 'gas', 'weather',
];

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

function topics(count: number): TopicSpec[] {
  return Array.from({ length: count }, (_, t) => {
    const kw = Array.from({ length: 10 }, (_, k) => {
      const w = `${pick(WORDS)}${t}x${k}`;
      return k % 3 === 0 ? `${w}*` : k % 3 === 1 ? `${pick(WORDS)} ${w}` : w;
    });
    // Every tenth topic also has real words, so some items match.
    if (t % 10 === 0) kw.splice(0, 3, 'Ankara', 'Турци*', 'سوريا');
    return {
      slug: `t${t}`,
      title: `T${t}`,
      description: null,
      include: [],
      token: null,
      diacriticSensitive: false,
      match: {
        any: kw.slice(0, 8), all: [], none: kw.slice(8), regex: [], fields: null, categories: [], sources: [], sourceTags: [], languages: [],
        anyOf: [], allOf: [], not: null, maxAgeSeconds: null,
      },
    };
  });
}

const ITEMS: MatchableItem[] = Array.from({ length: 2000 }, () => ({
  sourceId: 'wire',
  sourceTags: ['world'],
  title: sentence(10),
  summary: sentence(40),
  contentText: sentence(300),
  author: 'Desk',
  categories: [pick(WORDS), pick(WORDS)],
  language: 'en',
  publishedAt: new Date(),
}));

function run(topicCount: number): { perSecond: number; matched: number } {
  const m = new TopicMatcher(topics(topicCount));
  let matched = 0;
  for (let i = 0; i < 300; i++) matched += m.match(ITEMS[i]!).length; // warm-up
  matched = 0;
  const rounds = 3;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const it of ITEMS) matched += m.match(it).length;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { perSecond: Math.round((ITEMS.length * rounds) / s), matched };
}

const words = ITEMS.reduce((n, it) => n + `${it.title} ${it.summary} ${it.contentText}`.split(' ').length, 0) / ITEMS.length;
for (const n of [50, 500]) {
  const r = run(n);
  console.log(`${n} topics × 10 keywords: ${r.perSecond.toLocaleString('en')} items/s (items of ~${Math.round(words)} words; ${r.matched} topic matches)`);
}
