/** Resolves href against each base in turn; null when no absolute http(s) URL comes out. */
export function resolveUrl(href: string | null | undefined, ...bases: (string | null | undefined)[]): string | null {
  return resolveHttpUrl(href, ...bases)?.href ?? null;
}

/** resolveUrl's URL object, for callers that go on to take it apart (one parse instead of several). */
export function resolveHttpUrl(href: string | null | undefined, ...bases: (string | null | undefined)[]): URL | null {
  if (!href) return null;
  const h = href.trim();
  if (h === '') return null;
  // Without a scheme, parsing without a base can only fail: skip the throw (exceptions are slow).
  if (MAY_HAVE_SCHEME.test(h)) {
    try {
      const u = new URL(h);
      // An absolute non-http URL (javascript:, mailto:) never becomes a link.
      return isHttp(u) ? u : null;
    } catch {
      // relative after all: try the bases
    }
  }
  for (const base of bases) {
    if (typeof base !== 'string' || base === '') continue;
    try {
      const u = new URL(h, base);
      if (isHttp(u)) return u;
    } catch {
      // try the next base
    }
  }
  return null;
}

// What the URL parser could read as a scheme: it first drops leading C0
// controls and spaces and every tab and newline, then wants ALPHA *(ALPHA /
// DIGIT / "+" / "-" / ".") ":". A superset of that, so no absolute URL is missed.
const MAY_HAVE_SCHEME = /^[\x00-\x20]*[A-Za-z][A-Za-z0-9+.\-\t\n\r]*:/;

const isHttp = (u: URL): boolean => u.protocol === 'http:' || u.protocol === 'https:';

// Miniflux's urlcleaner list, and the rest of that family.
const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'dclid', 'gbraid', 'wbraid', 'gclsrc', 'yclid', 'ysclid', 'msclkid', 'twclid', 'ttclid', 'igshid', 'li_fat_id',
  'mc_cid', 'mc_eid', '_hsenc', '_hsmi', '__hssc', '__hstc', '__hsfp', 'hsctatracking', 'ref_src', 'ref_url', 'mkt_tok', 'vero_id', 'vero_conv',
  'oly_enc_id', 'oly_anon_id', 'rb_clickid', 's_cid', 'ncid', 'sr_share', 'cmpid', 'at_medium', 'at_campaign', 'wt_mc', 'wt.mc_id',
  'ocid', 'spm', 'share', 'utm',
]);

export function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith('utm_') || n.startsWith('__twitter') || TRACKING_PARAMS.has(n);
}

/** The link without tracking parameters (what readers are sent to). Null when not an http(s) URL. */
export function stripTracking(url: string | null): string | null {
  const u = parseHttp(url);
  return u ? withoutTracking(u).href : null;
}

/**
 * The URL that identifies an article: lower-cased scheme and host, no default
 * port, no fragment, no tracking parameters. Null when not an http(s) URL.
 */
export function canonicalUrl(url: string | null): string | null {
  const u = parseHttp(url);
  if (!u) return null;
  u.hash = '';
  // URL already lower-cases scheme and host and drops default ports.
  return withoutTracking(u).href;
}

/** stripTracking and canonicalUrl of one URL from one parse; the URL object is consumed. */
export function linkUrls(u: URL | null): { url: string | null; canonical: string | null } {
  if (!u) return { url: null, canonical: null };
  const url = withoutTracking(u).href;
  u.hash = '';
  return { url, canonical: u.href };
}

function parseHttp(url: string | null): URL | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

function withoutTracking(u: URL): URL {
  if (u.search === '') return u;
  const all = [...u.searchParams];
  const kept = all.filter(([k]) => !isTrackingParam(k));
  if (kept.length === all.length) return u;
  // One serialization (appending one by one re-serializes the query each time).
  u.search = new URLSearchParams(kept).toString();
  return u;
}

/**
 * The URL relative links in a document resolve against: its Content-Location
 * (RFC 9110 §8.7, itself resolved against the request URL) when that is an
 * http(s) URL, else the URL it was fetched from.
 */
export function documentUrl(fetchedUrl: string, contentLocation: string | null): string {
  return resolveUrl(contentLocation, fetchedUrl) ?? fetchedUrl;
}
