import { stripWirePrefix, storyTitleKey } from '../../src/dedup/story-title';
import { jaccard, shingleSet, storyTokens } from '../../src/dedup/shingles';
import { bandKeys, signature, BANDS } from '../../src/dedup/minhash';
import {
  DEFAULT_STORY_OPTIONS,
  decideStory,
  representativeRank,
  storyFeatures,
  type StoryCandidate,
  type StoryProbe,
} from '../../src/dedup/story-match';

const T0 = new Date('2020-02-10T06:30:00Z');
const IDLIB = 'Turkey deploys army in Idlib, citing failure of negotiations with Russia';

function probe(sourceId: string, title: string, opts: { url?: string; at?: Date; text?: string } = {}): StoryProbe {
  const canonicalUrl = opts.url ?? null;
  return { sourceId, publishedAt: opts.at ?? T0, features: storyFeatures({ title, text: opts.text ?? null, canonicalUrl }) };
}

function candidate(itemId: number, storyId: number, p: StoryProbe): StoryCandidate {
  return { itemId, storyId, sourceId: p.sourceId, urlKey: p.features.urlKey, titleKey: p.features.titleKey, shingles: p.features.shingles, publishedAt: p.publishedAt };
}

const none = () => new Set<string>();

describe('wire decorations', () => {
  test.each([
    ['AA - Turkey deploys army in Idlib', 'Turkey deploys army in Idlib'],
    ['Reuters: Turkey deploys army in Idlib', 'Turkey deploys army in Idlib'],
    ['UPDATE 2-McDonald\'s US sales continue to struggle', 'McDonald\'s US sales continue to struggle'],
    ['RPT-Mt. Gox files for US bankruptcy protection', 'Mt. Gox files for US bankruptcy protection'],
    ['UPDATE 1-Reuters: ECB holds rates', 'ECB holds rates'],
    ['ECB leaves rates unchanged - Reuters', 'ECB leaves rates unchanged'],
    ['(Reuters) Oil sinks', 'Oil sinks'],
  ])('%s → %s', (title, expected) => {
    expect(stripWirePrefix(title)).toBe(expected);
  });

  test('an airline called AA, with no byline separator, keeps its name', () => {
    expect(stripWirePrefix('AA and JetBlue end ticketing agreement')).toBe('AA and JetBlue end ticketing agreement');
  });

  test('a title that is only a tag is kept whole rather than emptied', () => {
    expect(stripWirePrefix('UPDATE 2-')).toBe('UPDATE 2-');
  });

  test('the title key ignores case, punctuation, Turkish I and the byline', () => {
    expect(storyTitleKey(`AA - ${IDLIB.toUpperCase()}!`)).toBe(storyTitleKey(IDLIB));
    expect(storyTitleKey('İdlib')).toBe(storyTitleKey('Idlib'));
  });

  test('a hostile title (thousands of tags, long separator runs) is stripped a bounded number of times', () => {
    // The patterns are anchored with no nested quantifier; a backtracking blow-up would hit the test timeout.
    const hostile = `${'UPDATE 1-'.repeat(5000)}${' -'.repeat(50_000)} - x`;
    expect(stripWirePrefix(hostile).startsWith('UPDATE 1-')).toBe(true);
  });
});

describe('shingles and MinHash', () => {
  test('stemming makes inflections meet; stopwords do not count', () => {
    expect(storyTokens('The deployed troops', null)).toEqual(storyTokens('deploys troop', null));
  });

  test('Jaccard is exact on sorted sets', () => {
    expect(jaccard([1, 2, 3], [2, 3, 4])).toBeCloseTo(0.5);
    expect(jaccard([], [1])).toBe(0);
  });

  test('band keys are stable, one per band, and equal sets share all of them', () => {
    const a = shingleSet(storyTokens(IDLIB, null));
    const keys = bandKeys(signature(a));
    expect(keys).toHaveLength(BANDS);
    expect(bandKeys(signature([...a]))).toEqual(keys);
    expect(keys.every((k) => /^-?\d+$/.test(k))).toBe(true);
  });

  test('a near-duplicate shares at least one band key with the original', () => {
    const a = bandKeys(signature(shingleSet(storyTokens(IDLIB, null))));
    const b = bandKeys(signature(shingleSet(storyTokens('Turkey deploys army in Idlib citing failed negotiations with Russia', null))));
    expect(a.some((k) => b.includes(k))).toBe(true);
  });
});

