import { parseRetryAfter } from '../../src/fetch/fetcher';
import {
  adaptiveIntervalSeconds,
  DEFAULT_POLICY,
  maxAgeSeconds,
  nextAfterError,
  nextAfterRateLimit,
  nextAfterSuccess,
  successIntervalSeconds,
  type SchedulePolicy,
} from '../../src/ingest/policy';
import { parseConfig } from '../../src/config/load';
import { parseFeedText } from '../../src/parse';

/** The scheduling rules, pure: the clock and the randomness are arguments. No I/O. */

const now = new Date('2026-03-01T12:00:00Z');
const policy: SchedulePolicy = { minIntervalSeconds: 300, maxIntervalSeconds: 24 * 3600, backoffCeilingSeconds: 6 * 3600, adaptive: false };
const low = () => 0;
const high = () => 0.999999;
const wait = (d: Date) => (d.getTime() - now.getTime()) / 1000;

test('the next fetch is the largest of interval, ttl, updatePeriod, max-age and Expires', () => {
  expect(successIntervalSeconds(now, 900, policy)).toBe(900);
  expect(successIntervalSeconds(now, 900, policy, { ttlMinutes: 60 })).toBe(3600);
  expect(successIntervalSeconds(now, 900, policy, { updatePeriodMinutes: 120 })).toBe(7200);
  expect(successIntervalSeconds(now, 900, policy, { headers: { 'cache-control': 'public, max-age=1800' } })).toBe(1800);
  expect(successIntervalSeconds(now, 900, policy, { headers: { expires: new Date(now.getTime() + 5400_000).toUTCString() } })).toBe(5400);
  // Smaller hints never pull a feed in sooner than its interval.
  expect(successIntervalSeconds(now, 900, policy, { ttlMinutes: 1, headers: { 'cache-control': 'max-age=10' } })).toBe(900);
});

test('hints are clamped to the bounds, and no-cache is no hint', () => {
  expect(successIntervalSeconds(now, 900, policy, { ttlMinutes: 60 * 24 * 30 })).toBe(24 * 3600);
  expect(successIntervalSeconds(now, 10, policy)).toBe(300);
  expect(maxAgeSeconds('no-cache, max-age=99999')).toBeNull();
  expect(maxAgeSeconds('s-maxage=5, max-age=60')).toBe(60);
});

test('jitter stays within ±10% and inside the bounds', () => {
  expect(wait(nextAfterSuccess(now, 1000, policy, {}, low))).toBe(900);
  expect(wait(nextAfterSuccess(now, 1000, policy, {}, high))).toBeCloseTo(1100, 0);
  expect(wait(nextAfterSuccess(now, 300, policy, {}, low))).toBe(300);
});

test('adaptive mode follows the publishing rate: 7 days ÷ items of the last week, clamped', () => {
  const adaptive = { ...policy, adaptive: true };
  expect(adaptiveIntervalSeconds(7 * 24, adaptive)).toBe(3600); // one an hour
  expect(adaptiveIntervalSeconds(100_000, adaptive)).toBe(300);
  expect(adaptiveIntervalSeconds(0, adaptive)).toBe(24 * 3600);
  expect(successIntervalSeconds(now, 900, adaptive, { itemsLastWeek: 7 * 24 })).toBe(3600);
  // The feed's own hints are still floors.
  expect(successIntervalSeconds(now, 900, adaptive, { itemsLastWeek: 100_000, ttlMinutes: 30 })).toBe(1800);
  // Without a count (not measured), the interval stands.
  expect(successIntervalSeconds(now, 900, adaptive, {})).toBe(900);
});

test('errors back off exponentially with jitter up to the ceiling, and never stop', () => {
  const waits = [1, 2, 3, 4, 5, 10, 1000].map((n) => wait(nextAfterError(now, 900, n, policy, low)));
  expect(waits.slice(0, 4)).toEqual([1620, 3240, 6480, 12960]);
  expect(waits[5]).toBeLessThanOrEqual(6 * 3600);
  expect(waits[6]).toBeLessThanOrEqual(6 * 3600);
  expect(waits[6]).toBeGreaterThan(0);
  expect(wait(nextAfterError(now, 900, 1000, policy, high))).toBe(6 * 3600);
  // A feed whose own interval is above the ceiling is not fetched sooner because it failed.
  expect(wait(nextAfterError(now, 12 * 3600, 1, policy, high))).toBe(12 * 3600);
});

test('Retry-After in seconds or as an HTTP date; honoured but capped at a week', () => {
  expect(parseRetryAfter('120', now.getTime())).toBe(120_000);
  expect(parseRetryAfter('Sun, 01 Mar 2026 13:00:00 GMT', now.getTime())).toBe(3600_000);
  expect(parseRetryAfter('soon', now.getTime())).toBeUndefined();
  expect(wait(nextAfterRateLimit(now, 900, 7200_000, policy))).toBe(7200);
  expect(wait(nextAfterRateLimit(now, 900, 10_000, policy))).toBe(900);
  expect(wait(nextAfterRateLimit(now, 900, 10 * 365 * 86400_000, policy))).toBe(7 * 86400);
  expect(DEFAULT_POLICY.backoffCeilingSeconds).toBe(6 * 3600);
});

test('sy:updatePeriod and sy:updateFrequency are read from RSS 1.0', async () => {
  const feed = await parseFeedText(`<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
  <channel rdf:about="http://x.test/"><title>X</title><link>http://x.test/</link><description>d</description>
    <sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency></channel>
  <item rdf:about="http://x.test/1"><title>One</title><link>http://x.test/1</link></item>
</rdf:RDF>`);
  expect(feed.updatePeriodMinutes).toBe(360);
});

test('fetch and schedule settings: a CIDR allow-list, bounds and a bad CIDR named by file:line', () => {
  const ok = parseConfig('fetch:\n  allowPrivateNetworks: ["10.0.0.0/8", "fd00::/8"]\n  perHost: 3\nschedule:\n  backoffCeiling: 2h\n  adaptive: true\n', 't.yaml', {});
  expect(ok.fetch.allowPrivateNetworks).toEqual(['10.0.0.0/8', 'fd00::/8']);
  expect(ok.fetch.perHost).toBe(3);
  expect(ok.schedule).toMatchObject({ backoffCeilingSeconds: 7200, adaptive: true, minIntervalSeconds: 60, maxIntervalSeconds: 86400 });
  const defaults = parseConfig('', 't.yaml', {}).fetch;
  expect(defaults).toMatchObject({ allowPrivateNetworks: false, perHost: 2, maxRedirects: 5 });
  // The default User-Agent names the product, its version and where to read about it.
  expect(defaults.userAgent).toMatch(/^Tidings\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/[\w-]+\/tidings\)$/);
  expect(() => parseConfig('fetch:\n  allowPrivateNetworks: ["10.0.0.0/33"]\n', 't.yaml', {})).toThrow(/t\.yaml:2:\d+: fetch\.allowPrivateNetworks.*CIDR/);
});
