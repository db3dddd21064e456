import Parser from 'rss-parser';
import type { Enclosure, FeedFormat, ParsedFeed, RawItem } from '../domain/item';
import { ParseError } from './errors';
import { attr, child, list, nonEmpty, text, type XmlNode } from './text';
import { encodeHtmlEntitiesAsXml } from './entities';

/**
 * RSS 0.9x/1.0/2.0 and Atom through rss-parser. rss-parser drops some fields
 * (Atom categories, enclosure links, media:content), so the raw xml2js nodes
 * are asked for as custom fields and adapted here. rss-parser's types stop in
 * this file.
 */
type RawRecord = Record<string, XmlNode>;

const parser: Parser<RawRecord, RawRecord> = new Parser({
  defaultRSS: 2, // a bare <rss> with no version is read as RSS 2.0
  xml2js: { strict: true },
  customFields: {
    feed: [['ttl', 'ttl'], ['sy:updatePeriod', 'syUpdatePeriod'], ['sy:updateFrequency', 'syUpdateFrequency']] as unknown as string[],
    item: [
      ['category', 'rawCategories', { keepArray: true }],
      ['dc:subject', 'dcSubject', { keepArray: true }],
      ['media:content', 'mediaContent', { keepArray: true }],
      ['link', 'rawLinks', { keepArray: true }],
      ['author', 'rawAuthor', { keepArray: true }],
      ['title', 'rawTitle', { keepArray: true }],
      ['guid', 'rawGuid', { keepArray: true }],
      ['published', 'published'],
      ['issued', 'issued'],
      ['updated', 'updated'],
      ['modified', 'modified'],
      ['dc:date', 'dcDate'],
      ['dc:language', 'dcLanguage'],
    ] as unknown as string[],
  },
});

export async function parseXmlFeed(xml: string): Promise<ParsedFeed> {
  const warnings: string[] = [];
  const prepared = encodeHtmlEntitiesAsXml(xml);
  let feed: Parser.Output<RawRecord> & RawRecord;
  try {
    feed = await parser.parseString(prepared);
  } catch (err) {
    // A truncated document: keep every complete item, close what is open, and say so.
    const repaired = repairTruncated(prepared);
    if (repaired === null) throw new ParseError('malformed', `XML is not well-formed: ${firstLine(err)}`, { cause: err });
    try {
      feed = await parser.parseString(repaired);
      warnings.push(`recovered the complete items of a malformed document: ${firstLine(err)}`);
    } catch {
      throw new ParseError('malformed', `XML is not well-formed: ${firstLine(err)}`, { cause: err });
    }
  }
  const format = sniffXmlFormat(prepared);
  const items = (feed.items ?? []).map((it) => adaptItem(it as unknown as RawRecord, format));
  return {
    format,
    title: nonEmpty(text(feed.title)),
    link: nonEmpty(text(feed.link)),
    language: nonEmpty(text(feed.language)),
    ttlMinutes: numberOrNull(text((feed as RawRecord).ttl)),
    updatePeriodMinutes: updatePeriodMinutes(text((feed as RawRecord).syUpdatePeriod), text((feed as RawRecord).syUpdateFrequency)),
    items,
    warnings,
  };
}

function adaptItem(it: RawRecord, format: FeedFormat): RawItem {
  const rawTitle = list(it.rawTitle)[0];
  const titleType = attr(rawTitle, 'type');
  const atomLinks = list(it.rawLinks);
  const { link, enclosures: linkEnclosures } = format === 'atom' ? atomLinkParts(atomLinks) : { link: text(it.link), enclosures: [] };
  const guid = nonEmpty(text(it.rawGuid) ?? text(it.id) ?? text(it['rdf:about']));
  const categories = [
    ...list(it.rawCategories).map((c) => text(c) ?? attr(c, 'label') ?? attr(c, 'term')),
    ...list(it.dcSubject).map(text),
  ].filter((c): c is string => !!c && c.trim() !== '');
  return {
    guid,
    link: nonEmpty(link),
    title: nonEmpty(text(rawTitle) ?? text(it.title)),
    titleIsHtml: titleType === 'html' || titleType === 'xhtml' || format === 'rss' || format === 'rdf',
    summary: nonEmpty(text(it.summary) ?? (text(it['content:encoded']) ? text(it.content) : null)),
    content: nonEmpty(text(it['content:encoded']) ?? text(it.content) ?? text(it.summary)),
    author: nonEmpty(authorText(it)),
    categories,
    published: nonEmpty(text(it.published) ?? text(it.pubDate) ?? text(it.issued) ?? text(it.dcDate) ?? text(it.date)),
    updated: nonEmpty(text(it.updated) ?? text(it.modified)),
    enclosures: [...rssEnclosure(it.enclosure), ...mediaContent(it.mediaContent), ...linkEnclosures],
    language: nonEmpty(text(it.dcLanguage) ?? text(it.language)),
    base: null,
  };
}

function authorText(it: RawRecord): string | null {
  const creator = text(it['dc:creator']) ?? text(it.creator);
  if (creator) return creator;
  for (const a of list(it.rawAuthor)) {
    const plain = text(a);
    if (plain) return plain;
    const name = text(child(a, 'name'));
    const email = text(child(a, 'email'));
    if (name && email) return `${name} (${email})`;
    if (name || email) return name ?? email;
  }
  return text(it.author);
}

/** Atom: rel="alternate" (or no rel) is the link; rel="enclosure" are enclosures. */
function atomLinkParts(links: unknown[]): { link: string | null; enclosures: Enclosure[] } {
  let alternate: string | null = null;
  let first: string | null = null;
  const enclosures: Enclosure[] = [];
  for (const l of links) {
    const href = attr(l, 'href') ?? text(l);
    if (!href) continue;
    const rel = attr(l, 'rel') ?? 'alternate';
    first ??= href;
    if (rel === 'alternate' && alternate === null) alternate = href;
    if (rel === 'enclosure') enclosures.push({ url: href, type: attr(l, 'type'), length: numberOrNull(attr(l, 'length')) });
  }
  return { link: alternate ?? first, enclosures };
}

function rssEnclosure(node: XmlNode): Enclosure[] {
  if (!node || typeof node !== 'object') return [];
  const e = node as Record<string, unknown>;
  const url = typeof e.url === 'string' ? e.url : null;
  if (!url) return [];
  return [{ url, type: typeof e.type === 'string' ? e.type : null, length: numberOrNull(typeof e.length === 'string' ? e.length : null) }];
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

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}
