import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseFeedBody, ParseError } from '../../src/parse';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'unit', name));
const parse = async (name: string) => (await parseFeedBody(fixture(name), null)).feed;
const xml = async (text: string) => (await parseFeedBody(Buffer.from(text, 'utf8'), null)).feed;

describe('leniency around rss-parser', () => {
  it('decodes HTML named entities inside XML, and keeps a bare & in a URL', async () => {
    const feed = await parse('html-entities.xml');
    expect(feed.title).toBe('Café & Bar\u00a0News');
    expect(feed.link).toBe('http://example.test/?a=1&b=2');
    expect(feed.items[0]!.title).toBe('Se\u00adcond – ’quoted’ &unknownentity; item');
    expect(feed.items[0]!.link).toBe('http://example.test/item?x=1&y=2');
  });

  it('decodes entities in the start tag and body of inline XHTML (the pre-pass rewrites them token by token)', async () => {
    const feed = await xml(`<feed xmlns="http://www.w3.org/2005/Atom"><title>F &amp; G&nbsp;</title><entry><id>1</id><title>E</title>
      <content type="xhtml" xml:base="http://example.test/a/?x=1&amp;y=&eacute;"><div xmlns="http://www.w3.org/1999/xhtml"><p>caf&eacute; &amp; <a href="rel">bar</a></p></div></content>
    </entry></feed>`);
    expect(feed.title).toBe('F & G');
    expect(feed.items[0]!.content).toBe('<p>caf&#233; &amp; <a href="rel">bar</a></p>');
    expect(feed.items[0]!.contentBase).toBe('http://example.test/a/?x=1&y=é');
  });

  it('reads a bare <rss> without a version as RSS 2.0', async () => {
    const feed = await parse('bare-rss.xml');
    expect(feed.format).toBe('rss');
    expect(feed.items.map((i) => i.title)).toEqual(['Read as RSS 2.0']);
  });

  it('gives back the items of a truncated document, with a warning', async () => {
    const feed = await parse('truncated.xml');
    expect(feed.items.slice(0, 2).map((i) => i.link)).toEqual(['http://example.test/1', 'http://example.test/2']);
    expect(feed.warnings.join()).toMatch(/ends early/);
  });

  it('recovers a document whose final tag is cut off', async () => {
    const feed = await parse('truncated-final-tag.xml');
    expect(feed.items.map((i) => i.title)).toEqual(['Only item']);
    expect(feed.warnings).toHaveLength(1);
  });

  it('reads items that sit in <rss> without a <channel>', async () => {
    const feed = await parse('missing-channel.xml');
    expect(feed.title).toBe('Items without a channel');
    expect(feed.items.map((i) => i.link)).toEqual(['http://example.test/a', 'http://example.test/b']);
  });

  it('reads RSS 1.0 (RDF) and old CDF channels', async () => {
    const rdf = await parse('rdf.xml');
    expect(rdf).toMatchObject({ format: 'rdf', title: 'RSS 1.0' });
    expect(rdf.items[0]).toMatchObject({ guid: 'http://example.test/rdf-1', link: 'http://example.test/rdf-1', updated: '2024-01-02T03:04:05Z' });
    const cdf = await parse('cdf.xml');
    expect(cdf.title).toBe('Old CDF channel');
    expect(cdf.items[0]).toMatchObject({ title: 'CDF item', link: 'http://example.test/cdf/item.html', base: 'http://example.test/cdf/', summary: 'About it' });
  });

  it('turns Atom xhtml titles and content into HTML text, keeping the order of text and elements', async () => {
    const feed = await parse('atom-xhtml.atom');
    expect(feed.title).toBe('History of the <b>&lt;blink&gt;</b> tag');
    expect(feed.items[0]).toMatchObject({ title: 'One <em>and</em> two', titleIsHtml: true });
    expect(feed.items[0]!.content).toBe('<p>First <a href="http://example.test/a">link</a> then text.</p>');
    // type="text" is escaped on its way to HTML, and a text title stays literal.
    expect(feed.items[1]).toMatchObject({ title: 'Less <than> text', titleIsHtml: false, content: 'a &lt; b &amp;&amp; c' });
  });

  it('classifies what it cannot read', async () => {
    await expect(xml('')).rejects.toMatchObject({ code: 'empty' });
    await expect(xml('<html><body>hello</body></html>')).rejects.toMatchObject({ code: 'not_a_feed' });
    await expect(xml('<head><title>Moved</title></head><body>x</body>')).rejects.toMatchObject({ code: 'not_a_feed' });
    await expect(xml('<rss><channel><title>x</tit')).resolves.toMatchObject({ title: 'x' });
    await expect(xml('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>')).resolves.toMatchObject({ format: 'rdf', items: [] });
    await expect(xml('{"version": "https://jsonfeed.org/version/1.1", "items": [')).rejects.toMatchObject({ code: 'malformed' });
    await expect(xml('<rss version="2.0"><channel><<<<')).rejects.toBeInstanceOf(ParseError);
  });

  it('never throws anything but a ParseError, whatever the bytes', async () => {
    const pieces = ['<rss>', '<rss version="2.0">', '<channel>', '<item>', '</item>', '<title>', '</title>', '<feed xmlns="http://www.w3.org/2005/Atom">', '<entry>',
      '<content type="xhtml">', '<div>', '</div>', '</content>', '&nbsp;', '&', '<![CDATA[', ']]>', '<!--', '-->', 'text', '<link href="x"/>', 'xml:base="/a/"', '{', '"items":'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 8 })), { maxLength: 40 }), async (parts) => {
        try {
          const feed = await xml(parts.join(''));
          for (const i of feed.items) for (const v of [i.title, i.link, i.content, i.summary, i.author]) expect(v === null || typeof v === 'string').toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
