import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFeedBody } from '../../src/parse';

const parse = async (name: string) => (await parseFeedBody(readFileSync(path.join(__dirname, '..', 'fixtures', 'unit', name)), null)).feed;

describe('fields, from wherever each format keeps them', () => {
  it('RSS 2.0: guid, dc:creator, category and dc:subject, content:encoded, every enclosure and media:content', async () => {
    const feed = await parse('rss-fields.xml');
    expect(feed.language).toBe('tr');
    expect(feed.items[0]).toMatchObject({
      guid: 'item-42',
      link: 'http://example.test/rss-item',
      author: 'Grace Hopper',
      categories: ['Tech', 'tech', 'Navy'],
      published: 'Tue, 05 Mar 2024 09:00:00 EST',
      summary: 'Summary text',
      content: '<p>Full <b>text</b></p>',
      enclosures: [
        { url: 'http://example.test/a.mp3', type: 'audio/mpeg', length: 100 },
        { url: 'http://example.test/b.ogg', type: 'audio/ogg', length: 200 },
        { url: 'http://example.test/c.jpg', type: 'image/jpeg', length: 300 },
      ],
    });
  });

  it('Atom: rel=alternate link, rel=enclosure, author name and email, category term, published and updated', async () => {
    const feed = await parse('atom-fields.atom');
    expect(feed.link).toBe('http://example.test/');
    expect(feed.items[0]).toMatchObject({
      guid: 'tag:example.test,2024:everything',
      link: 'http://example.test/everything?utm_source=rss&id=7',
      author: 'Ada Lovelace (ada@example.test)',
      categories: ['science', ' Science ', 'history'],
      published: '2024-03-01T10:00:00+01:00',
      updated: '2024-03-02T08:30:00Z',
      summary: 'Short',
      content: '<p>Long</p>',
      enclosures: [{ url: 'http://example.test/ep.mp3', type: 'audio/mpeg', length: 1234 }],
    });
  });

  it('Atom xml:base is carried to the items and the content element', async () => {
    const feed = await parse('xml-base.atom');
    expect(feed.base).toBe('http://example.test/blog/');
    expect(feed.items[0]).toMatchObject({ base: 'http://example.test/blog/2024/', contentBase: 'http://cdn.example.test/media/' });
    expect(feed.items[1]).toMatchObject({ base: 'http://example.test/blog/' });
  });

  it('JSON Feed 1.1: authors, tags, attachments, content_html or content_text', async () => {
    const feed = await parse('json-feed.json');
    expect(feed).toMatchObject({ format: 'json', title: 'JSON Feed', language: 'en' });
    expect(feed.items[0]).toMatchObject({ guid: '1', author: 'Item Author', categories: ['a', ' b ', 'A'], enclosures: [{ url: 'https://example.test/1.mp3', type: 'audio/mpeg', length: 9 }] });
    expect(feed.items[1]).toMatchObject({ guid: '2', author: 'Feed Author', content: 'Plain &lt;text&gt; &amp; more' });
  });
});
