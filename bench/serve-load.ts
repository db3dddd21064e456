import autocannon from 'autocannon';
import type { ServeTarget } from './ingest-child';

/** Section 4: one autocannon run against Tidings and one against the pre-rendered ceiling, per target. */
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

export async function loadTargets(targets: readonly ServeTarget[], seconds: number): Promise<ServeFigures[]> {
  const out: ServeFigures[] = [];
  for (const t of targets) {
    const expected = t.headers['if-none-match'] ? '304' : '200';
    const tidings = await load(t.url, t.headers, seconds, expected);
    const ceiling = await load(t.ceilingUrl, t.headers, seconds, expected);
    out.push({ name: t.name, bytes: t.bytes, tidings, ceiling, ratio: tidings.reqPerSec / ceiling.reqPerSec });
  }
  return out;
}

async function load(url: string, headers: Record<string, string>, seconds: number, expected: string): Promise<LoadFigures> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });
  const ok = r.statusCodeStats[expected]?.count ?? 0;
  const answered = Object.values(r.statusCodeStats).reduce((a, s) => a + s.count, 0);
  return { reqPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors + r.timeouts, unexpected: answered - ok };
}
