import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseFeedText } from '../../src/parse';
import { prepareXml } from '../../src/parse/xml-prepare';

/**
 * The pre-pass lifts long item text out of the document before sax sees it
 * and puts it back afterwards. That must never change what is parsed.
 */
async function both(xml: string): Promise<[unknown, unknown]> {
  const run = (lift: boolean) =>
    parseFeedText(xml, undefined, { lift }).then(
      (f) => f,
      (e: Error & { code?: string }) => `error ${e.code}`,
    );
  return [await run(true), await run(false)];
}

const LONG = 'Ankara and Moscow agreed on a ceasefire in Idlib after talks that lasted for most of the night.';
const rss = (item: string) => `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://x.test/</link>${item}</channel></rss>`;

describe('lifting long text out of sax’s way', () => {
  it('lifts item HTML and gives the same feed as parsing without it', async () => {
    const xml = rss(`<item><title>A</title><description><![CDATA[<p>${LONG}</p>]]></description><content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[<p>${LONG} <b>more</b></p>]]></content:encoded></item>`);
    expect(prepareXml(xml, { lift: true }).lifted).toHaveLength(2);
    const [lifted, plain] = await both(xml);
    expect(lifted).toEqual(plain);
    expect(JSON.stringify(lifted)).toContain(`<p>${LONG} <b>more</b></p>`);
  });

  it('decodes references in lifted text exactly as sax does, and leaves the ones sax refuses to sax', async () => {
    for (const text of [
      `${LONG} &amp; &lt;b&gt; &quot;q&quot; &apos;a&apos; &AMP; &#233; &#xE9; &#X00e9; &#0233; 😀`,
      `${LONG} &#1; (a control character sax refuses)`,
      `${LONG} &#xD800; (a lone surrogate)`,
      `${LONG} &#99999999; &#x; &#;`,
      `${LONG} &nbsp;&eacute;&shy; (HTML entities, made numeric first)`,
      `${LONG} bare & ampersand`,
    ]) {
      const [lifted, plain] = await both(rss(`<item><title>A</title><description>${text}</description></item>`));
      expect(lifted).toEqual(plain);
    }
  });

  it('keeps mixed text, CDATA and whitespace-only sections as xml2js joins them', async () => {
    for (const body of [
      `before <![CDATA[${LONG}]]> after`,
      `<![CDATA[   ]]>`,
      `<![CDATA[${' '.repeat(80)}]]>`,
      `${' '.repeat(80)}`,
      `<![CDATA[${LONG}]]><![CDATA[${LONG}]]>`,
      `<![CDATA[${LONG} ]]]]><![CDATA[> inside]]>`,
    ]) {
      const [lifted, plain] = await both(rss(`<item><title>A</title><description>${body}</description></item>`));
      expect(lifted).toEqual(plain);
      // With attributes, xml2js keeps text next to them only when it is not whitespace.
      const [liftedTyped, plainTyped] = await both(rss(`<item><title>A</title><description type="html">${body}</description></item>`));
      expect(liftedTyped).toEqual(plainTyped);
    }
    // Whitespace-only text next to a child element.
    const [lifted, plain] = await both(rss(`<item><title>A</title><content:encoded xmlns:content="urn:c" a="1">${' '.repeat(80)}<x/>${' '.repeat(80)}</content:encoded></item>`));
    expect(lifted).toEqual(plain);
  });

  it('never lifts a document that already holds the placeholder characters', async () => {
    const xml = rss(`<item><title>A</title><description>${LONG} \uE000 0 \uE001 \uE0000\uE001</description></item>`);
    expect(prepareXml(xml, { lift: true }).lifted).toHaveLength(0);
    const [lifted, plain] = await both(xml);
    expect(lifted).toEqual(plain);
  });

  it('gives the same feed for inline XHTML, Atom content and truncated documents', async () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><entry><title>E</title><id>1</id>
      <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>${LONG}</p></div></content>
      <summary type="html">&lt;p&gt;${LONG}&lt;/p&gt;</summary></entry></feed>`;
    for (const xml of [atom, atom.slice(0, atom.length - 30), rss(`<item><description><p>naked ${LONG}</p></description></item>`)]) {
      const [lifted, plain] = await both(xml);
      expect(lifted).toEqual(plain);
    }
  });

  it('gives the same feed for every fixture, and for generated item text', async () => {
    for (const dir of ['unit', 'feeds']) {
      const root = path.join(__dirname, '..', 'fixtures', dir);
      for (const name of readdirSync(root).filter((n) => /\.(xml|atom)$/.test(n))) {
        const xml = readFileSync(path.join(root, name), 'latin1');
        const [lifted, plain] = await both(xml);
        expect(lifted).toEqual(plain);
      }
    }
    const piece = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('&amp;', '&#233;', '&#1;', '&', ']]>', '<![CDATA[x]]>', '<b>', '</b>', LONG, '\r\n', '\uE000'));
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 8 }), async (parts) => {
        const [lifted, plain] = await both(rss(`<item><title>A</title><description>${parts.join('')}</description></item>`));
        expect(lifted).toEqual(plain);
      }),
      { numRuns: 300 },
    );
  });
});
