/**
 * Feed dates → instants. Each parser reads one family of formats and refuses
 * anything it does not fully understand; the first that reads the string
 * wins. Returns null when none does: callers fall back to the first-seen
 * time. Zone-less dates are UTC. Formats follow feedparser's date tests:
 * W3DTF/ISO 8601 (with its old truncated forms), RFC 822/2822 and its
 * real-world variants, asctime, Unix timestamps, Korean, Greek and
 * Hungarian dates, and month and day names in the common feed languages.
 */
import { monthIndex, isDayName, zoneMinutes } from './date-names';

export function parseDate(input: string | null | undefined): Date | null {
  if (!input) return null;
  const s = input.trim().replace(/\s+/g, ' ');
  if (s === '' || s.length > 100) return null;
  const common = RFC822_COMMON.exec(s);
  if (common) return fromParts(+common[3]!, MONTHS.indexOf(common[2]!), +common[1]!, common[4], common[5], common[6], undefined, common[7]!.startsWith('+') || common[7]!.startsWith('-') ? zoneOffset(common[7]!) : 0);
  return parseDateAnyFormat(s);
}

/** Every format, in order; exported for the test that checks the fast path against it. */
export function parseDateAnyFormat(s: string): Date | null {
  return unixTime(s) ?? w3dtf(s) ?? truncatedIso(s) ?? korean(s) ?? hungarian(s) ?? textual(s);
}

// What nearly every RSS feed writes ("Tue, 17 Nov 2026 12:00:00 GMT", or "+0300"): read in one
// match, with the same result textual() gives (it ignores the day name too).
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC822_COMMON = /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|UT|[+-]\d{4})$/;

