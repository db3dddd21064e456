import fc from 'fast-check';
import { foldedTokens, foldText, tokenize } from '../../src/topics/fold';

const general = (text: string, sensitive: boolean) => tokenize(foldText(text, sensitive));

describe('folding and tokenizing in one pass', () => {
  it('gives the general path’s tokens for every BMP character, alone and between letters, in both modes', () => {
    const contexts = [(c: string) => c, (c: string) => `ab${c}cd`, (c: string) => `${c}${c}`, (c: string) => `Ж${c} ${c}é`, (c: string) => `${c}\u0301`];
    for (const sensitive of [false, true]) {
      for (let cp = 0; cp <= 0xffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const ch = String.fromCharCode(cp);
        for (const ctx of contexts) {
          const text = ctx(ch);
          const fast = foldedTokens(text, sensitive);
          const slow = general(text, sensitive);
          if (fast.length !== slow.length || fast.some((t, i) => t !== slow[i])) {
            throw new Error(`U+${cp.toString(16).padStart(4, '0')} in ${JSON.stringify(text)} (sensitive ${sensitive}): ${JSON.stringify(fast)} against ${JSON.stringify(slow)}`);
          }
        }
      }
    }
  });

  it('gives the general path’s tokens for generated text in the scripts feeds are written in', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        ' ', '  ', '\n', '-', ',', '.', '’', '«', '»', '\u00a0', '\u00ad', '\u200b', '\u200d', 'Türkiye', 'TÜRKİYE', 'Iğdır', 'ılık', 'İ', 'I\u0307',
        'Москва', 'ёлка', 'ЙОД', 'й', 'и\u0306', 'ΟΔΟΣ', 'Σ', 'σς', 'سوريا', 'سُورِيَا', 'أحمد', 'مدرسة', 'ـ', 'שָׁלוֹם', '가나', '\u1100\u1161', '\u3131\u314f',
        'ｶﾞ', 'Ａ１', 'ﬁ', '½', '²', 'ß', 'ẞ', 'Å', 'A\u030a', '😀', '🇹🇷', 'e\u0301', '\u0301', 'ǅ', 'ﷲ', '㍿', 'Ⅻ',
      ),
      fc.string({ maxLength: 4 }),
      fc.string({ unit: 'binary', maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.boolean(), (parts, sensitive) => {
        const text = parts.join('');
        expect(foldedTokens(text, sensitive)).toEqual(general(text, sensitive));
      }),
      { numRuns: 20000 },
    );
  });
});
