import { performance } from 'node:perf_hooks';
import Parser from 'rss-parser';
import type { NormalizedItem } from '../src/domain/item';
import { normalizeFeed } from '../src/normalize/item';
import { parseFeedBody } from '../src/parse';
import { Corpus, ITEMS_PER_FEED } from './corpus';

/**
 * Section 1: Tidings' decode + parse + normalize against raw rss-parser on
 * the same feed bytes. Rounds alternate between the two so a noisy
 * neighbour hurts both alike; each figure is the median round. Neither side
 * keeps its output past the feed it came from (as ingest keeps a feed's
 * items only until they are stored): when Tidings' rounds kept all 5,000
 * normalized items alive and rss-parser's rounds kept nothing, the garbage
 * collector's promotions cost Tidings' side about 12 % (same-run medians:
 * 0.56–0.59 × against 0.64–0.65 × with neither keeping). Section 5's items
 * come from one more pass, outside the timed rounds.
 */
export interface ParseFigures {
  readonly feeds: number;
  readonly items: number;
  readonly rawItemsPerSec: number;
  readonly tidingsItemsPerSec: number;
  readonly ratio: number;
}

const CONTENT_TYPE = 'application/rss+xml; charset=utf-8';

export async function benchParse(corpus: Corpus, feeds: number, rounds: number): Promise<{ figures: ParseFigures; normalized: NormalizedItem[] }> {
  const bodies = Array.from({ length: feeds }, (_, f) => corpus.feedXml(f));
  const raw = new Parser();
  const now = new Date();
  const normalized: NormalizedItem[] = [];

  const rawRound = async () => {
    let n = 0;
    for (const b of bodies) n += (await raw.parseString(b.toString('utf8'))).items.length;
    return n;
  };
  const tidingsFeed = async (f: number) => {
    const { feed } = await parseFeedBody(bodies[f]!, CONTENT_TYPE);
    return normalizeFeed(feed, { feedUrl: `http://${Corpus.hostOf(f)}${Corpus.feedPath(f)}`, now });
  };
  const tidingsRound = async () => {
    let n = 0;
    for (let f = 0; f < bodies.length; f++) n += (await tidingsFeed(f)).length;
    return n;
  };

  // Warm-up: JIT, rss-parser's and sanitize-html's lazy setup.
  await rawRound();
  await tidingsRound();
  const rawRates: number[] = [];
  const ourRates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    rawRates.push(await rate(rawRound));
    ourRates.push(await rate(tidingsRound));
  }
  for (let f = 0; f < bodies.length; f++) normalized.push(...(await tidingsFeed(f)));
  const rawItemsPerSec = median(rawRates);
  const tidingsItemsPerSec = median(ourRates);
  return {
    figures: { feeds, items: feeds * ITEMS_PER_FEED, rawItemsPerSec, tidingsItemsPerSec, ratio: tidingsItemsPerSec / rawItemsPerSec },
    normalized,
  };
}

async function rate(round: () => Promise<number>): Promise<number> {
  const t = performance.now();
  const n = await round();
  return n / ((performance.now() - t) / 1000);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
