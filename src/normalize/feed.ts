import type { ParsedFeed } from '../domain/item';
import { htmlToText } from './text';
import { resolveUrl, stripTracking } from './urls';

/** The feed's own title, link and language, cleaned the way item fields are. */
export interface NormalizedFeedInfo {
  readonly title: string | null;
  readonly link: string | null;
  readonly language: string | null;
}

export function normalizeFeedInfo(feed: Pick<ParsedFeed, 'title' | 'link' | 'language'> & { readonly base?: string | null }, feedUrl: string): NormalizedFeedInfo {
  const title = feed.title ? htmlToText(feed.title) : '';
  return {
    title: title || null,
    link: stripTracking(resolveUrl(feed.link, feed.base ?? feedUrl, feedUrl)),
    language: feed.language,
  };
}
