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
  | 'bad_encoding';

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
