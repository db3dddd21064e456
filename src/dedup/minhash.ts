import { hash32 } from './shingles';

/**
 * MinHash with LSH banding. BANDS × ROWS hash functions; two sets share at
 * least one band key with probability 1 − (1 − J^ROWS)^BANDS: with 6 × 3
 * that is 0.55 at J = 0.5, 0.77 at J = 0.6, 0.92 at J = 0.7, 0.99 at
 * J = 0.8, and 0.05 at J = 0.2. Band keys only find candidates; the merge
 * decision uses the exact Jaccard of the stored shingle sets, and a copy
 * missed by its bands is often still found by its title or URL key, or
 * through another member of its story.
 * Chosen with dedup-eval and the bench: 6 × 3 scores the same as 10 × 3
 * (and 6 × 2, 8 × 3) on the strict set (precision 1.000, recall 0.896) and
 * on news-clusters (precision 0.94, recall 0.015 of its broad-event pairs),
 * with 8 index keys per item instead of 12; 6 × 2 fetched ~300 false
 * candidates per item at 50,000 bench items (6 × 3: ~24), and index keys and
 * candidate rows are most of the story step's cost. The first 6 bands of
 * 10 × 3 (the earlier setting) are these 6 bands, so keys stored before stay
 * valid. Changing the seeds or ROWS changes every stored key, so they are
 * not configurable.
 */
export const BANDS = 6;
export const ROWS = 3;
const NUM_HASHES = BANDS * ROWS;

// murmur3's finalizer: a cheap, well-mixed permutation of 32-bit integers.
function fmix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const SEEDS: readonly number[] = Array.from({ length: NUM_HASHES }, (_, i) => fmix32(0x9e3779b9 + i * 0x632be5ab));

/** The MinHash signature of a shingle set (empty set → empty signature). */
export function signature(shingles: readonly number[]): number[] {
  if (shingles.length === 0) return [];
  const sig = new Array<number>(NUM_HASHES).fill(0xffffffff);
  for (const s of shingles) {
    for (let i = 0; i < NUM_HASHES; i++) {
      const h = fmix32(s ^ SEEDS[i]!);
      if (h < sig[i]!) sig[i] = h;
    }
  }
  return sig;
}

/**
 * One 64-bit key per band (as a decimal string for a Postgres bigint). The
 * band number goes into the hash, so equal rows in different bands differ.
 */
export function bandKeys(sig: readonly number[]): string[] {
  if (sig.length === 0) return [];
  const keys: string[] = [];
  for (let b = 0; b < BANDS; b++) {
    const part = `b${b}:${sig.slice(b * ROWS, b * ROWS + ROWS).join(',')}`;
    keys.push(key64(part));
  }
  return keys;
}

/** A signed 64-bit key from two independent 32-bit hashes of a string. */
export function key64(s: string): string {
  const hi = hash32(s);
  const lo = hash32(s, 0x01000193 ^ 0x5bd1e995);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}
