import Parser from 'rss-parser';
import type { Enclosure, FeedFormat, ParsedFeed, RawItem } from '../domain/item';
import { ParseError } from './errors';
import { attr, child, list, nonEmpty, text, withLifted, type XmlNode } from './text';
import { expandDoctypeEntities } from './entities';
import { prepareXml } from './xml-prepare';
import { cdfToRss, isCdf } from './cdf';

/**
 * RSS 0.9x/1.0/2.0 and Atom through rss-parser. rss-parser drops some fields
 * (Atom categories, enclosure links, media:content), so the raw xml2js nodes
 * are asked for as custom fields and adapted here. rss-parser's types stop in
 * this file.
 */
type RawRecord = Record<string, XmlNode>;

// A fresh parser per document: xml2js keeps state after an error, and a
// reused instance can then never call back (the parse hangs).
const newParser = (): Parser<RawRecord, RawRecord> => new Parser({
  defaultRSS: 2, // a bare <rss> with no version is read as RSS 2.0
  xml2js: { strict: true },
  customFields: {
    feed: [
      ['ttl', 'ttl'],
      ['sy:updatePeriod', 'syUpdatePeriod'],
      ['sy:updateFrequency', 'syUpdateFrequency'],
      ['title', 'rawTitle', { keepArray: true }],
      ['link', 'rawLinks', { keepArray: true }],
      ['tidings_base', 'base'],
      ['dc:language', 'dcLanguage'],
      ['pubDate', 'rawPubDate', { keepArray: true }],
      ['dcterms:issued', 'dctermsIssued', { keepArray: true }],
      ['lastBuildDate', 'rawLastBuildDate', { keepArray: true }],
      ['updated', 'updated', { keepArray: true }],
      ['modified', 'modified', { keepArray: true }],
      ['dcterms:modified', 'dctermsModified', { keepArray: true }],
      ['dc:date', 'dcDate', { keepArray: true }],
    ] as unknown as string[],
    item: [
      ['category', 'rawCategories', { keepArray: true }],
      ['tags', 'rawTags', { keepArray: true }],
      ['dc:subject', 'dcSubject', { keepArray: true }],
      ['itunes:category', 'itunesCategory', { keepArray: true }],
      ['media:category', 'mediaCategory', { keepArray: true }],
      ['media:content', 'mediaContent', { keepArray: true }],
      ['media:group', 'mediaGroup', { keepArray: true }],
      ['enclosure', 'rawEnclosures', { keepArray: true }],
      ['link', 'rawLinks', { keepArray: true }],
      ['author', 'rawAuthor', { keepArray: true }],
      ['dc:creator', 'dcCreator', { keepArray: true }],
      ['dc:author', 'dcAuthor', { keepArray: true }],
      ['itunes:author', 'itunesAuthor', { keepArray: true }],
      ['title', 'rawTitle', { keepArray: true }],
      ['guid', 'rawGuid', { keepArray: true }],
      ['id', 'rawId', { keepArray: true }],
      ['content', 'rawContent', { keepArray: true }],
      ['content:encoded', 'rawEncoded', { keepArray: true }],
      ['xhtml:body', 'rawXhtmlBody', { keepArray: true }],
      ['body', 'rawBody', { keepArray: true }],
      ['fullitem', 'rawFullitem', { keepArray: true }],
      ['summary', 'rawSummary', { keepArray: true }],
      ['description', 'rawDescription', { keepArray: true }],
      ['dc:description', 'dcDescription', { keepArray: true }],
      ['itunes:summary', 'itunesSummary', { keepArray: true }],
      ['media:description', 'mediaDescription', { keepArray: true }],
      ['pubDate', 'rawPubDate', { keepArray: true }],
      ['published', 'published', { keepArray: true }],
      ['issued', 'issued', { keepArray: true }],
      ['created', 'created', { keepArray: true }],
      ['dcterms:issued', 'dctermsIssued', { keepArray: true }],
      ['dcterms:created', 'dctermsCreated', { keepArray: true }],
      ['updated', 'updated', { keepArray: true }],
      ['modified', 'modified', { keepArray: true }],
      ['dcterms:modified', 'dctermsModified', { keepArray: true }],
      ['dc:date', 'dcDate', { keepArray: true }],
      ['dc:language', 'dcLanguage'],
      ['tidings_base', 'base'],
    ] as unknown as string[],
  },
});

export interface XmlParseOptions {
  /**
   * Lift long item text out of sax's way (xml-prepare.ts); off only to check
   * that lifting changes nothing. @default true
   */
  readonly lift?: boolean;
}

