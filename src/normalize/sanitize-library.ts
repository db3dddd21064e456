import sanitizeHtml from 'sanitize-html';
import {
  ALLOWED_ATTRIBUTES, ALLOWED_SCHEMES, ALLOWED_TAGS, ALLOWED_SCHEMES_BY_TAG, MEDIA_TAGS, NON_TEXT_TAGS, SCHEMES_APPLIED_TO,
  allowedTags, isTrackingPixel, rewriteImage, rewriteLink, rewriteMedia,
} from './sanitize-policy';
import { toFixedPoint, type SanitizeOptions, type SanitizePass } from './sanitize-fixed-point';

/**
 * The allow-list of sanitize-policy.ts applied by sanitize-html. Stored HTML
 * was sanitized at ingest by sanitizeContent (our walker over the same
 * htmlparser2 events); publishing runs it through this second, independent
 * implementation on the way out, and the tests use it as the oracle the
 * walker must match byte for byte.
 */
export function sanitizeWithLibrary(html: string, opts: SanitizeOptions): string {
  return toFixedPoint(html, opts, libraryPass);
}

// sanitize-html calls our transforms synchronously, during the call: they
// read the call's base URL (and note restructuring) here, so the options
// object is built once per iframe allow-list instead of once per call.
let callBase: string | null = null;
let callRestructured = false;
const optionsByHosts = new Map<string, sanitizeHtml.IOptions>();

const libraryPass: SanitizePass = (html, opts) => {
  const iframeHosts = opts.iframeHosts ?? [];
  const key = iframeHosts.join(' ');
  let options = optionsByHosts.get(key);
  if (!options) {
    if (optionsByHosts.size >= 16) optionsByHosts.clear(); // one list per config in practice
    options = libraryOptions(iframeHosts);
    optionsByHosts.set(key, options);
  }
  callBase = opts.baseUrl;
  callRestructured = false;
  const out = sanitizeHtml(html, options).trim();
  return { html: out, restructured: callRestructured };
};

// Without iframe even when iframes are allowed: an iframe can always go whole.
const PLAIN_ALLOWED = new Set(ALLOWED_TAGS);

function libraryOptions(iframeHosts: readonly string[]): sanitizeHtml.IOptions {
  const media = (tagName: string, attribs: Record<string, string>) => ({ tagName, attribs: rewriteMedia(attribs, callBase) });
  return {
    allowedTags: [...allowedTags(iframeHosts)],
    allowedAttributes: Object.fromEntries(Object.entries(ALLOWED_ATTRIBUTES).map(([k, v]) => [k, [...v]])),
    allowedSchemes: [...ALLOWED_SCHEMES],
    allowedSchemesByTag: Object.fromEntries(Object.entries(ALLOWED_SCHEMES_BY_TAG).map(([k, v]) => [k, [...v]])),
    allowedSchemesAppliedToAttributes: [...SCHEMES_APPLIED_TO],
    allowProtocolRelative: false,
    allowedIframeHostnames: [...iframeHosts],
    disallowedTagsMode: 'discard',
    nonTextTags: [...NON_TEXT_TAGS],
    // An iframe may go whole (refused host), an img as a tracking pixel, and
    // a srcset is rewritten: any of them makes the caller check for a fixed point.
    onOpenTag: (name, attribs) => {
      if (!PLAIN_ALLOWED.has(name) || (name === 'img' && (attribs.srcset !== undefined || isTrackingPixel(attribs)))) callRestructured = true;
    },
    // Tracking pixels go, and so does an iframe whose src was refused (an empty frame is just a hole).
    exclusiveFilter: (frame) => (frame.tag === 'img' && isTrackingPixel(frame.attribs)) || (frame.tag === 'iframe' && !frame.attribs.src),
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: rewriteLink(attribs, callBase) }),
      img: (tagName, attribs) => ({ tagName, attribs: rewriteImage(attribs, callBase) }),
      ...Object.fromEntries(MEDIA_TAGS.map((t) => [t, media])),
    },
  };
}
