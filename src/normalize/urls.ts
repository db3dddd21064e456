/** Resolves href against each base in turn; null when no absolute http(s) URL comes out. */
export function resolveUrl(href: string | null | undefined, ...bases: (string | null | undefined)[]): string | null {
  if (!href) return null;
  const h = href.trim();
  if (h === '') return null;
  const usable = bases.filter((b): b is string => typeof b === 'string' && b !== '');
  for (const base of [undefined, ...usable]) {
    try {
      const u = base === undefined ? new URL(h) : new URL(h, base);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
      if (base === undefined) return null; // an absolute non-http URL (javascript:, mailto:) never becomes a link
    } catch {
      // try the next base
    }
  }
  return null;
}

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
  const kept = [...u.searchParams].filter(([k]) => !isTrackingParam(k));
  if (kept.length === [...u.searchParams].length) return u;
  u.search = '';
  for (const [k, v] of kept) u.searchParams.append(k, v);
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
