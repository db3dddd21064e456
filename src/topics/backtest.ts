import type { Store } from '../store';
import { matchableOf } from './backfill';
import type { TopicMatcher } from './matcher';

export interface BacktestItem {
  readonly id: number;
  readonly sourceId: string;
  readonly title: string;
  readonly publishedAt: Date;
}

export interface BacktestResult {
  readonly topic: string;
  readonly scanned: number;
  /** Stored members that stay. */
  readonly kept: number;
  readonly added: readonly BacktestItem[];
  readonly removed: readonly BacktestItem[];
}

const BATCH = 500;

/**
 * What a rule would change in a topic's stored membership, without writing:
 * every stored item (published since `since`) is matched with `matcher` and
 * compared with the membership on disk. The "test this rule" button.
 */
export async function backtestTopic(store: Store, matcher: TopicMatcher, topic: string, since: Date | null, now = new Date()): Promise<BacktestResult> {
  const added: BacktestItem[] = [];
  const removed: BacktestItem[] = [];
  let kept = 0;
  let scanned = 0;
  let after = 0;
  for (;;) {
    const items = await store.itemsAfter(after, BATCH, since);
    if (items.length === 0) break;
    const stored = new Set((await store.membershipsOf([topic], items.map((i) => i.id))).map((m) => m.itemId));
    for (const it of items) {
      const now_ = matcher.match(matchableOf(it), now).includes(topic);
      const was = stored.has(it.id);
      const row = { id: it.id, sourceId: it.sourceId, title: it.title, publishedAt: it.publishedAt };
      if (now_ && !was) added.push(row);
      else if (!now_ && was) removed.push(row);
      else if (now_ && was) kept++;
    }
    scanned += items.length;
    after = items[items.length - 1]!.id;
  }
  return { topic, scanned, kept, added, removed };
}
