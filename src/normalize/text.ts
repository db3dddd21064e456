import sanitizeHtml from 'sanitize-html';
import { decodeHTML } from 'entities';

/** HTML (or text with entities) → one line of plain text. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return collapseWhitespace(html);
  const stripped = sanitizeHtml(html, {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head'],
  });
  return collapseWhitespace(decodeHTML(stripped));
}

/** Plain text that may carry entities (an RSS title that was escaped once more). */
export function decodeEntities(text: string): string {
  return text.includes('&') ? decodeHTML(text) : text;
}

/** One line: runs of whitespace become one space; soft hyphens and zero-width spaces (invisible) go. */
export function collapseWhitespace(s: string): string {
  return s.replace(/[\u00ad\u200b]/g, '').replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Cuts at a word boundary near `max` characters and adds an ellipsis. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.lastIndexOf(' ', max);
  return `${s.slice(0, cut > max * 0.6 ? cut : max).trimEnd()}…`;
}

/**
 * Text of HTML we sanitized ourselves, for matching: cheaper than a parse,
 * and safe because the input is already well-formed sanitizer output.
 */
export function stripTags(html: string): string {
  return collapseWhitespace(decodeEntities(html.replace(/<[^>]*>/g, ' ')));
}