export async function parseXmlFeed(source: string, opts: XmlParseOptions = {}): Promise<ParsedFeed> {
  const warnings: string[] = [];
  const xml = isCdf(source) ? cdfToRss(source) : source;
  const format = sniffXmlFormat(xml);
  const prepared = prepareXml(withChannel(expandDoctypeEntities(xml), format), { lift: opts.lift ?? true });
  if (prepared.repaired) warnings.push(prepared.repaired);
  let feed: Parser.Output<RawRecord> & RawRecord;
  try {
    feed = await newParser().parseString(prepared.xml);
  } catch (err) {
    // Still not well-formed: keep every complete item, close what is open, and say so.
    if (/not recognized as RSS/.test(firstLine(err))) throw new ParseError('not_a_feed', 'the document is XML but not RSS, RDF or Atom', { cause: err });
    const repaired = repairTruncated(prepared.xml);
    if (repaired === null) throw new ParseError('malformed', `XML is not well-formed: ${firstLine(err)}`, { cause: err });
    try {
      feed = await newParser().parseString(repaired);
      warnings.push(`recovered the complete items of a malformed document: ${firstLine(err)}`);
    } catch {
      throw new ParseError('malformed', `XML is not well-formed: ${firstLine(err)}`, { cause: err });
    }
  }
  // Every string the adapter reads goes through text(), which puts the lifted texts back.
  const parsed = withLifted(prepared.lifted, () => adaptFeed(feed, format, warnings));
  if (warnings.length > 0 && parsed.items.length === 0 && parsed.title === null && parsed.link === null) {
    throw new ParseError('malformed', `XML is broken and nothing could be read from it (${warnings.join('; ')})`);
  }
  return parsed;
}

function adaptFeed(feed: Parser.Output<RawRecord> & RawRecord, format: FeedFormat, warnings: string[]): ParsedFeed {
  const items = (feed.items ?? []).map((it) => adaptItem(it as unknown as RawRecord, format));
  const f = feed as RawRecord;
  const feedLinks = list(f.rawLinks);
  return {
    format,
    title: nonEmpty(textConstruct(list(f.rawTitle)[0]) ?? text(feed.title)),
    link: nonEmpty(format === 'atom' ? atomLinkParts(feedLinks).link : feedLinks.map(linkText).find((l) => l) ?? text(feed.link)),
    language: nonEmpty(text(feed.language) ?? text(f.dcLanguage)),
    ttlMinutes: numberOrNull(text(f.ttl)),
    published: firstText(f.rawPubDate, f.dctermsIssued),
    updated: lastText(f.updated) ?? firstText(f.modified, f.rawLastBuildDate, f.dctermsModified, f.dcDate),
    base: nonEmpty(text(f.base)),
    updatePeriodMinutes: updatePeriodMinutes(text(f.syUpdatePeriod), text(f.syUpdateFrequency)),
    items,
    warnings,
  };
}

function adaptItem(it: RawRecord, format: FeedFormat): RawItem {
  const rawTitle = list(it.rawTitle)[0];
  const titleType = (attr(rawTitle, 'type') ?? '').toLowerCase();
  const links = list(it.rawLinks);
  const atomish = format === 'atom' || links.some((l) => attr(l, 'href') !== null);
  const { link, enclosures: linkEnclosures } = atomish ? atomLinkParts(links) : { link: links.map(linkText).find((l) => l) ?? null, enclosures: [] };
  const guid = nonEmpty(text(it.rawGuid) ?? text(it.rawId) ?? text(it['rdf:about']));
  const categories = [
    ...list(it.rawTags).flatMap((t) => (text(t) ?? '').split(',')),
    ...list(it.rawCategories).map((c) => text(c) ?? attr(c, 'term') ?? attr(c, 'label')),
    ...list(it.dcSubject).map(text),
    ...list(it.itunesCategory).flatMap(itunesCategories),
    ...list(it.mediaCategory).map(text),
  ].filter((c): c is string => !!c && c.trim() !== '');
  const content = firstHtml(it.rawEncoded, it.rawXhtmlBody, it.rawBody, it.rawFullitem, it.rawContent);
  // RSS: description is the summary (feedparser reads it before a stray <summary>); Atom: summary.
  const summary = firstHtml(
    it.rawDescription,
    it.rawSummary,
    it.dcDescription,
    it.itunesSummary,
    it.mediaDescription,
    list(it.mediaGroup).map((g) => list(child(g, 'media:description'))[0]),
  );
  // An RSS item with both: <description> is the summary and <summary> the fuller text.
  const rssSummary = format !== 'atom' && list(it.rawDescription).length > 0 ? firstHtml(it.rawSummary) : null;
  const published = firstText(it.published, it.rawPubDate, it.issued, it.dctermsIssued, it.created, it.dctermsCreated);
  const updated = lastText(it.updated) ?? firstText(it.modified, it.dctermsModified, it.dcDate);
  return {
    guid,
    link: nonEmpty(link),
    title: nonEmpty(textConstruct(rawTitle) ?? text(it.title)),
    // Atom 1.0 says html/xhtml, Atom 0.3 a MIME type (text/html) or mode="escaped"; RSS titles are HTML in practice.
    titleIsHtml: titleType.includes('html') || /^(escaped|base64)$/.test(attr(rawTitle, 'mode') ?? '') || isBinaryType(titleType) || (titleType === '' && format !== 'atom'),
    summary: summary?.html ?? null,
    content: (content ?? rssSummary ?? summary)?.html ?? null,
    contentBase: (content ?? rssSummary ?? summary)?.base ?? null,
    author: nonEmpty(authorText(it)),
    categories,
    published: published ?? (format === 'atom' ? null : updated),
    updated,
    enclosures: [...rssEnclosures(it.rawEnclosures), ...mediaContent(it.mediaContent), ...list(it.mediaGroup).flatMap((g) => mediaContent(child(g, 'media:content'))), ...linkEnclosures],
    language: nonEmpty(text(it.dcLanguage) ?? text(it.language)),
    base: nonEmpty(text(it.base)),
  };
}

