import type { FeedDocument, FeedEntry } from './model';
import { el, empty, esc } from './xml';

/** Atom 1.0 (RFC 4287), with RFC 5005 paging links and each entry's <source>. */
export function renderAtom(doc: FeedDocument): string {
  const p = doc.paging;
  const links = [
    empty('link', { rel: 'self', type: 'application/atom+xml', href: doc.urls.atom }),
    empty('link', { rel: 'alternate', type: 'text/html', href: doc.homeUrl }),
    empty('link', { rel: 'alternate', type: 'application/rss+xml', href: doc.urls.rss }),
    empty('link', { rel: 'alternate', type: 'application/feed+json', href: doc.urls.json }),
    doc.hub ? empty('link', { rel: 'hub', href: doc.hub }) : '',
    p.isArchive ? empty('link', { rel: 'current', href: p.current.atom }) : '',
    p.older ? empty('link', { rel: 'next', href: p.older.atom }) + empty('link', { rel: 'prev-archive', href: p.older.atom }) : '',
    p.newer ? empty('link', { rel: 'previous', href: p.newer.atom }) + empty('link', { rel: 'next-archive', href: p.newer.atom }) : '',
  ].join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0">` +
    // The subscription URL, not the page URL, identifies the feed, so every page has the same id.
    el('id', p.current.atom) +
    el('title', doc.title) +
    el('subtitle', doc.description ?? '') +
    el('updated', doc.updated.toISOString()) +
    el('generator', doc.generator.name, { uri: doc.generator.uri, version: doc.generator.version }) +
    links +
    (p.isArchive ? '<fh:archive/>' : '') +
    doc.entries.map(entry).join('') +
    `</feed>\n`
  );
}

function entry(e: FeedEntry): string {
  return (
    '<entry>' +
    el('id', e.id) +
    el('title', e.title, { type: 'text' }) +
    empty('link', { rel: 'alternate', type: 'text/html', href: e.url }) +
    el('published', e.published.toISOString()) +
    el('updated', e.updated.toISOString()) +
    `<author>${el('name', e.author ?? e.source.name)}</author>` +
    e.categories.map((c) => empty('category', { term: c })).join('') +
    e.enclosures.map((x) => empty('link', { rel: 'enclosure', href: x.url, type: x.type, length: x.length })).join('') +
    el('summary', e.summary ?? '', { type: 'text' }) +
    (e.contentHtml ? `<content type="html">${esc(e.contentHtml)}</content>` : '') +
    // RFC 4287 §4.2.11: where the entry was first published.
    '<source>' +
    el('id', e.source.feedUrl ?? `urn:tidings:source:${e.source.id}`) +
    el('title', e.source.name) +
    (e.source.feedUrl ? empty('link', { rel: 'self', href: e.source.feedUrl }) : '') +
    '</source>' +
    '</entry>'
  );
}
