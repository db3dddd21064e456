import { parseConfig, ConfigError, type Config } from '../../src/config/load';
import type { MatchableItem } from '../../src/domain/topic';
import { TopicMatcher } from '../../src/topics/matcher';

const NOW = new Date('2026-02-10T12:00:00Z');

function item(p: Partial<MatchableItem>): MatchableItem {
  return {
    sourceId: 'wire',
    sourceTags: ['world', 'en'],
    title: '',
    summary: null,
    contentText: null,
    author: null,
    categories: [],
    language: 'en',
    publishedAt: new Date('2026-02-10T08:00:00Z'),
    ...p,
  };
}

function config(topics: string): Config {
  return parseConfig(
    `sources:
  - { name: Wire, id: wire, url: "http://wire.example/rss", tags: [world, en] }
  - { name: Hurriyet, id: hurriyet, url: "http://h.example/rss", tags: [turkey, tr] }
topics:
${topics}`,
    'rules.yaml',
    {},
  );
}

function matcher(topics: string): TopicMatcher {
  return new TopicMatcher(config(topics).topics);
}

const one = (m: TopicMatcher, p: Partial<MatchableItem>) => m.match(item(p), NOW);

describe('words, phrases and prefixes', () => {
  const m = matcher(`
  - slug: t
    title: T
    match: { any: [Türkiye, "Black Sea", Турци*] }`);

  test('Turkish dotted and dotless I fold together, with and without diacritics', () => {
    for (const title of ['TÜRKİYE votes', 'Türkiye votes', 'turkiye votes', 'TURKIYE votes', 'Türkıye votes']) expect(one(m, { title })).toEqual(['t']);
  });
  test('whole words only: Turkiyeli is not Türkiye', () => {
    expect(one(m, { title: 'Turkiyeli voters' })).toEqual([]);
  });
  test('a phrase matches its words in order, and never across two fields', () => {
    expect(one(m, { title: 'Storm over the black  sea' })).toEqual(['t']);
    expect(one(m, { title: 'sea black' })).toEqual([]);
    expect(one(m, { title: 'Storm over the Black', summary: 'Sea ports closed' })).toEqual([]);
  });
  test('Cyrillic prefix wildcard: Турци* matches Турция, Турции, Турцию but not Тур', () => {
    for (const w of ['Турция', 'Турции', 'Турцию', 'ТУРЦИЕЙ']) expect(one(m, { title: `${w} и Россия` })).toEqual(['t']);
    expect(one(m, { title: 'Тур де Франс' })).toEqual([]);
  });
});

test('Arabic: سوريا matches with harakat, tatweel and alef variants', () => {
  const m = matcher(`
  - slug: syria
    title: Syria
    match: { any: [سوريا, "الرئاسة"] }`);
  expect(one(m, { title: 'أخبار سُورِيَا اليوم' })).toEqual(['syria']);
  expect(one(m, { title: 'سـوريـا' })).toEqual(['syria']);
  expect(one(m, { title: 'بيان ألرئاسة' })).toEqual(['syria']);
  expect(one(m, { title: 'سوق' })).toEqual([]);
});

test('diacriticSensitive: Türkiye no longer matches Turkiye', () => {
  const m = matcher(`
  - slug: strict
    title: Strict
    diacriticSensitive: true
    match: { any: [Türkiye] }
  - slug: loose
    title: Loose
    match: { any: [Türkiye] }`);
  expect(one(m, { title: 'Turkiye' })).toEqual(['loose']);
  expect(one(m, { title: 'TÜRKİYE' })).toEqual(['strict', 'loose']);
});

test('all and none', () => {
  const m = matcher(`
  - slug: t
    title: T
    match: { all: [Turkey, Syria], none: [Thanksgiving] }`);
  expect(one(m, { title: 'Turkey and Syria talk' })).toEqual(['t']);
  expect(one(m, { title: 'Turkey talks' })).toEqual([]);
  expect(one(m, { title: 'Turkey and Syria at Thanksgiving' })).toEqual([]);
});

test('regex runs on RE2, case-insensitive, on the chosen fields', () => {
  const m = matcher(`
  - slug: r
    title: R
    match: { regex: ["\\\\bF-?(16|35)s?\\\\b"], fields: [title] }`);
  expect(one(m, { title: 'Ankara buys f16 jets' })).toEqual(['r']);
  expect(one(m, { title: 'F-35 deal' })).toEqual(['r']);
  expect(one(m, { title: 'Jets', summary: 'F-16 deal' })).toEqual([]);
  // A pattern that backtracks catastrophically in JS RegExp is linear on RE2.
  const evil = matcher(`
  - slug: e
    title: E
    match: { regex: ["^(a+)+$"] }`);
  expect(one(evil, { title: `${'a'.repeat(5000)}!` })).toEqual([]);
});

test('fields: author only, and nested blocks inherit fields', () => {
  const m = matcher(`
  - slug: a
    title: A
    match:
      fields: [author]
      any: [Pamuk]
      anyOf: [{ any: [Orhan] }]`);
  expect(one(m, { title: 'x', author: 'Orhan Pamuk' })).toEqual(['a']);
  expect(one(m, { title: 'Orhan Pamuk speaks' })).toEqual([]);
});