/**
 * A text construct as HTML: Atom type="text" (the default) is escaped,
 * mode="base64" is decoded, html and xhtml (made html by prepareXml) stay.
 */
function htmlConstruct(node: XmlNode): string | null {
  const value = textConstruct(node);
  if (value === null) return null;
  const type = (attr(node, 'type') ?? 'html').toLowerCase();
  const isText = type === 'text' || type === 'text/plain';
  return isText ? escapeHtml(value) : value;
}

function textConstruct(node: XmlNode): string | null {
  const value = text(node);
  if (value === null) return null;
  // Atom 0.3 mode="base64"; Atom 1.0 §4.1.3.3: any non-text, non-XML media type is base64.
  const type = (attr(node, 'type') ?? '').toLowerCase();
  if ((attr(node, 'mode') ?? '').toLowerCase() === 'base64' || isBinaryType(type)) {
    const decoded = Buffer.from(value.replace(/\s+/g, ''), 'base64').toString('utf8');
    return decoded;
  }
  return value;
}

function isBinaryType(type: string): boolean {
  return type.includes('/') && !type.startsWith('text/') && !/[+/]xml$/.test(type);
}

function firstHtml(...nodes: XmlNode[]): { html: string; base: string | null } | null {
  for (const n of nodes) {
    for (const one of list(n)) {
      const html = nonEmpty(htmlConstruct(one));
      if (html !== null) return { html, base: attr(one, 'tidings_base') };
    }
  }
  return null;
}

function firstText(...nodes: XmlNode[]): string | null {
  for (const n of nodes) {
    const v = nonEmpty(text(n));
    if (v !== null) return v;
  }
  return null;
}

/** The last of repeated elements: a later <updated> overwrites an earlier one, as feedparser reads them. */
function lastText(node: XmlNode): string | null {
  const values = list(node).map((n) => nonEmpty(text(n))).filter((v): v is string => v !== null);
  return values.length > 0 ? values[values.length - 1]! : null;
}

function linkText(node: XmlNode): string | null {
  const raw = nonEmpty(text(node) ?? attr(node, 'href'));
  return raw === null ? null : withBase(raw, attr(node, 'tidings_base'));
}

/** Resolves against an xml:base that is absolute; a relative one waits for the feed URL. */
function withBase(href: string, base: string | null): string {
  if (!base) return href;
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return href;
  }
}

