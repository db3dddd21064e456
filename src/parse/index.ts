import type { ParsedFeed } from '../domain/item';
import { decodeBody, type DecodedText } from './decode';
import { ParseError } from './errors';
import { parseJsonFeed } from './json-feed';
import { parseXmlFeed, type XmlParseOptions } from './xml-feed';

export { ParseError } from './errors';
export type { DecodedText } from './decode';
export type { XmlParseOptions } from './xml-feed';

export interface ParseResult {
  readonly feed: ParsedFeed;
  readonly decoded: Pick<DecodedText, 'charset' | 'source'>;
}

/**
 * Bytes and their Content-Type → a parsed feed. The format is sniffed from
 * the content, never from the URL. Throws ParseError (never anything else).
 */
export async function parseFeedBody(body: Buffer, contentType: string | null, pageUrl?: string, opts: XmlParseOptions = {}): Promise<ParseResult> {
  try {
    const decoded = decodeBody(body, contentType);
    const feed = await parseFeedText(decoded.text, pageUrl, opts);
    return { feed, decoded: { charset: decoded.charset, source: decoded.source } };
  } catch (err) {
    if (err instanceof ParseError) throw err;
    throw new ParseError('malformed', `cannot parse feed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

/** pageUrl resolves a feed link named in a not_a_feed error (an HTML page's href is often relative). */
export async function parseFeedText(text: string, pageUrl?: string, opts: XmlParseOptions = {}): Promise<ParsedFeed> {
  const start = text.trimStart();
  if (start === '') throw new ParseError('empty', 'the response body is empty');
  if (start.startsWith('{')) return parseJsonFeed(start);
  const head = start.slice(0, 2048).toLowerCase();
  if (!head.startsWith('<')) throw new ParseError('not_a_feed', `not XML or JSON (starts with ${JSON.stringify(start.slice(0, 20))})`);
  if (/<!doctype html|<html[\s>]/.test(head) && !/<(rss|feed|rdf:rdf)[\s>]/.test(head)) {
    throw new ParseError('not_a_feed', htmlPageMessage(start, pageUrl));
  }
  return parseXmlFeed(start, opts);
}

/** An HTML page instead of a feed; name the feed it links to, if any. */
function htmlPageMessage(html: string, pageUrl: string | undefined): string {
  const head = html.slice(0, 65536);
  const linkTag = /<link\b[^>]{0,500}>/gi;
  for (const m of head.matchAll(linkTag)) {
    const tag = m[0];
    if (!/rel\s*=\s*["']?alternate/i.test(tag)) continue;
    if (!/type\s*=\s*["']?application\/(rss\+xml|atom\+xml|feed\+json)/i.test(tag)) continue;
    const href = /href\s*=\s*["']([^"']{1,2000})["']/i.exec(tag);
    if (href) return `got an HTML page, not a feed; the page links a feed at ${resolveHref(href[1]!, pageUrl)}`;
  }
  if (/cf-browser-verification|challenge-platform|cf_chl_/i.test(head)) return 'got a Cloudflare challenge page, not a feed';
  return 'got an HTML page, not a feed';
}

function resolveHref(href: string, base: string | undefined): string {
  try {
    return new URL(href, base).href;
  } catch {
    return href;
  }
}
