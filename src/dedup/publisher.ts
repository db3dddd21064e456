import type { KeyedItem } from './keys';

/**
 * Within-publisher identity, in order: guid, canonical URL, normalized title
 * (the title only within TITLE_WINDOW_MS, so a recurring "Morning briefing"
 * is not one item forever).
 */
export type DedupLayer = 'guid' | 'url' | 'title';

export const TITLE_WINDOW_MS = 7 * 24 * 3600_000;

/** An item already stored for the same source. */
export interface StoredCandidate {
  readonly id: number;
  readonly guid: string | null;
  readonly canonicalUrl: string | null;
  readonly titleKey: string;
  readonly contentHash: string;
  readonly publishedAt: Date;
}

export type Resolution =
  | { readonly kind: 'new'; readonly item: KeyedItem }
  | { readonly kind: 'duplicate'; readonly item: KeyedItem; readonly existingId: number; readonly layer: DedupLayer; readonly changed: boolean };

/** Drops repeats inside one fetch (same guid, URL or title), keeping the first. */
export function dedupBatch(items: readonly KeyedItem[]): { unique: KeyedItem[]; repeats: number } {
  const guids = new Set<string>();
  const urls = new Set<string>();
  const titles = new Set<string>();
  const unique: KeyedItem[] = [];
  for (const it of items) {
    if ((it.guid && guids.has(it.guid)) || (it.canonicalUrl && urls.has(it.canonicalUrl)) || (it.titleKey && titles.has(it.titleKey))) continue;
    if (it.guid) guids.add(it.guid);
    if (it.canonicalUrl) urls.add(it.canonicalUrl);
    if (it.titleKey) titles.add(it.titleKey);
    unique.push(it);
  }
  return { unique, repeats: items.length - unique.length };
}

/** Decides, for each incoming item, whether one of the stored candidates is the same article. */
export function resolveAgainstStored(items: readonly KeyedItem[], stored: readonly StoredCandidate[]): Resolution[] {
  const byGuid = new Map<string, StoredCandidate>();
  const byUrl = new Map<string, StoredCandidate>();
  const byTitle = new Map<string, StoredCandidate[]>();
  for (const s of stored) {
    if (s.guid) byGuid.set(s.guid, s);
    if (s.canonicalUrl) byUrl.set(s.canonicalUrl, s);
    const list = byTitle.get(s.titleKey);
    if (list) list.push(s);
    else byTitle.set(s.titleKey, [s]);
  }
  return items.map((item): Resolution => {
    const g = item.guid ? byGuid.get(item.guid) : undefined;
    if (g) return { kind: 'duplicate', item, existingId: g.id, layer: 'guid', changed: g.contentHash !== item.contentHash };
    const u = item.canonicalUrl ? byUrl.get(item.canonicalUrl) : undefined;
    if (u) return { kind: 'duplicate', item, existingId: u.id, layer: 'url', changed: false };
    const t = item.titleKey
      ? byTitle.get(item.titleKey)?.find((s) => Math.abs(s.publishedAt.getTime() - item.publishedAt.getTime()) <= TITLE_WINDOW_MS)
      : undefined;
    if (t) return { kind: 'duplicate', item, existingId: t.id, layer: 'title', changed: false };
    return { kind: 'new', item };
  });
}
