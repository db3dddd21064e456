import fc from 'fast-check';
import * as textModule from '../../src/normalize/text';
import { collapseWhitespace } from '../../src/normalize/text';
import type { RawItem } from '../../src/domain/item';
import { normalizeItem } from '../../src/normalize/item';
import { canonicalUrl } from '../../src/normalize/urls';
import { parseFeedBody } from '../../src/parse';
import { normalizeFeed } from '../../src/normalize/item';
import { fixture } from '../helpers/feed-server';

const now = new Date('2020-02-12T00:00:00Z');
const ctx = { feedUrl: 'https://news.example/feeds/world.xml', now };
const feed = { link: 'https://news.example/', language: 'en' };

function raw(over: Partial<RawItem>): RawItem {
  return {
    guid: null, link: null, title: null, titleIsHtml: true, summary: null, content: null, author: null, categories: [],
    published: null, updated: null, enclosures: [], language: null, base: null, ...over,
  };
}

describe('normalizing one item', () => {
  test('titles are decoded, stripped of markup and trimmed', () => {
    const it = normalizeItem(raw({ title: '  <b>Turkey</b> &amp; Russia&nbsp;talk\n again ', link: '/a' }), feed, ctx)!;
    expect(it.title).toBe('Turkey & Russia talk again');
  });

  test('relative links become absolute against the feed URL; tracking parameters go', () => {
    const it = normalizeItem(raw({ title: 't', link: '../2020/a.html?id=7&utm_source=x&fbclid=y#top' }), feed, ctx)!;
    expect(it.url).toBe('https://news.example/2020/a.html?id=7#top');
    expect(it.canonicalUrl).toBe('https://news.example/2020/a.html?id=7');
  });

  test('a permalink guid stands in for a missing link', () => {
    const it = normalizeItem(raw({ title: 't', guid: ' https://news.example/p/1 ' }), feed, ctx)!;
    expect(it.guid).toBe('https://news.example/p/1');
    expect(it.url).toBe('https://news.example/p/1');
  });

  test('dates become UTC instants; a missing date is the first-seen time and says so', () => {
    const dated = normalizeItem(raw({ title: 't', published: 'Mon, 10 Feb 2020 09:30:00 +0300' }), feed, ctx)!;
    expect(dated.publishedAt.toISOString()).toBe('2020-02-10T06:30:00.000Z');
    expect(dated.publishedEstimated).toBe(false);
    const undated = normalizeItem(raw({ title: 't', published: 'sometime last week' }), feed, ctx)!;
    expect(undated.publishedAt).toEqual(now);
    expect(undated.publishedEstimated).toBe(true);
  });

  test('a date far in the future is clamped to a day ahead', () => {
    const it = normalizeItem(raw({ title: 't', published: '2031-01-01T00:00:00Z' }), feed, ctx)!;
    expect(it.publishedAt.toISOString()).toBe('2020-02-13T00:00:00.000Z');
  });

  test('categories are trimmed and deduplicated case-insensitively; author is plain text', () => {
    const it = normalizeItem(raw({ title: 't', categories: [' Turkey ', 'turkey', 'Syria', ''], author: '<i>Jane</i> Reporter' }), feed, ctx)!;
    expect(it.categories).toEqual(['Turkey', 'Syria']);
    expect(it.author).toBe('Jane Reporter');
  });

  test('the summary is plain text; the content is sanitized HTML with absolute URLs', () => {
    const it = normalizeItem(
      raw({
        title: 't',
        link: 'https://news.example/a/1',
        summary: '<p>Troops <b>moved</b>&hellip;</p>',
        content:
          '<p onmouseover="x()">Hi <a href="/b">there</a><script>evil()</script></p><img src="img.png"><img src="https://t.example/px.gif" width="1" height="1"><a href="javascript:alert(1)">x</a><iframe src="https://evil.example/"></iframe><form><input></form>',
      }),
      feed,
      ctx,
    )!;
    expect(it.summary).toBe('Troops moved…');
    expect(it.contentHtml).toBe(
      '<p>Hi <a href="https://news.example/b" rel="noopener noreferrer">there</a></p><img src="https://news.example/a/img.png" /><a rel="noopener noreferrer">x</a>',
    );
  });

  test('an item with no title falls back to its text; one with nothing at all is dropped', () => {
    expect(normalizeItem(raw({ summary: 'A long enough summary standing in for the title', link: '/x' }), feed, ctx)!.title).toBe(
      'A long enough summary standing in for the title',
    );
    expect(normalizeItem(raw({}), feed, ctx)).toBeNull();
  });
});

