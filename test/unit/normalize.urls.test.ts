import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFeedBody } from '../../src/parse';
import { normalizeFeed } from '../../src/normalize/item';
import { canonicalUrl, documentUrl, resolveUrl, stripTracking } from '../../src/normalize/urls';

describe('URLs', () => {
  it('canonical URL: lower-case scheme and host, no default port, no fragment, no tracking parameters', () => {
    expect(canonicalUrl('HTTPS://News.Example.TEST:443/a/B?utm_source=x&id=3&fbclid=1&gclid=2&yclid=3&mc_cid=4&mc_eid=5&_hsenc=6&ref_src=7#top')).toBe(
      'https://news.example.test/a/B?id=3',
    );
    expect(canonicalUrl('http://example.test:80/')).toBe('http://example.test/');
    expect(canonicalUrl('javascript:alert(1)')).toBeNull();
  });

  it('the reader link keeps its fragment but loses tracking parameters', () => {
    expect(stripTracking('http://example.test/a?utm_medium=rss#part')).toBe('http://example.test/a#part');
  });

  it('resolves against each base in turn and never returns a non-http URL', () => {
    expect(resolveUrl('b', 'http://x.test/a/')).toBe('http://x.test/a/b');
    expect(resolveUrl('javascript:alert(1)', 'http://x.test/')).toBeNull();
    expect(resolveUrl('mailto:a@b.test', 'http://x.test/')).toBeNull();
  });

  it('Content-Location sets the document URL when it is http(s)', () => {
    expect(documentUrl('http://a.test/feed', '/moved/feed.xml')).toBe('http://a.test/moved/feed.xml');
    expect(documentUrl('http://a.test/feed', "javascript:alert('x')")).toBe('http://a.test/feed');
  });

  it('xml:base decides where item links and content links point', async () => {
    const { feed } = await parseFeedBody(readFileSync(path.join(__dirname, '..', 'fixtures', 'unit', 'xml-base.atom')), null);
    const [a, b] = normalizeFeed(feed, { feedUrl: 'http://feeds.example.test/x.atom', now: new Date() });
    expect(a!.url).toBe('http://example.test/blog/2024/post.html');
    expect(a!.contentHtml).toBe('<img src="http://cdn.example.test/media/pic.png" /> <a href="http://cdn.example.test/about" rel="noopener noreferrer">about</a>');
    expect(b!.url).toBe('http://example.test/blog/other.html');
    expect(b!.contentHtml).toContain('href="http://example.test/blog/x/y"');
  });

  it('without xml:base, content links resolve against the item link', async () => {
    const xml = '<rss version="2.0"><channel><item><link>http://site.test/news/7</link><description>&lt;a href="8"&gt;next&lt;/a&gt;</description></item></channel></rss>';
    const { feed } = await parseFeedBody(Buffer.from(xml), null);
    const [item] = normalizeFeed(feed, { feedUrl: 'http://feeds.test/rss', now: new Date() });
    expect(item!.contentHtml).toContain('href="http://site.test/news/8"');
  });
});
