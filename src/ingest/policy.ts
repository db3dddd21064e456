/** When to fetch a feed next. Pure; the clock and randomness come in as arguments. */
export const BACKOFF_CEILING_MS = 6 * 3600_000;

/** ±10% jitter so feeds added together drift apart instead of polling in lockstep. */
export function jitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.9 + 0.2 * random()));
}

export function nextAfterSuccess(now: Date, intervalSeconds: number, random?: () => number): Date {
  return new Date(now.getTime() + jitter(intervalSeconds * 1000, random));
}

/**
 * Exponential backoff from the feed's interval, capped; never infinite, so a
 * feed that comes back is picked up again without anyone clicking.
 */
export function nextAfterError(now: Date, intervalSeconds: number, consecutiveErrors: number, random?: () => number): Date {
  const base = intervalSeconds * 1000 * 2 ** Math.min(Math.max(consecutiveErrors, 0), 16);
  return new Date(now.getTime() + jitter(Math.min(base, BACKOFF_CEILING_MS), random));
}