function unixTime(s: string): Date | null {
  if (!/^\d{9,13}$/.test(s)) return null;
  const n = Number(s);
  return validDate(new Date(s.length > 11 ? n : n * 1000));
}

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?`;
const ZONE = String.raw`(Z|[+-]\d{2}(?::?\d{2})?)`;
// YYYY, YYYY-MM, YYYY-MM-DD (also compact, and feedparser's YYYY-0MM), then an optional time and zone.
const W3DTF = new RegExp(String.raw`^(\d{4})(?:(?:-0?(\d{2})|(\d{2}))(?:-?(\d{2}))?)?(?:[T ]${TIME}(?: ?${ZONE})?)?$`, 'i');

function w3dtf(s: string): Date | null {
  const m = W3DTF.exec(s);
  if (!m) return null;
  const [, y, monthDash, monthCompact, d, h, mi, sec, frac, zone] = m;
  const month = monthDash ?? monthCompact;
  if (d !== undefined && month === undefined) return null;
  return fromParts(+y!, month ? +month - 1 : 0, d ? +d : 1, h, mi, sec, frac, zone === undefined ? 0 : zoneOffset(zone));
}

/** ISO 8601:1988 truncated forms feedparser reads: YYMMDD, YY-MM-DD, -YYMM, -YY-MM, YYDDD. */
function truncatedIso(s: string): Date | null {
  let m = /^(\d{2})-?(\d{2})-?(\d{2})$/.exec(s);
  if (m) return fromParts(twoDigitYear(+m[1]!), +m[2]! - 1, +m[3]!, undefined, undefined, undefined, undefined, 0);
  m = /^-(\d{2})-?(\d{2})$/.exec(s);
  if (m) return fromParts(twoDigitYear(+m[1]!), +m[2]! - 1, 1, undefined, undefined, undefined, undefined, 0);
  m = /^(\d{2})(\d{3})$/.exec(s);
  // YYDDD only where DDD cannot also be read as a month and a day (YYMDD): "22013" stays refused.
  if (m && +m[2]! > 31 && +m[2]! <= 366) return ordinal(twoDigitYear(+m[1]!), +m[2]!);
  m = /^(\d{4})-?(\d{3})$/.exec(s);
  if (m && +m[2]! >= 1 && +m[2]! <= 366) return ordinal(+m[1]!, +m[2]!);
  return null;
}

function ordinal(year: number, day: number): Date | null {
  const d = new Date(0);
  d.setUTCFullYear(year, 0, day);
  return d.getUTCFullYear() === year ? d : null;
}

/** "2004년 05월 28일 01:31:15" (OnBlog) and "2004-05-25 오후 11:23:17" (Nate): Korean Standard Time. */
function korean(s: string): Date | null {
  let m = /^(\d{4})년 ?(\d{1,2})월 ?(\d{1,2})일 (\d{1,2}):(\d{2}):(\d{2})$/.exec(s);
  if (m) return fromParts(+m[1]!, +m[2]! - 1, +m[3]!, m[4], m[5], m[6], undefined, 540);
  m = /^(\d{4})-(\d{2})-(\d{2}) (오전|오후) (\d{1,2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const h = +m[5]! % 12 + (m[4] === '오후' ? 12 : 0);
  return fromParts(+m[1]!, +m[2]! - 1, +m[3]!, String(h), m[6], m[7], undefined, 540);
}

/** "2004-július-13T9:15-05:00": a W3DTF date with a Hungarian month name. */
const HUNGARIAN = new RegExp(String.raw`^(\d{4})-(\p{L}+)-(\d{1,2})(?:T${TIME}${ZONE}?)?$`, 'u');

function hungarian(s: string): Date | null {
  const m = HUNGARIAN.exec(s);
  if (!m) return null;
  const month = monthIndex(m[2]!);
  if (month === null) return null;
  return fromParts(+m[1]!, month, +m[3]!, m[4], m[5], m[6], m[7], m[8] === undefined ? 0 : zoneOffset(m[8]));
}

/**
 * RFC 822 and everything near it: "Thu, 01 Jan 2004 19:48:21 GMT",
 * "Mon, 26 January 2004 16:31:00 ET", "Thu Aug 30 2012 17:26:16 +0200",
 * asctime "Sun Jan  4 16:29:06 2004", "Fri, 2006/09/15 08:19:53 EDT",
 * and the same in other languages. Every token must be understood.
 */
// Compiled once: building it per token cost about a fifth of a date's parse.
const TIME_TOKEN = new RegExp(`^${TIME}$`);

function textual(s: string): Date | null {
  const tokens = s.replace(/,/g, ' ').trim().split(' ').filter((t) => t !== '');
  // "mar" is March and the French/Spanish Tuesday, "paz" October in Polish and Sunday in Turkish:
  // when another token is a month, such a word is the day name.
  const monthWords = tokens.filter((t) => /^\p{L}/u.test(t) && monthIndex(t) !== null);
  // (When every candidate is also a day name, the later one is the month: weekdays come first.)
  const monthWord = monthWords.find((t) => !isDayName(t)) ?? monthWords[monthWords.length - 1];
  let month: number | null = null;
  const numbers: string[] = [];
  let time: RegExpExecArray | null = null;
  let offset: number | null = null;
  let ymd: number[] | null = null;
  for (const raw of tokens) {
    const tok = raw.replace(/\.$/, '');
    const t = TIME_TOKEN.exec(tok);
    if (t && !time) {
      time = t;
      continue;
    }
    if (/^\d{1,4}$/.test(tok)) {
      numbers.push(tok);
      continue;
    }
    const slashed = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(tok);
    if (slashed && !ymd) {
      ymd = [+slashed[1]!, +slashed[2]! - 1, +slashed[3]!];
      continue;
    }
    if (/^\p{L}/u.test(tok) && month === null && raw === monthWord) {
      month = monthIndex(tok);
      continue;
    }
    if (offset === null) {
      const z = zoneToken(tok);
      if (z !== null) {
        offset = z;
        continue;
      }
    }
    if (isDayName(tok)) continue;
    return null; // a token we do not understand: refuse rather than guess
  }
  if (!ymd) {
    if (month === null || numbers.length !== 2) return null;
    const yearAt = numbers.findIndex((n) => n.length >= 3);
    const dayIdx = yearAt === 1 ? 0 : yearAt === 0 ? 1 : 0;
    const yearIdx = 1 - dayIdx;
    const yearText = numbers[yearIdx]!;
    const year = yearText.length <= 2 ? twoDigitYear(+yearText) : +yearText;
    ymd = [year, month, +numbers[dayIdx]!];
  } else if (numbers.length > 0 || month !== null) return null;
  return fromParts(ymd[0]!, ymd[1]!, ymd[2]!, time?.[1], time?.[2], time?.[3], time?.[4], offset ?? 0);
}

function zoneToken(tok: string): number | null {
  if (/^[+-]\d{2}:?\d{2}$/.test(tok) || /^[+-]\d{2}$/.test(tok)) return zoneOffset(tok);
  const gmt = /^(?:GMT|UTC|UT)([+-]\d{1,2}(?::?\d{2})?)$/i.exec(tok);
  if (gmt) return zoneOffset(gmt[1]!.replace(/^([+-])(\d)(?!\d)/, '$10$2'));
  return zoneMinutes(tok);
}

/** RFC 2822 §4.3: 00–49 are 2000–2049, 50–99 are 1950–1999. */
function twoDigitYear(yy: number): number {
  return yy < 50 ? 2000 + yy : 1900 + yy;
}

/** Minutes east of UTC for "Z", "+01", "+0100" or "+01:00"; null when out of range. */
function zoneOffset(zone: string): number | null {
  if (/^z$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return null;
  const h = +m[2]!;
  const min = +(m[3] ?? 0);
  if (h > 14 || min > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

function fromParts(
  y: number,
  mo: number,
  d: number,
  h: string | undefined,
  mi: string | undefined,
  s: string | undefined,
  frac: string | undefined,
  offsetMin: number | null,
): Date | null {
  if (offsetMin === null) return null;
  const hour = +(h ?? 0);
  const minute = +(mi ?? 0);
  const second = +(s ?? 0);
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || minute > 59 || second > 60) return null;
  if (hour > 24 || (hour === 24 && (minute > 0 || second > 0))) return null;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  // Reject impossible days (31 Feb) rather than roll them over.
  if (date.getUTCDate() !== d || date.getUTCMonth() !== mo) return null;
  date.setUTCHours(hour, minute, Math.min(second, 59), ms);
  return validDate(new Date(date.getTime() - offsetMin * 60_000));
}

function validDate(d: Date): Date | null {
  return Number.isNaN(d.getTime()) ? null : d;
}
