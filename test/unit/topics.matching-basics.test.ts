import type { MatchableItem, TopicSpec } from '../../src/domain/topic';
import { TopicMatcher } from '../../src/topics/matcher';

type Match = NonNullable<TopicSpec['match']>;
function topic(slug: string, match: Partial<Match>, diacriticSensitive = false): TopicSpec {
  const empty: Match = {
    any: [], all: [], none: [], regex: [], fields: null, categories: [], sources: [], sourceTags: [], languages: [], anyOf: [], allOf: [], not: null, maxAgeSeconds: null,
  };
  return { slug, title: slug, description: null, diacriticSensitive, include: [], token: null, match: { ...empty, ...match } };
}
function item(title: string, over: Partial<MatchableItem> = {}): MatchableItem {
  return {
    sourceId: 'wire', sourceTags: [], title, summary: null, contentText: null, author: null, categories: [], language: null,
    publishedAt: new Date(), ...over,
  };
}

describe('topic matching', () => {
  const m = new TopicMatcher([
    topic('turkey', { any: ['Türkiye', 'Turk', 'Турци*', 'Recep Tayyip Erdoğan'], none: ['Thanksgiving'] }),
    topic('syria', { any: ['Syria', 'سوريا', 'Идлиб*'] }),
    topic('talks', { all: ['Russia', 'talks'] }),
    topic('tagged', { categories: ['Middle East'] }),
    topic('wire-only', { any: ['Idlib'], sources: ['wire'] }),
    topic('exact', { any: ['Türkiye'] }, true),
  ]);

  test.each(['Türkiye', 'TÜRKİYE', 'Turkiye', 'türkiye', 'TURKIYE'])('%s matches "Türkiye"', (word) => {
    expect(m.match(item(`${word} sends troops`))).toContain('turkey');
  });

  test('"Turkmenistan" does not match "Turk"; "Turk" does', () => {
    expect(m.match(item('Turkmenistan opens a pipeline'))).not.toContain('turkey');
    expect(m.match(item('A Turk wins the race'))).toContain('turkey');
  });

  test('a trailing * matches a word\'s continuation, in Cyrillic too', () => {
    for (const w of ['Турция', 'Турции', 'Турцию', 'ТУРЦИЕЙ']) expect(m.match(item(`${w} и Россия`))).toContain('turkey');
    expect(m.match(item('В Идлибе идут бои'))).toContain('syria');
    expect(m.match(item('Турист из Москвы'))).not.toContain('turkey');
  });

  test('phrases match as consecutive words, whatever the case and diacritics', () => {
    expect(m.match(item('RECEP TAYYIP ERDOGAN visits Moscow'))).toContain('turkey');
    expect(m.match(item('Recep met Tayyip; Erdoğan was away'))).not.toContain('turkey');
  });

  test('none excludes', () => {
    expect(m.match(item('Türkiye celebrates Thanksgiving?'))).not.toContain('turkey');
  });

  test('all requires every term, in any field', () => {
    expect(m.match(item('Russia agrees', { summary: 'New talks next week' }))).toContain('talks');
    expect(m.match(item('Russia agrees'))).not.toContain('talks');
  });

  test('Arabic matches with and without harakat and alef variants', () => {
    expect(m.match(item('الجيش في سُورِيَا'))).toContain('syria');
    expect(m.match(item('أخبار سوريا اليوم'))).toContain('syria');
  });

  test('categories and sources restrict a topic', () => {
    expect(m.match(item('Anything', { categories: ['middle east'] }))).toContain('tagged');
    expect(m.match(item('Middle East news'))).not.toContain('tagged');
    expect(m.match(item('Idlib', { sourceId: 'wire' }))).toContain('wire-only');
    expect(m.match(item('Idlib', { sourceId: 'other' }))).not.toContain('wire-only');
  });

  test('a diacritic-sensitive topic still folds case but not accents', () => {
    expect(m.match(item('TÜRKİYE'))).toContain('exact');
    expect(m.match(item('Turkiye'))).not.toContain('exact');
  });

  test('the rule hash changes only when the rule does', () => {
    const a = new TopicMatcher([topic('t', { any: ['x'] })]).ruleHashes.get('t');
    expect(new TopicMatcher([topic('t', { any: ['x'] })]).ruleHashes.get('t')).toBe(a);
    expect(new TopicMatcher([topic('t', { any: ['y'] })]).ruleHashes.get('t')).not.toBe(a);
  });
});
