import type { TopicSpec } from '../domain/topic';
import { esc } from './xml';

/** OPML 2.0 listing every public topic feed (RSS), for importing into a reader. */
export function renderOpml(topics: readonly TopicSpec[], feedUrl: (slug: string) => string, homeUrl: string, updated: Date): string {
  const outlines = topics
    .map((t) => `<outline type="rss" text="${esc(t.title)}" title="${esc(t.title)}" xmlUrl="${esc(feedUrl(t.slug))}" htmlUrl="${esc(homeUrl)}"/>`)
    .join('\n    ');
  return `<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0">
  <head><title>Tidings topic feeds</title><dateCreated>${esc(updated.toUTCString())}</dateCreated></head>
  <body>
    ${outlines}
  </body>
</opml>
`;
}
