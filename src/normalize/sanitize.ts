import sanitizeHtml from 'sanitize-html';
import { resolveUrl } from './urls';

export interface SanitizeOptions {
  /** Base URL for relative href/src. */
  readonly baseUrl: string | null;
  /** Hosts whose iframes (video embeds) are kept. */
  readonly iframeHosts?: readonly string[];
}

const ALLOWED_TAGS = [
  'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'cite', 'code', 'dd', 'del', 'details', 'dfn', 'div', 'dl', 'dt', 'em',
  'figcaption', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'picture',
  'pre', 'q', 's', 'samp', 'small', 'source', 'span', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th',
  'thead', 'time', 'tr', 'u', 'ul', 'audio', 'video',
];

/**
 * Allow-list sanitizing of feed HTML: no script, style, forms, event
 * handlers, or javascript:/data: URLs (data: images excepted); iframes only
 * from allowed hosts; links get rel="noopener noreferrer"; 1×1 tracking
 * images go; relative URLs are resolved against baseUrl.
 */
export function sanitizeContent(html: string, opts: SanitizeOptions): string {
  // Plain text with nothing to escape (no tag, no reference, no ">") comes out
  // of sanitize-html as it went in, trimmed: text-only feeds skip the parse.
  if (!/[<>&]/.test(html)) return html.trim();
  const first = sanitizeOnce(html, opts);
  // Sanitizer output can still be re-parsed differently, but only when the
  // pass dropped an element whose content it kept (or rewrote a srcset):
  // htmlparser2 closes a <p> when a block opens right inside it, not when
  // an <svg> stands between them, so "<p><svg><h1>" comes out as
  // "<p><h1></h1></p>", which parses as "<p></p><h1></h1><p></p>". When every
  // element was kept as it was, the output is the parser's own tree written
  // out with every end tag explicit, which parses back to the same tree.
  if (!first.restructured) return first.html;
  // Otherwise run to a fixed point: sanitizing sanitized HTML must change nothing.
  let out = first.html;
  for (let i = 0; i < 3; i++) {
    const again = sanitizeOnce(out, opts).html;
    if (again === out) break;
    out = again;
  }
  return out;
}

const ALLOWED = new Set(ALLOWED_TAGS);

// sanitize-html calls our transforms synchronously, during the call: they
// read the call's base URL (and note restructuring) here, so the options
// object (closures and all) is built once per iframe allow-list instead of
// once per call, which was about a sixth of the sanitizing time.
let callBase: string | null = null;
let callRestructured = false;
const optionsByHosts = new Map<string, sanitizeHtml.IOptions>();

function sanitizeOnce(html: string, opts: SanitizeOptions): { html: string; restructured: boolean } {
  const iframeHosts = opts.iframeHosts ?? [];
  const key = iframeHosts.join(' ');
  let options = optionsByHosts.get(key);
  if (!options) {
    if (optionsByHosts.size >= 16) optionsByHosts.clear(); // one list per config in practice
    options = sanitizeOptions(iframeHosts);
    optionsByHosts.set(key, options);
  }
  callBase = opts.baseUrl;
  callRestructured = false;
  const out = sanitizeHtml(html, options).trim();
  return { html: out, restructured: callRestructured };
}

function sanitizeOptions(iframeHosts: readonly string[]): sanitizeHtml.IOptions {
  const resolve = (value: string | undefined): string | null => (value ? resolveUrl(value, callBase) : null);
  return {
    allowedTags: iframeHosts.length > 0 ? [...ALLOWED_TAGS, 'iframe'] : ALLOWED_TAGS,
    allowedAttributes: {
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
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'poster'],
    allowProtocolRelative: false,
    allowedIframeHostnames: [...iframeHosts],
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'form', 'button', 'select'],
    // An iframe may go whole (refused host), an img as a tracking pixel, and
    // a srcset is rewritten: any of them makes the caller check for a fixed point.
    onOpenTag: (name, attribs) => {
      if (!ALLOWED.has(name) || (name === 'img' && (attribs.srcset !== undefined || isTrackingPixel(attribs)))) callRestructured = true;
    },
    // Tracking pixels go, and so does an iframe whose src was refused (an empty frame is just a hole).
    exclusiveFilter: (frame) => (frame.tag === 'img' && isTrackingPixel(frame.attribs)) || (frame.tag === 'iframe' && !frame.attribs.src),
    transformTags: {
      a: (tagName, attribs) => {
        const href = resolve(attribs.href) ?? (attribs.href?.startsWith('mailto:') ? attribs.href : undefined);
        const out: Record<string, string> = { ...attribs, rel: 'noopener noreferrer' };
        if (href) out.href = href;
        else delete out.href;
        return { tagName, attribs: out };
      },
      img: (tagName, attribs) => {
        const src = attribs.src?.startsWith('data:image/') ? attribs.src : resolve(attribs.src);
        const out: Record<string, string> = { ...attribs };
        if (src) out.src = src;
        else delete out.src;
        if (attribs.srcset) out.srcset = resolveSrcset(attribs.srcset, callBase);
        return { tagName, attribs: out };
      },
      ...Object.fromEntries(
        ['audio', 'video', 'source', 'iframe'].map((t) => [
          t,
          (tagName: string, attribs: Record<string, string>) => {
            const out: Record<string, string> = { ...attribs };
            const src = resolve(attribs.src);
            if (src) out.src = src;
            else delete out.src;
            if (attribs.poster) {
              const poster = resolve(attribs.poster);
              if (poster) out.poster = poster;
              else delete out.poster;
            }
            return { tagName, attribs: out };
          },
        ]),
      ),
    },
  };
}

function isTrackingPixel(attribs: Record<string, string>): boolean {
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
