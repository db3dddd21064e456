import { bandKeys, BANDS, key64, legacyBandKeys, ROWS, signature } from '../../src/dedup/minhash';
import { hash32, shingleSet, storyTokens } from '../../src/dedup/shingles';

/**
 * Band keys are stored (story_keys): a change to how they are computed must
 * not change one of them. The reference is the string and BigInt path they
 * were first computed with: key64 of "b<band>:<rows joined by ','>".
 */
const reference = (s: string): string => BigInt.asIntN(64, (BigInt(hash32(s)) << 32n) | BigInt(hash32(s, 0x01000193 ^ 0x5bd1e995))).toString();
const referenceBands = (sig: readonly number[], bands: number, rows: number): string[] =>
  Array.from({ length: bands }, (_, b) => reference(`b${b}:${sig.slice(b * rows, b * rows + rows).join(',')}`));

// mulberry32, seeded: the same values every run.
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

test('band keys (8 × 4, and the legacy 6 × 3) are the keys of the string path, for real and random signatures', () => {
  const next = rng(11);
  const sigs = [
    signature(shingleSet(storyTokens('Turkey deploys army in Idlib, citing failure of negotiations with Russia', null))),
    signature(shingleSet(storyTokens('Турция ввела войска в Идлиб после провала переговоров с Россией', null))),
    Array.from({ length: BANDS * ROWS }, () => 0),
    Array.from({ length: BANDS * ROWS }, () => 0xffffffff),
    ...Array.from({ length: 2000 }, () => Array.from({ length: BANDS * ROWS }, () => (next() % 3 === 0 ? next() % 1000 : next()))),
  ];
  for (const sig of sigs) {
    expect(bandKeys(sig)).toEqual(referenceBands(sig, BANDS, ROWS));
    expect(legacyBandKeys(sig)).toEqual(referenceBands(sig, 6, 3));
  }
  expect(bandKeys([])).toEqual([]);
});

test('stored keys do not change: the Idlib headline keeps the keys it was first stored with', () => {
  const sig = signature(shingleSet(storyTokens('Turkey deploys army in Idlib, citing failure of negotiations with Russia', null)));
  // Computed with the string and BigInt path before this module computed band keys without strings.
  expect(bandKeys(sig)).toEqual([
    '5006679121854901463', '7111785246851855125', '213203570985302913', '-5368207942011724908',
    '4759388286104014155', '1641542072372706634', '8283930531393553682', '6679747033106387212',
  ]);
  expect(legacyBandKeys(sig)[1]).toBe('-5727535809470162227');
  expect(key64('u:https://example.com/a')).toBe('2856696988103286395');
  expect(key64('u:https://example.com/a')).toBe(reference('u:https://example.com/a'));
});
