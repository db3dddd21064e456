import type { FeedDocument, FeedEntry } from './model';
import { cleanText } from './xml';

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1); our own fields go under "_tidings", as the spec asks. */
export function renderJsonFeed(doc: FeedDocument): string {
  const out = {
    version: 'https://jsonfeed.org/version/1.1',
    title: doc.title,
    home_page_url: doc.homeUrl,
    feed_url: doc.urls.json,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.paging.older ? { next_url: doc.paging.older.json } : {}),
    ...(doc.hub ? { hubs: [{ type: 'WebSub', url: doc.hub }] } : {}),
    _tidings: {
      generator: `${doc.generator.name} ${doc.generator.version}`,
      updated: doc.updated.toISOString(),
      ...(doc.paging.newer ? { previous_url: doc.paging.newer.json } : {}),
    },
    items: doc.entries.map(item),
  };
  // Control characters are legal in JSON strings, but readers choke on them like XML parsers do.
  return JSON.stringify(out, (_k, v: unknown) => (typeof v === 'string' ? cleanText(v) : v));
}

function item(e: FeedEntry) {
  return {
    id: e.id,
    url: e.url,
    title: e.title,
    content_html: e.contentHtml ?? e.summary ?? '',
    ...(e.summary ? { summary: e.summary } : {}),
    date_published: e.published.toISOString(),
    date_modified: e.updated.toISOString(),
    authors: [{ name: e.author ?? e.source.name }],
    ...(e.categories.length > 0 ? { tags: [...e.categories] } : {}),
    ...(e.enclosures.length > 0
      ? { attachments: e.enclosures.map((x) => ({ url: x.url, mime_type: x.type ?? 'application/octet-stream', ...(x.length ? { size_in_bytes: x.length } : {}) })) }
      : {}),
    _tidings: {
      source: { id: e.source.id, name: e.source.name, feed_url: e.source.feedUrl },
      ...(e.story ? { story: { id: e.story.id, publishers: e.story.publishers } } : {}),
    },
  };
}
