import type { FeedDocument, FeedEntry } from './model';
import { el, empty, esc } from './xml';

const ATOM_NS = 'http://www.w3.org/2005/Atom';
const FH_NS = 'http://purl.org/syndication/history/1.0';

/** RSS 2.0 (https://www.rssboard.org/rss-specification), with Atom links for self, hub and RFC 5005 paging. */
export function renderRss(doc: FeedDocument): string {
  const p = doc.paging;
  const links = [
    empty('atom:link', { rel: 'self', type: 'application/rss+xml', href: doc.urls.rss }),
    doc.hub ? empty('atom:link', { rel: 'hub', href: doc.hub }) : '',
    p.isArchive ? empty('atom:link', { rel: 'current', href: p.current.rss }) : '',
    p.older ? empty('atom:link', { rel: 'next', href: p.older.rss }) + empty('atom:link', { rel: 'prev-archive', href: p.older.rss }) : '',
    p.newer ? empty('atom:link', { rel: 'previous', href: p.newer.rss }) + empty('atom:link', { rel: 'next-archive', href: p.newer.rss }) : '',
  ].join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<rss version="2.0" xmlns:atom="${ATOM_NS}" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:fh="${FH_NS}">` +
    `<channel>` +
    el('title', doc.title) +
    el('link', doc.homeUrl) +
    el('description', doc.description ?? doc.title) +
    el('lastBuildDate', doc.updated.toUTCString()) +
    el('generator', `${doc.generator.name} ${doc.generator.version}`) +
    el('docs', 'https://www.rssboard.org/rss-specification') +
    links +
    (p.isArchive ? '<fh:archive/>' : '') +
    doc.entries.map(item).join('') +
    `</channel></rss>\n`
  );
}

function item(e: FeedEntry): string {
  return (
    '<item>' +
    el('title', e.title) +
    el('link', e.url) +
    el('guid', e.id, { isPermaLink: 'false' }) +
    el('pubDate', e.published.toUTCString()) +
    // <author> must be an e-mail address; a name goes in dc:creator.
    el('dc:creator', e.author ?? e.source.name) +
    e.categories.map((c) => el('category', c)).join('') +
    el('description', e.summary ?? '') +
    (e.contentHtml ? `<content:encoded>${esc(e.contentHtml)}</content:encoded>` : '') +
    // RSS allows one enclosure per item.
    (e.enclosures[0] ? empty('enclosure', { url: e.enclosures[0].url, type: e.enclosures[0].type ?? 'application/octet-stream', length: e.enclosures[0].length ?? 0 }) : '') +
    el('source', e.source.name, { url: e.source.feedUrl ?? e.url }) +
    '</item>'
  );
}
