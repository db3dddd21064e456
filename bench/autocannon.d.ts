// autocannon ships no types; this is the part of its programmatic API the bench uses.
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
    pipelining?: number;
    /** Resolve with the raw result (encoded histograms), to merge with aggregateResult. */
    skipAggregateResult?: boolean;
  }
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
    max: number;
  }
  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
    statusCodeStats: Record<string, { count: number }>;
  }
  /** What a run resolves with under skipAggregateResult. */
  interface RawResult {
    totalCompletedRequests: number;
    duration: number;
    errors: number;
    timeouts: number;
    statusCodeStats: Record<string, { count: number }>;
  }
  function autocannon(opts: Options & { skipAggregateResult: true }): Promise<RawResult>;
  function autocannon(opts: Options): Promise<Result>;
  namespace autocannon {
    export type { RawResult, Result, Options };
    export function aggregateResult(results: RawResult[], opts?: { connections?: number; url?: string }): Result;
  }
  export = autocannon;
}
