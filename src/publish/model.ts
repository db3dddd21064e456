import { createHash } from 'node:crypto';
import type { Enclosure } from '../domain/item';
import type { StoredItem } from '../domain/stored';
import { sanitizeWithLibrary } from '../normalize/sanitize-library';
import { resolveUrl } from '../normalize/urls';
import type { RenderItem, StoryDecoration } from './collapse';

/**
 * The one model every output format is rendered from. A new per-item field
 * (for example "also reported by") goes here once and into each renderer.
 */
export interface FeedDocument {
  readonly title: string;
  readonly description: string | null;
  /** Absolute URL of the HTML page for this feed. */
  readonly homeUrl: string;
  /** Absolute URL of this document in each format (self links, alternates). */
  readonly urls: Readonly<Record<FeedFormatOut, string>>;
  readonly generator: { readonly name: string; readonly version: string; readonly uri: string };
  /** Newest change: the feed's <updated>/<lastBuildDate>. */
  readonly updated: Date;
  /** WebSub hub advertised with rel="hub". */
  readonly hub: string | null;
  readonly paging: Paging;
  readonly entries: readonly FeedEntry[];
}

/** RFC 5005 links, each given per format (the same page in RSS, Atom, JSON). */
export interface Paging {
  /** The subscription document (rel="current"/"first"). */
  readonly current: Readonly<Record<FeedFormatOut, string>>;
  /** The next older page (rel="next" and rel="prev-archive"). */
  readonly older: Readonly<Record<FeedFormatOut, string>> | null;
  /** The next newer page (rel="previous" and rel="next-archive"). */
  readonly newer: Readonly<Record<FeedFormatOut, string>> | null;
  /** This is a page behind the subscription document (RFC 5005 <fh:archive/>). */
  readonly isArchive: boolean;
}

export interface FeedEntry {
  /** Stable across restarts, formats, re-ingests and rebuilt databases. */
  readonly id: string;
  readonly url: string;
  readonly title: string;
  readonly summary: string | null;
  /** Sanitized again on output. */
  readonly contentHtml: string | null;
  readonly author: string | null;
  readonly categories: readonly string[];
  readonly enclosures: readonly Enclosure[];
  readonly published: Date;
  readonly updated: Date;
  readonly source: { readonly id: string; readonly name: string; readonly feedUrl: string | null };
  /** Set when this entry stands for a story carried by several publishers (collapse: story). */
  readonly story?: StoryDecoration;
}

export type FeedFormatOut = 'rss' | 'atom' | 'json';
export const FORMATS: readonly FeedFormatOut[] = ['rss', 'atom', 'json'];

/**
 * An item's published id: derived from its source and its own identity, so
 * it stays the same across restarts, formats, re-ingests and a rebuilt
 * database (a row id would not).
 */
export function publishedGuid(item: Pick<StoredItem, 'sourceId' | 'guid' | 'url' | 'title'>): string {
  const basis = item.guid ?? item.url ?? item.title;
  return `urn:tidings:${item.sourceId}:${createHash('sha256').update(basis).digest('hex').slice(0, 24)}`;
}

export function toEntry(it: RenderItem, homeUrl: string, iframeHosts: readonly string[] = []): FeedEntry {
  const url = resolveUrl(it.url) ?? homeUrl;
  // A story entry lists every other publisher as a category too, for readers that show no content.
  const others = it.story ? [...new Set(it.story.publishers.filter((p) => p.id !== it.sourceId).map((p) => p.name))] : [];
  return {
    id: it.story?.guid ?? publishedGuid(it),
    url,
    title: it.title,
    summary: it.summary,
    // Stored HTML was sanitized at ingest by our walker; sanitize-html, a second implementation of the same
    // allow-list, sanitizes it again on the way out (rows written by older code or by hand, a walker bug).
    contentHtml: it.contentHtml ? sanitizeWithLibrary(it.contentHtml, { baseUrl: url, iframeHosts }) : null,
    author: it.author,
    categories: others.length > 0 ? [...it.categories, ...others] : it.categories,
    enclosures: it.enclosures.filter((e) => resolveUrl(e.url) !== null),
    published: it.publishedAt,
    updated: it.updatedAt && it.updatedAt > it.publishedAt ? it.updatedAt : it.publishedAt,
    source: { id: it.sourceId, name: it.sourceName, feedUrl: it.sourceFeedUrl },
    ...(it.story ? { story: it.story } : {}),
  };
}
