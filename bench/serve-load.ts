import autocannon from 'autocannon';
import type { ServeTarget } from './ingest-child';

/** Section 4: Tidings and the pre-rendered ceiling under the same load, per target. */
export interface LoadFigures {
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Answers with a status other than the one expected (200, or 304 with If-None-Match). */
  readonly unexpected: number;
}

export interface ServeFigures {
  readonly name: string;
  readonly bytes: number;
  readonly tidings: LoadFigures;
  readonly ceiling: LoadFigures;
  readonly ratio: number;
}

export const CONNECTIONS = 32;
/** Length of one load slice; see loadTargets. */
export const SLICE_SECONDS = 2;

/**
 * Each target's `seconds` of load is cut into slices of about SLICE_SECONDS,
 * alternated between Tidings and the ceiling in ABBA order (T C, C T, T C …),
 * and each side's slices are merged: requests over seconds, percentiles from
 * the merged latency histograms (autocannon's own aggregateResult). Run one
 * after the other, 10 s each, the two sides met different moments of a
 * shared machine: the 304 ratio of unchanged code ranged 0.62–1.16 between
 * runs. Alternating puts the machine's slow drift on both sides alike.
 */
export async function loadTargets(targets: readonly ServeTarget[], seconds: number): Promise<ServeFigures[]> {
  const out: ServeFigures[] = [];
  for (const t of targets) {
    const expected = t.headers['if-none-match'] ? '304' : '200';
    const slices = Math.max(1, Math.floor(seconds / SLICE_SECONDS));
    const sliceSeconds = seconds / slices;
    const ours: autocannon.RawResult[] = [];
    const bare: autocannon.RawResult[] = [];
    for (let i = 0; i < slices; i++) {
      const pair: Array<[string, autocannon.RawResult[]]> = [[t.url, ours], [t.ceilingUrl, bare]];
      if (i % 2 === 1) pair.reverse();
      for (const [url, into] of pair) into.push(await slice(url, t.headers, sliceSeconds));
    }
    const tidings = merged(t.url, ours, expected);
    const ceiling = merged(t.ceilingUrl, bare, expected);
    out.push({ name: t.name, bytes: t.bytes, tidings, ceiling, ratio: tidings.reqPerSec / ceiling.reqPerSec });
  }
  return out;
}

function slice(url: string, headers: Record<string, string>, seconds: number): Promise<autocannon.RawResult> {
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, headers, skipAggregateResult: true });
}

function merged(url: string, slices: readonly autocannon.RawResult[], expected: string): LoadFigures {
  // Requests and seconds are summed before aggregateResult, which counts
  // status codes into the first slice's object.
  const requests = slices.reduce((a, s) => a + s.totalCompletedRequests, 0);
  const elapsed = slices.reduce((a, s) => a + s.duration, 0);
  const r = autocannon.aggregateResult([...slices], { url, connections: CONNECTIONS });
  const ok = r.statusCodeStats[expected]?.count ?? 0;
  const answered = Object.values(r.statusCodeStats).reduce((a, s) => a + s.count, 0);
  return { reqPerSec: requests / elapsed, p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors + r.timeouts, unexpected: answered - ok };
}