describe('decideStory', () => {
  const original = probe('wire', IDLIB, { url: 'http://news.example/idlib' });
  const stored = [candidate(1, 10, original)];

  test('same canonical URL → url layer, score 1', () => {
    const m = decideStory(probe('syndic', 'Idlib: Turkish army moves in', { url: 'http://news.example/idlib' }), stored, none, DEFAULT_STORY_OPTIONS);
    expect(m).toEqual({ storyId: 10, matchedItemId: 1, layer: 'url', score: 1 });
  });

  test('same title after the byline → title layer', () => {
    expect(decideStory(probe('aa', `AA - ${IDLIB}`), stored, none, DEFAULT_STORY_OPTIONS)?.layer).toBe('title');
  });

  test('near-duplicate → minhash layer with its Jaccard score', () => {
    const m = decideStory(probe('levant', 'Turkey deploys army in Idlib citing failed negotiations with Russia'), stored, none, DEFAULT_STORY_OPTIONS);
    expect(m?.layer).toBe('minhash');
    expect(m!.score).toBeGreaterThanOrEqual(DEFAULT_STORY_OPTIONS.threshold);
    expect(m!.score).toBeLessThan(1);
  });

  test('the same publisher is never merged on similarity, not even on an equal title', () => {
    expect(decideStory(probe('wire', `UPDATE 1-${IDLIB}`), stored, none, DEFAULT_STORY_OPTIONS)).toBeNull();
    expect(decideStory(probe('wire', 'Turkey deploys army in Idlib citing failed negotiations with Russia'), stored, none, DEFAULT_STORY_OPTIONS)).toBeNull();
  });

  test('a story already holding this publisher is not joined through another member', () => {
    const holds = (id: number) => new Set(id === 10 ? ['wire', 'aa'] : []);
    expect(decideStory(probe('aa', IDLIB), [candidate(2, 10, probe('levant', IDLIB))], holds, DEFAULT_STORY_OPTIONS)).toBeNull();
  });

  test('outside the window nothing merges', () => {
    const late = new Date(T0.getTime() + DEFAULT_STORY_OPTIONS.windowMs + 1);
    expect(decideStory(probe('aa', IDLIB, { at: late }), stored, none, DEFAULT_STORY_OPTIONS)).toBeNull();
  });

  test('a different event with the same actors stays apart (hard negative)', () => {
    expect(decideStory(probe('bbc', 'Turkey withdraws army from Idlib observation posts'), stored, none, DEFAULT_STORY_OPTIONS)).toBeNull();
  });

  test('short titles skip the minhash layer', () => {
    const short = [candidate(3, 11, probe('a', 'Oil falls'))];
    expect(decideStory(probe('b', 'Oil falls sharply'), short, none, DEFAULT_STORY_OPTIONS)).toBeNull();
  });

  test('the strongest layer wins over a higher-scoring weaker one', () => {
    const byTitle = candidate(5, 20, probe('x', IDLIB));
    const byUrl = candidate(6, 21, probe('y', 'Something else entirely about markets', { url: 'http://u.example/a' }));
    const m = decideStory(probe('z', IDLIB, { url: 'http://u.example/a' }), [byTitle, byUrl], none, DEFAULT_STORY_OPTIONS);
    expect(m?.storyId).toBe(21);
  });
});

describe('representative rank', () => {
  const opts = { sourcePriority: ['reuters', 'aa'], neverRepresentative: ['syndic'] };
  test('listed by position, unlisted after, opted-out last', () => {
    expect(representativeRank('reuters', opts)).toBe(0);
    expect(representativeRank('aa', opts)).toBe(1);
    expect(representativeRank('bbc', opts)).toBe(2);
    expect(representativeRank('syndic', opts)).toBeGreaterThan(representativeRank('bbc', opts));
  });
});
