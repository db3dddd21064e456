import type { NormalizedItem, ParsedFeed, RawItem } from '../domain/item';
import { parseDate } from './dates';
import { sanitizeContent } from './sanitize';
import { collapseWhitespace, decodeEntities, htmlToText, truncate } from './text';
import { linkUrls, resolveHttpUrl, resolveUrl } from './urls';

export interface NormalizeContext {
  /** The URL the feed was fetched from (after redirects). */
  readonly feedUrl: string;
  /** "Now" for this fetch: the first-seen time of new items. */
  readonly now: Date;
  readonly iframeHosts?: readonly string[];
}

const SUMMARY_MAX = 500;
const TITLE_MAX = 500;
// Clock skew and time zones are forgiven up to a day; further is a wrong date.
const FUTURE_TOLERANCE_MS = 24 * 3600_000;

/** Every item of a parsed feed, normalized; items with nothing to show are dropped. */
export function normalizeFeed(feed: ParsedFeed, ctx: NormalizeContext): NormalizedItem[] {
  const out: NormalizedItem[] = [];
  for (const raw of feed.items) {
    const item = normalizeItem(raw, feed, ctx);
    if (item) out.push(item);
  }
  return out;
}

export function normalizeItem(raw: RawItem, feed: Pick<ParsedFeed, 'link' | 'language'>, ctx: NormalizeContext): NormalizedItem | null {
  // xml:base (XML Base §4.2) wins over the document's URL; a relative one resolves against it.
  const base = resolveUrl(raw.base, ctx.feedUrl) ?? ctx.feedUrl;
  const guid = raw.guid ? cleanGuid(raw.guid, base) : null;
  const { url, canonical } = linkUrls(resolveHttpUrl(raw.link, base, ctx.feedUrl) ?? guidAsUrl(guid));
  // Relative URLs inside content resolve against the xml:base in scope; without
  // one, against the item's own link (where the article lives), then the document.
  const explicitBase = resolveUrl(raw.contentBase, base) ?? (raw.base ? base : null);
  const contentBase = explicitBase ?? url ?? ctx.feedUrl;
  const contentHtml = raw.content ? sanitizeContent(raw.content, { baseUrl: contentBase, iframeHosts: ctx.iframeHosts ?? [] }) || null : null;
  const summarySource = raw.summary ?? raw.content;
  const summaryText = summarySource ? htmlToText(summarySource) : '';
  const title = cleanTitle(raw) || truncate(summaryText, 100);
  const published = parseDate(raw.published) ?? parseDate(raw.updated);
  const updated = parseDate(raw.updated);
  const author = raw.author ? htmlToText(raw.author) || null : null;
  const categories = cleanCategories(raw.categories);
  const enclosures = raw.enclosures.flatMap((e) => {
    const abs = resolveUrl(e.url, base);
    return abs ? [{ url: abs, type: e.type, length: e.length }] : [];
  });
  // An item is kept when the feed says anything about it; only an empty one goes.
  if (!title && !url && !contentHtml && !guid && !author && categories.length === 0 && enclosures.length === 0 && !published) return null;

  const maxDate = ctx.now.getTime() + FUTURE_TOLERANCE_MS;
  const publishedAt = published ? new Date(Math.min(published.getTime(), maxDate)) : ctx.now;

  return {
    guid,
    url,
    canonicalUrl: canonical,
    title: truncate(title || '(untitled)', TITLE_MAX),
    summary: summaryText ? truncate(summaryText, SUMMARY_MAX) : null,
    contentHtml,
    author,
    categories,
    publishedAt,
    publishedEstimated: published === null,
    updatedAt: updated ? new Date(Math.min(updated.getTime(), maxDate)) : null,
    enclosures,
    language: raw.language ?? feed.language ?? null,
  };
}

/** Titles are plain text; RSS titles are often HTML-escaped (sometimes twice). */
function cleanTitle(raw: RawItem): string {
  if (!raw.title) return '';
  // Atom type="text" titles are literal: "<blink>" there is text, not a tag.
  if (!raw.titleIsHtml) return collapseWhitespace(raw.title);
  return collapseWhitespace(decodeEntities(htmlToText(raw.title)));
}

function cleanCategories(categories: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of categories) {
    const t = htmlToText(c).slice(0, 200);
    const key = t.toLocaleLowerCase();
    if (t && !seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  }
  return out;
}

/** RSS guids with isPermaLink default to being the link. */
function guidAsUrl(guid: string | null): URL | null {
  return guid && /^https?:\/\//i.test(guid.trim()) ? resolveHttpUrl(guid.trim()) : null;
}

/** A path-absolute id ("/2004/05/item") is a relative IRI: resolve it, as feedparser does; any other id is kept as written. */
function cleanGuid(guid: string, base: string): string | null {
  const g = collapseWhitespace(guid).slice(0, 2000);
  if (g === '') return null;
  return g.startsWith('/') && !g.startsWith('//') ? (resolveUrl(g, base) ?? g) : g;
}
