import { performance } from 'node:perf_hooks';
import type { NormalizedItem } from '../src/domain/item';
import type { MatchableItem, TopicSpec } from '../src/domain/topic';
import { stripTags } from '../src/normalize/text';
import { TopicMatcher } from '../src/topics/matcher';
import type { Corpus } from './corpus';
import { median } from './parse-ceiling';

/**
 * Section 5: the existing TopicMatcher over the bench's normalized items,
 * 50 topics × 10 keywords. The item text is prepared as ingest prepares it
 * (tags stripped) outside the timed loop; only match() is timed.
 */
export interface MatchFigures {
  readonly topics: number;
  readonly keywordsPerTopic: number;
  readonly items: number;
  readonly itemsPerSec: number;
  readonly matchesPerItem: number;
}

export function benchMatch(corpus: Corpus, items: readonly NormalizedItem[], rounds: number): MatchFigures {
  const specs: TopicSpec[] = corpus.topics(50, 10).map((t) => ({
    slug: t.slug,
    title: t.title,
    description: null,
    diacriticSensitive: false,
    match: { any: t.match.any, all: [], none: [], categories: [], sources: [] },
  }));
  const matcher = new TopicMatcher(specs);
  const inputs: MatchableItem[] = items.map((it) => ({
    sourceId: 'bench',
    title: it.title,
    summary: it.summary,
    contentText: it.contentHtml ? stripTags(it.contentHtml) : null,
    categories: it.categories,
  }));
  let matches = 0;
  for (const it of inputs) matches += matcher.match(it).length;
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (const it of inputs) matcher.match(it);
    rates.push(inputs.length / ((performance.now() - t) / 1000));
  }
  return { topics: specs.length, keywordsPerTopic: 10, items: inputs.length, itemsPerSec: median(rates), matchesPerItem: matches / inputs.length };
}
