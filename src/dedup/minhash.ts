import { FNV_OFFSET, FNV_PRIME, hash32 } from './shingles';

/**
 * MinHash with LSH banding. BANDS × ROWS hash functions; two sets share at
 * least one band key with probability 1 − (1 − J^ROWS)^BANDS: with 8 × 4
 * that is 0.40 at J = 0.5, 0.67 at J = 0.6, 0.89 at J = 0.7, 0.99 at
 * J = 0.8, and 0.013 at J = 0.2. Band keys only find candidates; the merge
 * decision uses the exact Jaccard of the stored shingle sets, and a copy
 * missed by its bands is often still found by its title or URL key, or
 * through another member of its story.
 *
 * Chosen with dedup-eval and the bench (sql/0009): 8 × 4 scores the same as
 * 6 × 3, the earlier setting, on the strict set (precision 1.000, recall
 * 0.896) and on news-clusters (precision 0.949 against 0.939, recall 0.0135
 * against 0.0138 of its broad-event pairs), and finds every cross-publisher
 * reprint of the bench corpus as 6 × 3 did, with 2.6 distinct candidates
 * per item instead of 11.5 at 45,000 items: with three rows, bands of a few
 * common words collide across unrelated items. Candidate rows were most of
 * the linker's cost (fetched, sent and parsed row by row); in alternating
 * cold ingests of 1,000 feeds, 8 × 4 took 24.5–31.6 s against 30.8–31.9 s,
 * with less CPU on both sides, for two more index keys per item.
 * Changing the seeds or ROWS changes every stored key, so they are not
 * configurable; stored 6 × 3 keys are re-keyed once (legacyBandKeys).
 */
export const BANDS = 8;
export const ROWS = 4;
const NUM_HASHES = BANDS * ROWS;
/** The 6 × 3 bands stored before sql/0009: the first 18 hash functions, three to a band. */
const LEGACY_BANDS = 6;
const LEGACY_ROWS = 3;

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
  return bandsOf(sig, BANDS, ROWS);
}

/**
 * The band keys the 6 × 3 setting stored (before sql/0009), from a signature
 * of this module's: only the story linker's one-time re-keying of stored
 * items asks for them, to delete them. A band of three rows writes three
 * values after "b<n>:", a band of four writes four, so the two never share a key.
 */
export function legacyBandKeys(sig: readonly number[]): string[] {
  return bandsOf(sig, LEGACY_BANDS, LEGACY_ROWS);
}

function bandsOf(sig: readonly number[], bands: number, rows: number): string[] {
  if (sig.length === 0) return [];
  const keys: string[] = [];
  for (let b = 0; b < bands; b++) keys.push(bandKey(sig, b, rows));
  return keys;
}

const KEY_SEED_LO = FNV_PRIME ^ 0x5bd1e995;

/** A signed 64-bit key from two independent 32-bit hashes of a string. */
export function key64(s: string): string {
  return int64Decimal(hash32(s), hash32(s, KEY_SEED_LO));
}

/**
 * key64(`b${band}:${rows of sig, joined by ","}`), with the string built by
 * concatenation instead of a slice and a join, and both hashes taken in one
 * pass over it: the story step computes eight of these per item.
 * test/unit/dedup.minhash-keys.test.ts checks that the keys are the same.
 */
function bandKey(sig: readonly number[], band: number, rows: number): string {
  let s = `b${band}:`;
  for (let r = 0, at = band * rows; r < rows; r++, at++) s += r === 0 ? `${sig[at]!}` : `,${sig[at]!}`;
  // hash32 with its two seeds, fused into one loop.
  let hi = FNV_OFFSET;
  let lo = KEY_SEED_LO;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    hi = Math.imul(hi ^ c, FNV_PRIME);
    lo = Math.imul(lo ^ c, FNV_PRIME);
  }
  return int64Decimal(hi >>> 0, lo >>> 0);
}

/** The decimal string of the signed 64-bit integer with these high and low 32 bits. */
function int64Decimal(hi: number, lo: number): string {
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}
