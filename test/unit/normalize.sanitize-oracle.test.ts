import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { sanitizeContent } from '../../src/normalize/sanitize';
import { sanitizeWithLibrary } from '../../src/normalize/sanitize-library';

/**
 * The ingest sanitizer (a walker over htmlparser2 events) against
 * sanitize-html with the same allow-list: byte-identical output, on
 * generated hostile HTML and on every fixture the project has.
 */
const BASES = ['http://feed.test/a/b.html', 'https://x.test/', null] as const;
const HOSTS = [[], ['www.youtube.com']] as const;

function expectSame(html: string): void {
  for (const baseUrl of BASES) {
    for (const iframeHosts of HOSTS) {
      const opts = { baseUrl, iframeHosts };
      const ours = sanitizeContent(html, opts);
      const theirs = sanitizeWithLibrary(html, opts);
      if (ours !== theirs) throw new Error(`walker and sanitize-html differ (base ${baseUrl}, hosts ${iframeHosts.join(',')}) on ${JSON.stringify(html)}:\n  walker:        ${JSON.stringify(ours)}\n  sanitize-html: ${JSON.stringify(theirs)}`);
    }
  }
}

// Tags of every kind htmlparser2 treats differently: allowed, dropped with their
// text, raw-text, void, implied-close, foreign (svg/math), and unknown ones.
const tagName = fc.constantFrom(
  'p', 'div', 'a', 'img', 'br', 'hr', 'b', 'i', 'span', 'h1', 'li', 'ul', 'table', 'tr', 'td', 'th', 'time', 'source', 'picture', 'video',
  'audio', 'iframe', 'figure', 'script', 'style', 'textarea', 'title', 'option', 'select', 'form', 'button', 'noscript', 'head', 'xmp',
  'svg', 'math', 'object', 'embed', 'font', 'center', 'input', 'link', 'meta', 'base', 'body', 'html', 'iframe', 'plaintext', 'template',
  'A', 'IMG', 'Script', 'x-y', 'foo:bar',
);
const attrName = fc.constantFrom(
  'href', 'src', 'srcset', 'alt', 'title', 'width', 'height', 'rel', 'target', 'lang', 'dir', 'colspan', 'scope', 'datetime', 'controls',
  'poster', 'allowfullscreen', 'onclick', 'onerror', 'style', 'class', 'id', 'cite', 'data', 'type', 'media', 'HREF', 'x"y', 'a=b', "o'k",
);
const attrValue = fc.oneof(
  fc.constantFrom(
    '', '1', '0', ' 1 ', '100', 'javascript:alert(1)', ' JaVaScRiPt:x', 'jav&#x09;ascript:x', 'java\tscript:x', 'data:image/png;base64,AA',
    'data:text/html,<b>', '/rel/x?a=1&b=2', 'rel', '../up', '//evil.test/x', 'https://www.youtube.com/embed/1', 'https://evil.test/e',
    'http://a.test/i.jpg 1x, /b.jpg 2x', 'a.jpg 100w, javascript:x 2x', ',,,', 'mailto:x@y.test', 'tel:1', '<!--x-->javascript:y', '"q"',
    "a'b", '&amp;&lt;&#34;', '\u0000', 'https://www.youtube.com:443/e', 'relative://relative-site/x', '\\\\evil.test',
  ),
  fc.string({ maxLength: 8 }),
);
const quoted = (v: string) => fc.constantFrom(`"${v.replace(/"/g, '&quot;')}"`, `'${v.replace(/'/g, '&#39;')}'`, v.replace(/[\s>]/g, ''));
const attr = fc.tuple(attrName, attrValue).chain(([n, v]) => fc.oneof(fc.constant(` ${n}`), quoted(v).map((q) => ` ${n}=${q}`)));
const openTag = fc.tuple(tagName, fc.array(attr, { maxLength: 4 }), fc.boolean()).map(([t, as, selfClose]) => `<${t}${as.join('')}${selfClose ? '/' : ''}>`);
const closeTag = tagName.map((t) => `</${t}>`);
const text = fc.oneof(
  fc.constantFrom('text', ' ', '\n', '&amp;', '&lt;b&gt;', '&nbsp;', '&#x3C;', '&bogus;', '&', '<', '>', '"', "'", ']]>', '\u00a0', 'é', '😀'),
  fc.string({ maxLength: 6 }),
);
const other = fc.constantFrom('<!-- c -->', '<!--', '<![CDATA[x<b>]]>', '<?pi x?>', '<!DOCTYPE html>', '</>', '<>', '< p>', '<p', '<a href="x');
const html = fc.array(fc.oneof({ weight: 4, arbitrary: openTag }, { weight: 3, arbitrary: closeTag }, { weight: 4, arbitrary: text }, { weight: 1, arbitrary: other }), { maxLength: 30 }).map((ps) => ps.join(''));

describe('the ingest sanitizer gives what sanitize-html gives for the same allow-list', () => {
  it('on generated hostile HTML', () => {
    fc.assert(fc.property(html, (h) => expectSame(h)), { numRuns: Number(process.env.ORACLE_RUNS ?? 3000) });
  });

  it('on the cases each rule was written for', () => {
    for (const h of [
      '<p onclick="x()" onmouseover=y>Hi<script>alert(1)</script><style>p{}</style></p><form action="/f"><input name=a><button>Go</button></form>',
      '<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(1)">b</a><a href="mailto:a@b.test">m</a><a>none</a>',
      '<img src="data:image/png;base64,AAAA" alt="i"><img src="data:text/html,x"><img alt="">',
      '<iframe src="https://evil.test/x"></iframe><iframe src="https://www.youtube.com/embed/1"></iframe><iframe src="/rel"></iframe><iframe></iframe>',
      '<a href="../2" target="_blank" rel="nofollow">next</a><img src="/p.jpg" srcset="a.jpg 1x, /b.jpg 2x, javascript:x 3x">',
      '<p>x<img src="http://t.test/p.gif" width="1" height="1"><img src=a width=" 0 " height=1></p>',
      '<p>a<svg onload="x()"><h1>b</h1></svg>c',
      '<select><option>a<p>b</select>after<textarea><b>raw</b></textarea><noscript><p>n</p></noscript><title>t</title>',
      '<table><tr><td colspan=2 rowspan="x" style="y">c<th scope=row>h</table><ul><li>a<li>b</ul>',
      '<video src="v.mp4" poster="p.jpg" controls><source src="s.webm" type="video/webm"><source src="javascript:x"></video><audio controls=""></audio>',
      '<picture><source srcset="x.webp 1x" media="(min-width: 1px)"><img src="y.jpg"></picture>',
      '<p lang="tr" dir="rtl" id="x" class="c">İstanbul &amp; &lt;İzmir&gt; &quot;q&quot;</p>',
      '<div><p>unclosed<div>nested<b>bold',
      '<a href="http://x.test/?a=1&amp;b=&quot;2&quot;">q</a>',
      'plain & text < with > markup characters',
    ]) {
      expectSame(h);
    }
  });

  it('on the HTML of every feed fixture', async () => {
    const { parseFeedBody } = await import('../../src/parse');
    let checked = 0;
    for (const dir of ['unit', 'feeds']) {
      const root = path.join(__dirname, '..', 'fixtures', dir);
      for (const name of readdirSync(root)) {
        if (!/\.(xml|atom|rss|rdf|json)$/.test(name)) continue;
        const parsed = await parseFeedBody(readFileSync(path.join(root, name)), null).catch(() => null);
        for (const it of parsed?.feed.items ?? []) {
          for (const h of [it.content, it.summary]) {
            if (!h) continue;
            expectSame(h);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
