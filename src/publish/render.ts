import { renderAtom } from './atom';
import { renderJsonFeed } from './json-feed';
import type { FeedDocument, FeedFormatOut } from './model';
import { renderRss } from './rss';

export type { FeedFormatOut } from './model';
export { publishedGuid } from './model';

export const CONTENT_TYPES: Record<FeedFormatOut, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

/**
 * One model → RSS 2.0, Atom 1.0 or JSON Feed 1.1. Our own small writers, not
 * the `feed` package: feed 5.0.0 has no Atom <source>, no extra Atom links
 * (RFC 5005 paging), drops the RSS self link when a hub is set, drops an RSS
 * author without an e-mail, guesses enclosure types from file extensions and
 * writes JSON Feed 1.0 only.
 */
export function renderFeed(format: FeedFormatOut, doc: FeedDocument): string {
  switch (format) {
    case 'rss':
      return renderRss(doc);
    case 'atom':
      return renderAtom(doc);
    case 'json':
      return renderJsonFeed(doc);
  }
}