test('categories, sources, sourceTags and languages', () => {
  const m = matcher(`
  - slug: cat
    title: Cat
    match: { categories: [Middle East] }
  - slug: src
    title: Src
    match: { sources: [hurriyet] }
  - slug: tag
    title: Tag
    match: { sourceTags: [turkey] }
  - slug: lang
    title: Lang
    match: { languages: [tr] }`);
  expect(one(m, { title: 'x', categories: ['World', 'Middle East'] })).toEqual(['cat']);
  expect(one(m, { title: 'Middle East', categories: ['World'] })).toEqual([]);
  expect(one(m, { title: 'x', sourceId: 'hurriyet', sourceTags: ['turkey', 'tr'], language: 'tr-TR' })).toEqual(['src', 'tag', 'lang']);
});

test('maxAge: older items are not members', () => {
  const m = matcher(`
  - slug: fresh
    title: Fresh
    match: { any: [Ankara], maxAge: 1d }`);
  expect(one(m, { title: 'Ankara', publishedAt: new Date('2026-02-10T00:00:00Z') })).toEqual(['fresh']);
  expect(one(m, { title: 'Ankara', publishedAt: new Date('2026-02-08T00:00:00Z') })).toEqual([]);
});

test('nested anyOf, allOf and not', () => {
  const m = matcher(`
  - slug: n
    title: N
    match:
      anyOf:
        - { all: [Turkey, Syria] }
        - allOf: [{ any: [Ankara] }, { languages: [tr] }]
      not: { any: [sport, football] }`);
  expect(one(m, { title: 'Turkey Syria border' })).toEqual(['n']);
  expect(one(m, { title: 'Ankara', language: 'tr' })).toEqual(['n']);
  expect(one(m, { title: 'Ankara', language: 'en' })).toEqual([]);
  expect(one(m, { title: 'Turkey Syria football match' })).toEqual([]);
});

test('include: a topic carries the items of the topics it includes', () => {
  const m = matcher(`
  - slug: turkey
    title: Turkey
    match: { any: [Ankara] }
  - slug: syria
    title: Syria
    match: { any: [Damascus] }
  - slug: region
    title: Region
    include: [turkey, syria]
  - slug: region-plus
    title: Region and Iraq
    include: [region]
    match: { any: [Baghdad] }`);
  expect(one(m, { title: 'Damascus' })).toEqual(['syria', 'region', 'region-plus']);
  expect(one(m, { title: 'Baghdad' })).toEqual(['region-plus']);
  expect(one(m, { title: 'Paris' })).toEqual([]);
});

test('the rule hash changes with the rule and with an included topic, not with the title', () => {
  const a = matcher(`
  - { slug: a, title: A, match: { any: [x] } }
  - { slug: b, title: B, include: [a] }`).ruleHashes;
  const retitled = matcher(`
  - { slug: a, title: Renamed, match: { any: [x] } }
  - { slug: b, title: B, include: [a] }`).ruleHashes;
  const edited = matcher(`
  - { slug: a, title: A, match: { any: [y] } }
  - { slug: b, title: B, include: [a] }`).ruleHashes;
  expect(retitled).toEqual(a);
  expect(edited.get('a')).not.toBe(a.get('a'));
  expect(edited.get('b')).not.toBe(a.get('b'));
});

describe('bad rules fail with file:line:col', () => {
  const problems = (topics: string) => {
    try {
      config(topics);
    } catch (err) {
      return (err as ConfigError).message;
    }
    throw new Error('expected a ConfigError');
  };

  test('a regex RE2 cannot compile', () => {
    expect(problems(`
  - slug: t
    title: T
    match:
      regex: ["(?=lookahead)"]`)).toMatch(/^rules\.yaml:9:\d+: topics\[0\]\.match\.regex\[0\]: invalid regex/m);
  });
  test('an unknown field and a "*" inside a term', () => {
    const msg = problems(`
  - slug: t
    title: T
    include: [nope]
    match:
      any: ["Tur*key"]
      fields: [body]
      allOf: [{ sources: [ghost] }, { sourceTags: [sports] }]`);
    expect(msg).toMatch(/rules\.yaml:10:\d+: topics\[0\]\.match\.any\[0\]: a "\*" may only end a term/);
    expect(msg).toMatch(/rules\.yaml:11:\d+: topics\[0\]\.match\.fields\[0\]: Invalid option/);
  });
  test('unknown includes, and unknown sources and tags in nested blocks, are located', () => {
    const msg = problems(`
  - slug: t
    title: T
    include: [nope]
    match:
      allOf: [{ sources: [ghost] }, { sourceTags: [sports] }]`);
    expect(msg).toMatch(/rules\.yaml:8:\d+: topics\[0\]\.include\[0\]: unknown topic "nope"/);
    expect(msg).toMatch(/rules\.yaml:10:\d+: topics\[0\]\.match\.allOf\[0\]\.sources\[0\]: unknown source id "ghost"/);
    expect(msg).toMatch(/rules\.yaml:10:\d+: topics\[0\]\.match\.allOf\[1\]\.sourceTags\[0\]: no source has the tag "sports"/);
  });
  test('an empty block, maxAge in a nested block, and an include cycle', () => {
    const msg = problems(`
  - slug: a
    title: A
    include: [b]
    match:
      not: { maxAge: 1d }
  - slug: b
    title: B
    include: [a]`);
    expect(msg).toMatch(/topics\[0\]\.match\.not: unknown key "maxAge"/);
    expect(msg).toMatch(/topics\[0\]\.include: topics include each other in a cycle: a → b → a/);
  });
});
