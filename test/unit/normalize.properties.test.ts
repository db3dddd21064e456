import fc from 'fast-check';
import type { RawItem } from '../../src/domain/item';
import { normalizeItem } from '../../src/normalize/item';
import { sanitizeContent } from '../../src/normalize/sanitize';

// Hostile HTML built from the pieces attacks are made of.
const htmlPiece = fc.constantFrom(
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">j</a>', '<a href="jav&#x09;ascript:alert(1)">t</a>',
  '<iframe src="https://evil.test/"></iframe>', '<style>*{}</style>', '<form><input></form>', '<svg onload=alert(1)>', '<a href="rel/x">r</a>',
  '<img src="/a.png">', '<p>', '</p>', '<b>', '&lt;script&gt;', '&amp;', '<!-- c -->', '<![CDATA[x]]>', '<div style="x">', '"', "'", '<', '>',
  '<a href="//evil.test/">p</a>', '<object data="x"></object>', '<math><mi xlink:href="javascript:x">m</mi></math>',
);
const html = fc.array(fc.oneof(htmlPiece, fc.string({ maxLength: 6 })), { maxLength: 25 }).map((p) => p.join(''));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const rawItem: fc.Arbitrary<RawItem> = fc.record({
  guid: maybe(fc.string({ maxLength: 20 })),
  link: maybe(fc.oneof(fc.constantFrom('/a', 'b?utm_source=x', 'javascript:x', 'HTTP://X.test:80/p#f', '//cdn.test/x', ''), fc.webUrl())),
  title: maybe(html),
  titleIsHtml: fc.boolean(),
  summary: maybe(html),
  content: maybe(html),
  author: maybe(html),
  categories: fc.array(html, { maxLength: 3 }),
  published: maybe(fc.oneof(fc.string({ maxLength: 30 }), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()))),
  updated: maybe(fc.string({ maxLength: 30 })),
  enclosures: fc.array(fc.record({ url: fc.oneof(fc.constantFrom('/e.mp3', 'javascript:x'), fc.webUrl()), type: maybe(fc.string()), length: maybe(fc.nat()) }), { maxLength: 2 }),
  language: maybe(fc.string({ maxLength: 5 })),
  base: maybe(fc.constantFrom('http://base.test/dir/', 'rel/', 'javascript:x')),
});

// Authors and categories arrive as HTML-ish text, so plain text goes back in escaped.
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const ctx = { feedUrl: 'http://feed.test/rss', now: new Date('2024-06-01T00:00:00Z'), iframeHosts: ['www.youtube.com'] };
const UNSAFE = /<script|<style|<iframe(?![^>]*src="https:\/\/www\.youtube\.com\/)|<form|<object|<svg|<math|\son[a-z]+\s*=|javascript:|data:(?!image\/)/i;
const URL_ATTR = /\s(?:href|src)="([^"]*)"/g;

describe('normalizing, for any input', () => {
  it('never throws, and produces no relative URL and no unsafe markup', () => {
    fc.assert(
      fc.property(rawItem, (raw) => {
        const item = normalizeItem(raw, { link: null, language: null }, ctx);
        if (!item) return;
        for (const u of [item.url, item.canonicalUrl, ...item.enclosures.map((e) => e.url)]) if (u !== null) expect(u).toMatch(/^https?:\/\//);
        if (item.contentHtml) {
          expect(item.contentHtml).not.toMatch(UNSAFE);
          for (const m of item.contentHtml.matchAll(URL_ATTR)) expect(m[1]).toMatch(/^(https?:\/\/|data:image\/|mailto:)/);
        }
        // Plain-text fields are one line of text (what looks like a tag there is text the feed escaped).
        for (const text of [item.title, item.summary ?? '', item.author ?? '', ...item.categories]) expect(text).not.toMatch(/[\n\r\t\u0000-\u0008]/);
      }),
      { numRuns: 400 },
    );
  });

  it('is idempotent: sanitizing sanitized HTML changes nothing', () => {
    fc.assert(
      fc.property(html, (h) => {
        const once = sanitizeContent(h, { baseUrl: 'http://feed.test/a/', iframeHosts: ['www.youtube.com'] });
        expect(sanitizeContent(once, { baseUrl: 'http://feed.test/a/', iframeHosts: ['www.youtube.com'] })).toBe(once);
      }),
      { numRuns: 400 },
    );
  });

  it('is idempotent on whole items: normalizing the normalized fields again gives the same item', () => {
    fc.assert(
      fc.property(rawItem, (raw) => {
        const first = normalizeItem(raw, { link: null, language: null }, ctx);
        if (!first) return;
        const again = normalizeItem(
          { ...raw, link: first.url, title: first.title, titleIsHtml: false, content: first.contentHtml, summary: first.summary, author: first.author && escapeHtml(first.author), categories: first.categories.map(escapeHtml), base: null,
            published: first.publishedEstimated ? null : first.publishedAt.toISOString(), updated: first.updatedAt?.toISOString() ?? null, guid: first.guid,
            enclosures: first.enclosures },
          { link: null, language: null },
          ctx,
        )!;
        expect({ ...again, summary: null }).toEqual({ ...first, summary: null });
      }),
      { numRuns: 300 },
    );
  });
});
