import type { Enclosure, ParsedFeed, RawItem } from '../domain/item';
import { ParseError } from './errors';
import { nonEmpty } from './text';

/** JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1). */
export function parseJsonFeed(json: string): ParsedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new ParseError('malformed', `JSON is not valid: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(doc) || typeof doc.version !== 'string' || !doc.version.includes('jsonfeed.org')) {
    throw new ParseError('not_a_feed', 'JSON document is not a JSON Feed (no jsonfeed.org version)');
  }
  const items = Array.isArray(doc.items) ? doc.items.filter(isObject).map((it) => adaptItem(it, doc)) : [];
  return {
    format: 'json',
    title: str(doc.title),
    link: str(doc.home_page_url),
    language: str(doc.language),
    ttlMinutes: null,
    items,
    warnings: Array.isArray(doc.items) ? [] : ['JSON Feed has no "items" array'],
  };
}

function adaptItem(it: Record<string, unknown>, feed: Record<string, unknown>): RawItem {
  const attachments: Enclosure[] = Array.isArray(it.attachments)
    ? it.attachments.filter(isObject).flatMap((a) => {
        const url = str(a.url);
        return url ? [{ url, type: str(a.mime_type), length: typeof a.size_in_bytes === 'number' ? a.size_in_bytes : null }] : [];
      })
    : [];
  const id = it.id;
  return {
    guid: typeof id === 'string' || typeof id === 'number' ? nonEmpty(String(id)) : null,
    link: str(it.url) ?? str(it.external_url),
    title: str(it.title),
    titleIsHtml: false,
    summary: str(it.summary),
    content: str(it.content_html) ?? (str(it.content_text) ? escapeHtml(str(it.content_text)!) : null),
    author: authorName(it) ?? authorName(feed),
    categories: Array.isArray(it.tags) ? it.tags.filter((t): t is string => typeof t === 'string' && t.trim() !== '') : [],
    published: str(it.date_published),
    updated: str(it.date_modified),
    enclosures: [...attachments, ...(str(it.image) ? [{ url: str(it.image)!, type: null, length: null }] : [])],
    language: str(it.language),
    base: null,
  };
}

function authorName(o: Record<string, unknown>): string | null {
  const authors = Array.isArray(o.authors) ? o.authors : isObject(o.author) ? [o.author] : [];
  const names = authors.filter(isObject).map((a) => str(a.name)).filter((n): n is string => n !== null);
  return names.length > 0 ? names.join(', ') : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? nonEmpty(v) : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}