function itunesCategories(node: XmlNode): (string | null)[] {
  return [attr(node, 'text'), ...list(child(node, 'itunes:category')).map((c) => attr(c, 'text'))];
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function authorText(it: RawRecord): string | null {
  const names: string[] = [];
  for (const a of [...list(it.dcCreator), ...list(it.dcAuthor), ...list(it.rawAuthor), ...list(it.itunesAuthor)]) {
    const plain = nonEmpty(text(a));
    if (plain) {
      names.push(plain);
      continue;
    }
    const name = nonEmpty(text(child(a, 'name')));
    const email = nonEmpty(text(child(a, 'email')));
    if (name && email) names.push(`${name} (${email})`);
    else if (name || email) names.push((name ?? email)!);
  }
  const unique = [...new Set(names)];
  return unique.length > 0 ? unique.join(', ') : null;
}

/** Atom: rel="alternate" (or no rel) is the link; rel="enclosure" are enclosures. */
function atomLinkParts(links: unknown[]): { link: string | null; enclosures: Enclosure[] } {
  let alternate: string | null = null;
  let first: string | null = null;
  const enclosures: Enclosure[] = [];
  for (const l of links) {
    const raw = attr(l, 'href') ?? text(l);
    if (!raw) continue;
    const href = withBase(raw, attr(l, 'tidings_base'));
    const rel = attr(l, 'rel') ?? 'alternate';
    first ??= href;
    if (rel === 'alternate' && alternate === null) alternate = href;
    if (rel === 'enclosure') enclosures.push({ url: href, type: attr(l, 'type'), length: numberOrNull(attr(l, 'length')) });
  }
  return { link: alternate ?? first, enclosures };
}

function rssEnclosures(nodes: XmlNode): Enclosure[] {
  return list(nodes).flatMap((n) => {
    const url = attr(n, 'url');
    return url ? [{ url, type: attr(n, 'type'), length: numberOrNull(attr(n, 'length')) }] : [];
  });
}

function mediaContent(node: XmlNode): Enclosure[] {
  return list(node).flatMap((m) => {
    const url = attr(m, 'url');
    return url ? [{ url, type: attr(m, 'type'), length: numberOrNull(attr(m, 'fileSize')) }] : [];
  });
}

/** RSS 1.0 syndication module: the period (hourly … yearly) divided by the frequency (default 1). */
const SY_PERIOD_MINUTES: Record<string, number> = { hourly: 60, daily: 1440, weekly: 10080, monthly: 43200, yearly: 525600 };
function updatePeriodMinutes(period: string | null, frequency: string | null): number | null {
  const minutes = period ? SY_PERIOD_MINUTES[period.trim().toLowerCase()] : undefined;
  if (minutes === undefined) return null;
  const f = numberOrNull(frequency);
  return f !== null && f >= 1 ? minutes / f : minutes;
}

function numberOrNull(v: string | null): number | null {
  if (v === null) return null;
  const n = Number(v.trim());
  return Number.isFinite(n) && v.trim() !== '' ? n : null;
}

export function sniffXmlFormat(xml: string): FeedFormat {
  const head = xml.slice(0, 4096);
  const root = /<(?!\?|!)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(head.replace(/<!--[\s\S]*?-->/g, ''));
  const name = root?.[2]?.toLowerCase();
  if (name === 'feed') return 'atom';
  if (name === 'rdf') return 'rdf';
  return 'rss';
}

/**
 * Cuts the document after its last complete <item> or <entry> and closes
 * the containers that were open. Null when there is nothing to recover.
 */
function repairTruncated(xml: string): string | null {
  const format = sniffXmlFormat(xml);
  const closer = format === 'atom' ? '</entry>' : '</item>';
  const cut = xml.lastIndexOf(closer);
  if (cut < 0) return null;
  const body = xml.slice(0, cut + closer.length);
  if (format === 'atom') return `${body}</feed>`;
  if (format === 'rdf') return `${body}</rdf:RDF>`;
  // RSS 2.0 items sit in <channel>; RSS 1.0 items sit in rdf:RDF.
  return /<channel[\s>]/.test(body) && !/<\/channel>/.test(body) ? `${body}</channel></rss>` : `${body}</rss>`;
}

/** RSS whose items sit directly in <rss>, without a <channel>: wrap them in one (rss-parser would throw a TypeError). */
function withChannel(xml: string, format: FeedFormat): string {
  if (format === 'rdf' && !/<channel[\s>/]/.test(xml)) {
    // An RDF document with no channel is an empty feed, not an error.
    return xml.replace(/(<rdf:RDF\b[^>]*>)/, '$1<channel></channel>');
  }
  if (format !== 'rss' || /<channel[\s>]/.test(xml)) return xml;
  const open = /<rss\b[^>]*>/.exec(xml);
  if (!open) return xml;
  const at = open.index + open[0].length;
  const close = xml.lastIndexOf('</rss>');
  return close > at ? `${xml.slice(0, at)}<channel>${xml.slice(at, close)}</channel>${xml.slice(close)}` : `${xml.slice(0, at)}<channel>${xml.slice(at)}`;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}
