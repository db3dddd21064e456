import { TidingsError } from '../shared/errors';

/** Stable fetch error codes, stored on the feed and shown by /api/sources. */
export type FetchErrorCode =
  | 'timeout'
  | 'too_large'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  | 'network'
  | 'http_404'
  | 'http_410'
  | 'http_4xx'
  | 'http_5xx'
  | 'rate_limited'
  | 'not_a_feed'
  | 'private_address'
  | 'bad_url'
  | 'redirect_loop'
  | 'too_many_redirects'
  | 'bad_encoding'
  /** Our own shutdown cancelled the fetch: not the feed's fault, nothing is recorded. */
  | 'aborted';

/** Codes that say "the network between us and the feed failed", not "the feed is broken". */
export const NETWORK_LEVEL_CODES: ReadonlySet<string> = new Set(['dns', 'refused', 'timeout', 'network']);

export class FetchError extends TidingsError {
  constructor(
    override readonly code: FetchErrorCode,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; url?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
