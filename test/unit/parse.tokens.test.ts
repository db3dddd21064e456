import fc from 'fast-check';
import { tokenEnd } from '../../src/parse/xml-prepare';

// The pre-pass's tokenizer is a hand-written form of this pattern (kept here as its specification).
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<\?[\s\S]*?(?:\?>|$)|<!(?:[^>[]|\[[^\]]*\]?)*>?|<\/?[A-Za-z_][^<>]*>?|[^<]+|</g;

function byPattern(xml: string): string[] {
  return [...xml.matchAll(TOKEN)].map((m) => m[0]);
}

function byTokenEnd(xml: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < xml.length; ) {
    const end = tokenEnd(xml, at);
    out.push(xml.slice(at, end));
    at = end;
  }
  return out;
}

describe('the pre-pass tokenizer', () => {
  it('splits documents as the token pattern does, including constructs cut off by the end', () => {
    const piece = fc.constantFrom(
      '<', '>', '/', '!', '?', '[', ']', '-', '--', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', '<!DOCTYPE x [', '<!ENTITY e "v">', '<a', '</a', '<_x',
      '<1', '< b', '</>', '<>', 'text', ' ', '\n', '&amp;', '"', "'", '=', 'b="c"', '<!', '<!-', '<![', '<![CDATA', 'é',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 3 })), { maxLength: 30 }), (parts) => {
        const xml = parts.join('');
        expect(byTokenEnd(xml)).toEqual(byPattern(xml));
      }),
      { numRuns: 20000 },
    );
  });
});
