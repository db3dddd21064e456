import sanitizeHtml from 'sanitize-html';
import { resolveUrl } from './urls';

/**
 * The allow-list for feed HTML, in one place. Two implementations apply it:
 * `sanitizeContent` (sanitize.ts, a walker over htmlparser2 events, used at
 * ingest) and `sanitizeWithLibrary` (sanitize-library.ts, the same policy as
 * sanitize-html options, used on output and as the tests' oracle). They give
 * byte-identical output; test/unit/normalize.sanitize-oracle.test.ts and the
 * conformance runner check that.
 */
export const ALLOWED_TAGS: readonly string[] = [
  'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'cite', 'code', 'dd', 'del', 'details', 'dfn', 'div', 'dl', 'dt', 'em',
  'figcaption', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'picture',
  'pre', 'q', 's', 'samp', 'small', 'source', 'span', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th',
  'thead', 'time', 'tr', 'u', 'ul', 'audio', 'video',
];

export const ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'title', 'rel', 'target'],
  img: ['src', 'alt', 'title', 'width', 'height', 'srcset'],
  source: ['src', 'srcset', 'type', 'media'],
  audio: ['src', 'controls'],
  video: ['src', 'controls', 'poster', 'width', 'height'],
  iframe: ['src', 'width', 'height', 'allowfullscreen', 'title'],
  td: ['colspan', 'rowspan'],
  th: ['colspan', 'rowspan', 'scope'],
  time: ['datetime'],
  '*': ['lang', 'dir'],
};

export const ALLOWED_SCHEMES: readonly string[] = ['http', 'https', 'mailto'];
export const ALLOWED_SCHEMES_BY_TAG: Readonly<Record<string, readonly string[]>> = { img: ['http', 'https', 'data'] };
export const SCHEMES_APPLIED_TO: readonly string[] = ['href', 'src', 'cite', 'poster'];

/** Elements dropped together with their content (everything else not allowed keeps its text). */
export const NON_TEXT_TAGS: readonly string[] = ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'form', 'button', 'select'];

/** sanitize-html's defaults for what these options leave unset: written as `<x />`, kept when empty, never empty. */
// (@types/sanitize-html lags the package: two of these defaults are missing from its IDefaults.)
const defaults = sanitizeHtml.defaults as typeof sanitizeHtml.defaults & { allowedEmptyAttributes: string[]; nonBooleanAttributes: string[] };
export const SELF_CLOSING: readonly string[] = defaults.selfClosing;
export const ALLOWED_EMPTY_ATTRIBUTES: readonly string[] = defaults.allowedEmptyAttributes;
export const NON_BOOLEAN_ATTRIBUTES: readonly string[] = defaults.nonBooleanAttributes;

export function allowedTags(iframeHosts: readonly string[]): readonly string[] {
  return iframeHosts.length > 0 ? [...ALLOWED_TAGS, 'iframe'] : ALLOWED_TAGS;
}

/** `<a>`: href resolved against the base (a mailto: link kept as written), rel="noopener noreferrer". */
export function rewriteLink(attribs: Record<string, string>, base: string | null): Record<string, string> {
  const href = resolveUrl(attribs.href, base) ?? (attribs.href?.startsWith('mailto:') ? attribs.href : undefined);
  const out: Record<string, string> = { ...attribs, rel: 'noopener noreferrer' };
  if (href) out.href = href;
  else delete out.href;
  return out;
}

/** `<img>`: src resolved (data: images kept), each srcset candidate resolved. */
export function rewriteImage(attribs: Record<string, string>, base: string | null): Record<string, string> {
  const src = attribs.src?.startsWith('data:image/') ? attribs.src : resolveUrl(attribs.src, base);
  const out: Record<string, string> = { ...attribs };
  if (src) out.src = src;
  else delete out.src;
  if (attribs.srcset) out.srcset = resolveSrcset(attribs.srcset, base);
  return out;
}

/** `<audio>`, `<video>`, `<source>`, `<iframe>`: src and poster resolved. */
export function rewriteMedia(attribs: Record<string, string>, base: string | null): Record<string, string> {
  const out: Record<string, string> = { ...attribs };
  const src = resolveUrl(attribs.src, base);
  if (src) out.src = src;
  else delete out.src;
  if (attribs.poster) {
    const poster = resolveUrl(attribs.poster, base);
    if (poster) out.poster = poster;
    else delete out.poster;
  }
  return out;
}

export const MEDIA_TAGS: readonly string[] = ['audio', 'video', 'source', 'iframe'];

export function isTrackingPixel(attribs: Record<string, string>): boolean {
  const w = attribs.width?.trim();
  const h = attribs.height?.trim();
  return (w === '1' || w === '0') && (h === '1' || h === '0');
}

function resolveSrcset(srcset: string, base: string | null): string {
  return srcset
    .split(',')
    .map((part) => {
      const [url, ...descriptor] = part.trim().split(/\s+/);
      const abs = resolveUrl(url, base);
      return abs ? [abs, ...descriptor].join(' ') : null;
    })
    .filter((p): p is string => p !== null)
    .join(', ');
}
