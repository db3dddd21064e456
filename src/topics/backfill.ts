import { stripTags } from '../normalize/text';
import type { Store } from '../store';
import type { TopicMatcher } from './matcher';

const BATCH = 1000;

/**
 * Recomputes the membership of `slugs` over every stored item, in batches
 * of BATCH items, each batch its own transaction, so serving is never
 * blocked for long. Used when a topic is added or its rule changes.
 */
export async function backfillTopics(store: Store, matcher: TopicMatcher, slugs: readonly string[], signal?: AbortSignal): Promise<number> {
  if (slugs.length === 0) return 0;
  const wanted = new Set(slugs);
  let after = 0;
  let scanned = 0;
  for (;;) {
    if (signal?.aborted) break;
    const items = await store.itemsAfter(after, BATCH);
    if (items.length === 0) break;
    const members: { topicSlug: string; itemId: number; publishedAt: Date }[] = [];
    for (const it of items) {
      const topics = matcher.match({
        sourceId: it.sourceId,
        title: it.title,
        summary: it.summary,
        contentText: it.contentHtml ? stripTags(it.contentHtml) : null,
        categories: it.categories,
      });
      for (const slug of topics) if (wanted.has(slug)) members.push({ topicSlug: slug, itemId: it.id, publishedAt: it.publishedAt });
    }
    await store.replaceMemberships(slugs, items.map((i) => i.id), members);
    scanned += items.length;
    after = items[items.length - 1]!.id;
  }
  return scanned;
}
