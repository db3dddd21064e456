import type { ParsedFeed } from '../domain/item';
import { parseDate } from './dates';
import { htmlToText } from './text';
import { resolveUrl, stripTracking } from './urls';

/** The feed's own title, link and language, cleaned the way item fields are. */
export interface NormalizedFeedInfo {
  readonly title: string | null;
  readonly link: string | null;
  readonly language: string | null;
  readonly publishedAt: Date | null;
  readonly updatedAt: Date | null;
}

export function normalizeFeedInfo(
  feed: Pick<ParsedFeed, 'title' | 'link' | 'language' | 'base' | 'published' | 'updated'>,
  feedUrl: string,
): NormalizedFeedInfo {
  const title = feed.title ? htmlToText(feed.title) : '';
  return {
    title: title || null,
    link: stripTracking(resolveUrl(feed.link, resolveUrl(feed.base, feedUrl) ?? feedUrl, feedUrl)),
    language: feed.language,
    publishedAt: parseDate(feed.published),
    updatedAt: parseDate(feed.updated),
  };
}
