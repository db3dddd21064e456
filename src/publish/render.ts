import { createHash } from 'node:crypto';
import { Feed } from 'feed';
import type { StoredItem } from '../domain/stored';

export type FeedFormatOut = 'rss' | 'atom' | 'json';

/** Set on an entry that stands for a whole story (collapse.ts). */
export interface StoryDecoration {
  readonly guid: string;
  readonly id: number;
  /** Every publisher of the story, the representative's included. */
  readonly publishers: readonly { readonly id: string; readonly name: string; readonly url: string | null }[];
}

export type RenderItem = StoredItem & { readonly story?: StoryDecoration };

export interface FeedMeta {
  readonly title: string;
  readonly description: string | null;
  /** Absolute URL of the HTML page for this feed. */
  readonly homeUrl: string;
  /** Absolute URL of this feed without extension: ".rss", ".atom", ".json" are appended. */
  readonly selfBase: string;
  readonly generator: string;
  /** Newest change; the feed's <updated>. */
  readonly updated: Date;
}

export const CONTENT_TYPES: Record<FeedFormatOut, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

/**
 * An item's published id: derived from its source and its own identity, so
 * it stays the same across restarts, formats, re-ingests and a rebuilt
 * database (a row id would not).
 */
export function publishedGuid(item: Pick<StoredItem, 'sourceId' | 'guid' | 'url' | 'title'>): string {
  const basis = item.guid ?? item.url ?? item.title;
  return `urn:tidings:${item.sourceId}:${createHash('sha256').update(basis).digest('hex').slice(0, 24)}`;
}

// XML 1.0 forbids these even as character references.
const XML_ILLEGAL = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
const clean = (s: string) => s.replace(XML_ILLEGAL, '');

/** One model → RSS 2.0, Atom 1.0 or JSON Feed 1.1, built with `feed`. */
export function renderFeed(format: FeedFormatOut, meta: FeedMeta, items: readonly RenderItem[]): string {
  const feed = new Feed({
    id: `${meta.selfBase}.atom`,
    title: clean(meta.title),
    description: clean(meta.description ?? meta.title),
    link: meta.homeUrl,
    updated: meta.updated,
    generator: meta.generator,
    copyright: 'Each item belongs to its publisher',
    feedLinks: { rss: `${meta.selfBase}.rss`, atom: `${meta.selfBase}.atom`, json: `${meta.selfBase}.json` },
  });
  for (const it of items) {
    const enclosure = it.enclosures[0];
    const guid = it.story?.guid ?? publishedGuid(it);
    const storySources = (it.story?.publishers ?? []).filter((p) => p.id !== it.sourceId).map((p) => clean(p.name));
    feed.addItem({
      title: clean(it.title),
      id: guid,
      guid,
      link: it.url ?? meta.homeUrl,
      date: it.updatedAt && it.updatedAt > it.publishedAt ? it.updatedAt : it.publishedAt,
      published: it.publishedAt,
      description: clean(it.summary ?? ''),
      ...(it.contentHtml ? { content: clean(it.contentHtml) } : {}),
      author: [{ name: clean(it.author ? `${it.author} (${it.sourceName})` : it.sourceName) }],
      category: [...it.categories.map((c) => ({ name: clean(c), term: clean(c) })), { name: clean(it.sourceName), domain: 'tidings:source', term: clean(it.sourceName), scheme: 'tidings:source' }, ...[...new Set(storySources)].map((n) => ({ name: n, domain: 'tidings:source', term: n, scheme: 'tidings:source' }))],
      ...(enclosure ? { enclosure: { url: enclosure.url, ...(enclosure.type ? { type: enclosure.type } : {}), ...(enclosure.length ? { length: enclosure.length } : {}) } } : {}),
    });
  }
  switch (format) {
    case 'rss':
      return feed.rss2();
    case 'atom':
      return feed.atom1();
    case 'json':
      return toJsonFeed11(feed.json1(), items);
  }
}

/** `feed` writes JSON Feed 1.0; 1.1 renames author → authors and adds the version URL. */
function toJsonFeed11(json: string, items: readonly RenderItem[]): string {
  const doc = JSON.parse(json) as { version: string; author?: unknown; authors?: unknown; items: Record<string, unknown>[] };
  doc.version = 'https://jsonfeed.org/version/1.1';
  if (doc.author) {
    doc.authors = [doc.author];
    delete doc.author;
  }
  doc.items.forEach((entry, i) => {
    const src = items[i];
    if (entry.author) {
      entry.authors = [entry.author];
      delete entry.author;
    }
    if (src) {
      entry._tidings = {
        source: { id: src.sourceId, name: src.sourceName },
        ...(src.story ? { story: { id: src.story.id, publishers: src.story.publishers } } : {}),
      };
      if (!entry.tags && src.categories.length > 0) entry.tags = [...src.categories];
    }
  });
  return JSON.stringify(doc);
}
