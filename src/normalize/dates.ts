/**
 * Feed dates → instants. RFC 822/1123 and its real-world variants, ISO 8601
 * (zone-less means UTC), and Unix timestamps. Returns null when the string
 * does not say an instant; callers fall back to the first-seen time.
 */
const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, sept: 8, oct: 9, nov: 10, dec: 11,
};

// Minutes east of UTC. RFC 822 §5 zones and the common named ones.
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, wet: 0, bst: 60, cet: 60, cest: 120, met: 60, mest: 120, eet: 120, eest: 180, msk: 180, msd: 240,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420, akst: -540, akdt: -480, hst: -600,
  ist: 330, jst: 540, kst: 540, hkt: 480, sgt: 480, aest: 600, aedt: 660, acst: 570, awst: 480, nzst: 720, nzdt: 780, trt: 180,
  a: -60, m: -720, n: 60, y: 720,
};

const RFC822 =
  /^(?:[A-Za-z]{2,9}\.?,?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?[\s-]+(\d{2,4})(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*([+-]\d{2}:?\d{2}|[A-Za-z]{1,5})?\s*$/;
const ISO8601 =
  /^(\d{4})-?(\d{2})-?(\d{2})(?:[T\s](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export function parseDate(input: string | null | undefined): Date | null {
  if (!input) return null;
  const s = input.trim();
  if (s === '') return null;
  if (/^\d{9,13}$/.test(s)) {
    const n = Number(s);
    return validDate(new Date(s.length > 11 ? n : n * 1000));
  }
  const iso = ISO8601.exec(s);
  if (iso) return fromParts(+iso[1]!, +iso[2]! - 1, +iso[3]!, +(iso[4] ?? 0), +(iso[5] ?? 0), +(iso[6] ?? 0), fraction(iso[7]), zoneOffset(iso[8] ?? 'Z'));
  const rfc = RFC822.exec(s);
  if (rfc) {
    const month = MONTHS[rfc[2]!.slice(0, rfc[2]!.toLowerCase() === 'sept' ? 4 : 3).toLowerCase()];
    if (month === undefined) return null;
    let year = +rfc[3]!;
    if (rfc[3]!.length === 2) year += year < 50 ? 2000 : 1900; // RFC 2822 §4.3
    else if (rfc[3]!.length === 3) year += 1900;
    const offset = zoneOffset(rfc[7] ?? 'GMT');
    if (offset === null) return null;
    return fromParts(year, month, +rfc[1]!, +(rfc[4] ?? 0), +(rfc[5] ?? 0), +(rfc[6] ?? 0), 0, offset);
  }
  return null;
}

function fraction(f: string | undefined): number {
  return f ? Math.round(Number(`0.${f}`) * 1000) : 0;
}

function zoneOffset(zone: string): number | null {
  const z = zone.trim();
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(z);
  if (m) {
    const minutes = +m[2]! * 60 + +(m[3] ?? 0);
    if (+m[2]! > 14 || +(m[3] ?? 0) > 59) return null;
    return m[1] === '-' ? -minutes : minutes;
  }
  const named = ZONES[z.toLowerCase()];
  return named === undefined ? null : named;
}

function fromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number | null): Date | null {
  if (offsetMin === null) return null;
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  const t = Date.UTC(y, mo, d, h, mi, Math.min(s, 59), ms) - offsetMin * 60_000;
  const date = new Date(t);
  // Reject impossible days (31 Feb) rather than roll them over.
  if (new Date(Date.UTC(y, mo, d)).getUTCDate() !== d) return null;
  return validDate(date);
}

function validDate(d: Date): Date | null {
  return Number.isNaN(d.getTime()) ? null : d;
}