describe('canonical URLs', () => {
  test.each([
    ['HTTP://News.Example:80/a?b=1&utm_medium=x', 'http://news.example/a?b=1'],
    ['https://news.example:443/a#frag', 'https://news.example/a'],
    ['https://news.example/a?gclid=1&yclid=2&mc_cid=3&mc_eid=4&_hsenc=5&ref_src=6', 'https://news.example/a'],
    ['mailto:x@example.com', null],
    ['not a url', null],
  ])('%s → %s', (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
  });
});

describe('charsets, end to end through parse and normalize', () => {
  test('windows-1251 declared only in the XML prolog', async () => {
    const { feed: parsed, decoded } = await parseFeedBody(fixture('kommersant-1251.xml'), 'text/xml');
    expect(decoded).toEqual({ charset: 'windows-1251', source: 'prolog' });
    const items = normalizeFeed(parsed, ctx);
    expect(items[0]!.title).toBe('Турция ввела войска в Идлиб после провала переговоров с Россией');
    expect(items[1]!.publishedAt.toISOString()).toBe('2020-02-10T07:00:00.000Z'); // MSK is UTC+3
  });

  test('ISO-8859-9 declared only in the HTTP header', async () => {
    const { feed: parsed, decoded } = await parseFeedBody(fixture('hurriyet-8859-9.xml'), 'text/xml; charset=ISO-8859-9');
    expect(decoded.source).toBe('http');
    const [item] = normalizeFeed(parsed, ctx);
    expect(item!.title).toBe("Türkiye İdlib'e asker sevk etti");
    expect(item!.summary).toContain('Şişli\'de ığdır çiçek');
  });

  test('JSON Feed items carry tags, authors and text content', async () => {
    const { feed: parsed } = await parseFeedBody(fixture('desk.json'), 'application/feed+json');
    const items = normalizeFeed(parsed, ctx);
    expect(items.map((i) => i.title)).toEqual(['Erdoğan visits Moscow for talks on Idlib', 'Snow expected this weekend']);
    expect(items[0]!.categories).toEqual(['Turkey', 'Russia']);
    expect(items[0]!.author).toBe('Desk Staff');
    expect(items[1]!.contentHtml).toBe('Cold front arrives Saturday.');
  });
});

describe('plain text never carries control characters', () => {
  test('numeric references to control characters are dropped from titles and authors', () => {
    const it = normalizeItem(raw({ title: 'A&#1;B&#x7f;C&#128;D', author: '&#1;Jane', link: '/x' }), feed, ctx)!;
    expect(it.title).toBe('ABC€D'); // &#128; is the euro sign, as HTML reads it (windows-1252)
    expect(it.author).toBe('Jane');
  });
});

describe('collapsing whitespace', () => {
  it('gives what the two replacements and trim give, for any text (the fast path skips them)', () => {
    const reference = (s: string) => s.replace(/[\u00ad\u200b\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/g, '').replace(/[\s\u00a0]+/g, ' ').trim();
    const piece = fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u00ad', '\u200b', '\u2028', '\u3000', '\ufeff', '\u0085', '\u0001', '\x7f', 'Türkiye', 'İ'));
    fc.assert(fc.property(fc.array(piece, { maxLength: 10 }), (ps) => {
      const s = ps.join('');
      expect(collapseWhitespace(s)).toBe(reference(s));
    }), { numRuns: 5000 });
  });
});

describe('the text of sanitized HTML', () => {
  it('is what the general path (tags out, references decoded, whitespace collapsed) gives, for any input', () => {
    const { stripTags, stripTagsGeneral } = textModule;
    const piece = fc.oneof(
      fc.constantFrom(
        '<p>', '</p>', '<a href="x?a=1&amp;b=&quot;2&quot;">', '<br />', '<img alt="a > b" />', '<', '>', '&amp;', '&lt;', '&gt;', '&quot;', '&amp', '&nbsp;',
        '&#160;', '&#x26;', '&copy', '&', ' ', '  ', '\n', '\r\n', '\t', '\u000b', '\u000c', '\u0001', '\u007f', '\u0085', '\u00a0', '\u00ad', '\u200b',
        '\u2003', '\u3000', '\ufeff', 'Türkiye', 'Москва', 'x', '😀',
      ),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 16 }), (ps) => {
      const html = ps.join('');
      expect(stripTags(html)).toBe(stripTagsGeneral(html));
    }), { numRuns: 20000 });
  });
});
