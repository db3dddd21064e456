import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseDate, parseDateAnyFormat } from '../../src/normalize/dates';
import { normalizeFeed, normalizeItem } from '../../src/normalize/item';
import { parseFeedBody } from '../../src/parse';
import type { RawItem } from '../../src/domain/item';

const iso = (s: string) => parseDate(s)?.toISOString() ?? null;

describe('dates', () => {
  it.each([
    ['Tue, 05 Mar 2024 09:00:00 EST', '2024-03-05T14:00:00.000Z'],
    ['Tue, 05 Mar 2024 09:00:00 PST', '2024-03-05T17:00:00.000Z'],
    ['Tue, 05 Mar 2024 09:00:00 MSK', '2024-03-05T06:00:00.000Z'],
    ['Tue, 05 Mar 2024 09:00:00 +0100', '2024-03-05T08:00:00.000Z'],
    ['Tue, 05 Mar 2024 09:00:00 UTC', '2024-03-05T09:00:00.000Z'],
    ['05 Mar 24 09:00 GMT', '2024-03-05T09:00:00.000Z'],
    ['5 March 2024 09:00:00', '2024-03-05T09:00:00.000Z'],
    ['2024-03-05T09:00:00', '2024-03-05T09:00:00.000Z'],
    ['2024-03-05T09:00:00.250+02:00', '2024-03-05T07:00:00.250Z'],
    ['2024-03-05', '2024-03-05T00:00:00.000Z'],
    ['1709629200', '2024-03-05T09:00:00.000Z'],
    ['Di, 05 Mär 2024 09:00:00 +0100', '2024-03-05T08:00:00.000Z'],
    ['mar., 05 mars 2024 09:00:00 +0100', '2024-03-05T08:00:00.000Z'], // "mar" is a day here, since "mars" is the month
    ['Sal, 05 Mart 2024 09:00:00 +0300', '2024-03-05T06:00:00.000Z'],
    ['Paz, 03 Mar 2024 09:00:00 +0300', '2024-03-03T06:00:00.000Z'],
    ['martes, 5 marzo 2024', '2024-03-05T00:00:00.000Z'],
    ['5 марта 2024 09:00:00 +0300', '2024-03-05T06:00:00.000Z'],
    ['Thu Aug 30 2012 17:26:16 +0200', '2012-08-30T15:26:16.000Z'],
  ])('%s → %s', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each(['', 'yesterday', '31 Feb 2024', '2024-13-01', 'Tue, 05 Mar 2024 25:00:00 GMT', 'Tue, 05 Foo 2024', '2024-03-05T09:00:00+25:00', '<script>'])(
    'refuses %j',
    (input) => {
      expect(parseDate(input)).toBeNull();
    },
  );

  const raw = (published: string | null): RawItem => ({
    guid: 'g', link: 'http://example.test/a', title: 'T', titleIsHtml: false, summary: null, content: null, author: null, categories: [],
    published, updated: null, enclosures: [], language: null, base: null,
  });
  const now = new Date('2024-06-01T12:00:00Z');
  const ctx = { feedUrl: 'http://example.test/feed', now };

  it('falls back to the first-seen time for an unparseable date, and says so', () => {
    const item = normalizeItem(raw('sometime last week'), { link: null, language: null }, ctx)!;
    expect(item.publishedAt).toEqual(now);
    expect(item.publishedEstimated).toBe(true);
  });

  it('clamps a date more than a day in the future', () => {
    const item = normalizeItem(raw('Sat, 01 Jan 2099 00:00:00 GMT'), { link: null, language: null }, ctx)!;
    expect(item.publishedAt).toEqual(new Date('2024-06-02T12:00:00Z'));
    expect(item.publishedEstimated).toBe(false);
  });

  it('keeps a date less than a day ahead (clock skew)', () => {
    const item = normalizeItem(raw('2024-06-01T20:00:00Z'), { link: null, language: null }, ctx)!;
    expect(item.publishedAt).toEqual(new Date('2024-06-01T20:00:00Z'));
  });

  it('through a whole feed: missing and nonsense dates are first-seen and marked, the far future is clamped, German is read', async () => {
    const { feed } = await parseFeedBody(readFileSync(path.join(__dirname, '..', 'fixtures', 'unit', 'dates.xml')), null);
    const items = normalizeFeed(feed, ctx);
    expect(items.map((i) => [i.title, i.publishedAt.toISOString(), i.publishedEstimated])).toEqual([
      ['No date', '2024-06-01T12:00:00.000Z', true],
      ['Nonsense date', '2024-06-01T12:00:00.000Z', true],
      ['Far future', '2024-06-02T12:00:00.000Z', false],
      ['German', '2024-03-04T09:00:00.000Z', false],
    ]);
  });
});

describe('the common RFC 822 form', () => {
  it('is read by its fast path exactly as by the general parser, valid or not', () => {
    const pad = (n: number) => String(n).padStart(2, '0');
    const rfc822 = fc
      .record({
        day: fc.constantFrom('', 'Mon, ', 'Tue, ', 'Sun, ', 'Fri, '),
        d: fc.integer({ min: 0, max: 32 }),
        m: fc.constantFrom('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'),
        y: fc.integer({ min: 1000, max: 9999 }),
        h: fc.integer({ min: 0, max: 25 }),
        mi: fc.integer({ min: 0, max: 61 }),
        s: fc.integer({ min: 0, max: 61 }),
        zone: fc.constantFrom('GMT', 'UTC', 'UT', '+0000', '+0300', '-0500', '+1400', '-1500', '+0160', '+2359'),
        padDay: fc.boolean(),
      })
      .map((r) => `${r.day}${r.padDay ? pad(r.d) : r.d} ${r.m} ${r.y} ${pad(r.h)}:${pad(r.mi)}:${pad(r.s)} ${r.zone}`);
    fc.assert(
      fc.property(rfc822, (s) => {
        expect(parseDate(s)?.getTime() ?? null).toBe(parseDateAnyFormat(s)?.getTime() ?? null);
      }),
      { numRuns: 3000 },
    );
  });
});
