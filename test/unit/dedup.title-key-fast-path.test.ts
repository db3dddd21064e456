import fc from 'fast-check';
import { titleKey, titleKeyGeneral } from '../../src/dedup/keys';

// Stored title keys must never change: the one-pass path must give the whole-text definition's key.
describe('the title key', () => {
  it('is the general definition’s for every BMP character, alone and between letters', () => {
    const contexts = [(c: string) => `é${c}`, (c: string) => `ab ${c}cd`, (c: string) => `Ж${c}${c}я`, (c: string) => `${c}\u0301 ü`, (c: string) => `ı${c}`];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCharCode(cp);
      for (const ctx of contexts) {
        const text = ctx(ch);
        const fast = titleKey(text);
        const slow = titleKeyGeneral(text);
        if (fast !== slow) throw new Error(`U+${cp.toString(16).padStart(4, '0')} in ${JSON.stringify(text)}: ${JSON.stringify(fast)} against ${JSON.stringify(slow)}`);
      }
    }
  });

  it('is the general definition’s for generated headlines', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        ' ', '  ', '-', ',', ':', '’', '«', '»', '\u00a0', '\u00ad', '\u200b', 'AA - ', 'UPDATE 2-', 'Türkiye', 'TÜRKİYE', 'Iğdır', 'ılık', 'I\u0307',
        'Москва', 'ЙОД', 'и\u0306', 'ΟΔΟΣ', 'Σ', 'Ϲ', 'سوريا', 'أحمد', 'ـ', 'שָׁלוֹם', '가나', '\u1100\u1161', '\u3131\u314f', 'ｶﾞ', 'Ａ１', 'ﬁ', '½', 'ß', 'Å',
        '😀', 'e\u0301', 'ǅ', '㍿', 'Ⅻ', 'Idlib', 'İdlib', '2020',
      ),
      fc.string({ maxLength: 4 }),
      fc.string({ unit: 'binary', maxLength: 3 }),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
      const text = parts.join('');
      expect(titleKey(text)).toBe(titleKeyGeneral(text));
    }), { numRuns: 20000 });
  });
});
