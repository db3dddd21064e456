/**
 * When to fetch a feed next. Pure: the clock, the feed's hints and the
 * randomness come in as arguments.
 */
export interface SchedulePolicy {
  /** No feed is fetched more often than this, whatever it asks. */
  readonly minIntervalSeconds: number;
  /** Nor less often than this, whatever its hints say (errors aside). */
  readonly maxIntervalSeconds: number;
  /** The longest wait after consecutive errors. */
  readonly backoffCeilingSeconds: number;
  /** Follow how often the feed publishes instead of the configured interval. */
  readonly adaptive: boolean;
}

export const DEFAULT_POLICY: SchedulePolicy = {
  minIntervalSeconds: 60,
  maxIntervalSeconds: 24 * 3600,
  backoffCeilingSeconds: 6 * 3600,
  adaptive: false,
};

/** What the feed and its server said about how often to come back. */
export interface FeedHints {
  /** RSS <ttl>, minutes. */
  readonly ttlMinutes?: number | null;
  /** sy:updatePeriod ÷ sy:updateFrequency, minutes. */
  readonly updatePeriodMinutes?: number | null;
  /** Response headers (Cache-Control, Expires), lower-case names. */
  readonly headers?: Readonly<Record<string, string>>;
  /** schedule.adaptive: the feed's new items in the last 7 days. */
  readonly itemsLastWeek?: number | null;
}

const WEEK_SECONDS = 7 * 24 * 3600;
/** A Retry-After is honoured up to a week: a hostile "come back in 10 years" must not drop the feed. */
const RETRY_AFTER_CAP_SECONDS = WEEK_SECONDS;

/** ±10% jitter so feeds added together drift apart instead of polling in lockstep. */
export function jitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.9 + 0.2 * random()));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** Cache-Control max-age in seconds, unless the response says not to cache at all. */
export function maxAgeSeconds(cacheControl: string | undefined): number | null {
  if (!cacheControl) return null;
  const cc = cacheControl.toLowerCase();
  if (/(^|[\s,])(no-store|no-cache)\b/.test(cc)) return null;
  const m = /(?:^|[\s,])max-age\s*=\s*"?(\d{1,10})"?/.exec(cc);
  return m ? Number(m[1]) : null;
}

/** Seconds until Expires (RFC 9111 §5.3); an invalid or past date is no hint. */
export function expiresInSeconds(expires: string | undefined, now: Date): number | null {
  if (!expires) return null;
  const at = Date.parse(expires);
  if (Number.isNaN(at) || at <= now.getTime()) return null;
  return Math.round((at - now.getTime()) / 1000);
}

/** Miniflux's entry-frequency rule: 7 days ÷ entries of the last week; none → the upper bound. */
export function adaptiveIntervalSeconds(itemsLastWeek: number, policy: SchedulePolicy): number {
  if (itemsLastWeek <= 0) return policy.maxIntervalSeconds;
  return clamp(Math.round(WEEK_SECONDS / itemsLastWeek), policy.minIntervalSeconds, policy.maxIntervalSeconds);
}

/**
 * The wait after a 200 or 304, in seconds before jitter:
 * max(interval, <ttl>, Cache-Control max-age, Expires, sy:updatePeriod), clamped
 * to the policy's bounds. In adaptive mode the publishing rate replaces the interval;
 * the feed's own hints are still floors.
 */
export function successIntervalSeconds(now: Date, intervalSeconds: number, policy: SchedulePolicy, hints: FeedHints = {}): number {
  const base = policy.adaptive && hints.itemsLastWeek != null ? adaptiveIntervalSeconds(hints.itemsLastWeek, policy) : intervalSeconds;
  const floors = [
    base,
    (hints.ttlMinutes ?? 0) * 60,
    (hints.updatePeriodMinutes ?? 0) * 60,
    maxAgeSeconds(hints.headers?.['cache-control']) ?? 0,
    expiresInSeconds(hints.headers?.['expires'], now) ?? 0,
  ].filter((n) => Number.isFinite(n));
  return clamp(Math.max(...floors), policy.minIntervalSeconds, policy.maxIntervalSeconds);
}

export function nextAfterSuccess(
  now: Date,
  intervalSeconds: number,
  policy: SchedulePolicy = DEFAULT_POLICY,
  hints: FeedHints = {},
  random?: () => number,
): Date {
  const seconds = successIntervalSeconds(now, intervalSeconds, policy, hints);
  const ms = clamp(jitter(seconds * 1000, random), policy.minIntervalSeconds * 1000, policy.maxIntervalSeconds * 1000);
  return new Date(now.getTime() + ms);
}

/**
 * Exponential backoff from the feed's interval, with jitter, capped at the
 * ceiling; never infinite, so a feed that comes back is picked up again
 * without anyone clicking (Miniflux #879).
 */
export function nextAfterError(
  now: Date,
  intervalSeconds: number,
  consecutiveErrors: number,
  policy: SchedulePolicy = DEFAULT_POLICY,
  random?: () => number,
): Date {
  const base = intervalSeconds * 1000 * 2 ** clamp(consecutiveErrors, 0, 30);
  const ceiling = Math.max(policy.backoffCeilingSeconds, intervalSeconds) * 1000;
  return new Date(now.getTime() + Math.min(jitter(Math.min(base, ceiling), random), ceiling));
}

/**
 * A 429, or a 503 with Retry-After: not an error. The feed waits at least
 * what the server asked (capped at a week) and at least its usual interval.
 */
export function nextAfterRateLimit(now: Date, intervalSeconds: number, retryAfterMs: number | undefined, policy: SchedulePolicy = DEFAULT_POLICY): Date {
  const asked = Math.min(retryAfterMs ?? 0, RETRY_AFTER_CAP_SECONDS * 1000);
  const usual = clamp(intervalSeconds, policy.minIntervalSeconds, policy.maxIntervalSeconds) * 1000;
  return new Date(now.getTime() + Math.max(asked, usual));
}
