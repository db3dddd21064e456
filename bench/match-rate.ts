import { parseConfig } from '../src/config/load';
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
  // Built through the config parser, so the rules are exactly what a YAML file would give.
  const yaml = `topics:\n${corpus
    .topics(50, 10)
    .map((t) => `  - { slug: ${JSON.stringify(t.slug)}, title: ${JSON.stringify(t.title)}, match: { any: ${JSON.stringify(t.match.any)} } }`)
    .join('\n')}\n`;
  const specs: readonly TopicSpec[] = parseConfig(yaml, 'bench', {}).topics;
  const matcher = new TopicMatcher(specs);
  const inputs: MatchableItem[] = items.map((it) => ({
    sourceId: 'bench',
    sourceTags: [],
    author: it.author,
    language: it.language,
    publishedAt: it.publishedAt,
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
