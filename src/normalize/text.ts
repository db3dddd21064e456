import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';

// Elements whose content is not text a reader sees (scripts, styles, form
// widgets, the document head): their text is dropped with them.
const NON_TEXT = new Set(['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head']);

/**
 * HTML (or text with entities) → one line of plain text. One htmlparser2
 * pass collecting text nodes (entities decoded by the tokenizer): this is the
 * same parse sanitize-html does with no tags allowed, without building and
 * re-escaping an output document, which cost a third of the normalize stage.
 */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return collapseWhitespace(html);
  if (!html.includes('<')) return collapseWhitespace(decodeHTML(html));
  let text = '';
  // Depth inside a non-text element, counted the way sanitize-html counts it:
  // every open tag inside one deepens, every close tag rises.
  let skipDepth = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (skipDepth > 0) skipDepth++;
        else if (NON_TEXT.has(name)) skipDepth = 1;
      },
      ontext(t) {
        if (skipDepth === 0) text += t;
      },
      onclosetag() {
        if (skipDepth > 0) skipDepth--;
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return collapseWhitespace(text);
}
/** Plain text that may carry entities (an RSS title that was escaped once more). */
export function decodeEntities(text: string): string {
  return text.includes('&') ? decodeHTML(text) : text;
}

// A character either replacement below could change (the removed ones, and every whitespace character but
// the space), two spaces in a row, or a space that trim() would take.
const NEEDS_COLLAPSE = /[\x00-\x1F\x7F-\x9F\u00a0\u00ad\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]| {2}|^ | $/;

/** One line: runs of whitespace become one space; soft hyphens and zero-width spaces (invisible) go. */
export function collapseWhitespace(s: string): string {
  // Most titles, authors and categories are one line with single spaces: nothing to change.
  if (!NEEDS_COLLAPSE.test(s)) return s;
  // Control characters (here often from a numeric reference such as &#1;) are invisible and illegal in XML output.
  return s.replace(/[\u00ad\u200b\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/g, '').replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Cuts at a word boundary near `max` characters and adds an ellipsis. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.lastIndexOf(' ', max);
  return `${s.slice(0, cut > max * 0.6 ? cut : max).trimEnd()}…`;
}

/**
 * Text of HTML we sanitized ourselves, for matching: cheaper than a parse,
 * and safe because the input is already well-formed sanitizer output. Each
 * tag becomes a space, references are decoded, whitespace collapsed.
 */
export function stripTags(html: string): string {
  // Sanitizer output escapes text with &amp; &lt; &gt; (and &quot; in attributes, which go with
  // their tags): one pass reads those; any other reference takes the general path.
  let out = '';
  let from = 0;
  let space = true; // at the start, or after whitespace: the next whitespace adds nothing
  for (let i = 0; i < html.length; i++) {
    const c = html.charCodeAt(i);
    if (c === 0x3c) {
      const close = html.indexOf('>', i + 1);
      if (close < 0) return stripTagsGeneral(html);
      out += html.slice(from, i);
      if (!space) out += ' ';
      space = true;
      i = close;
      from = close + 1;
    } else if (c === 0x26) {
      const ref = XML_REFERENCE.exec(html.slice(i, i + 6));
      if (!ref) return stripTagsGeneral(html);
      out += html.slice(from, i) + REFERENCE_TEXT[ref[1]!]!;
      space = false;
      i += ref[0].length - 1;
      from = i + 1;
    } else if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) {
      // Whitespace: one space for a run of it (a single space can stay in the slice).
      if (space || c !== 0x20) {
        out += html.slice(from, i);
        if (!space) out += ' ';
        from = i + 1;
      }
      space = true;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0xad || (c >= 0x1680 && SPECIAL_TEXT.test(html[i]!))) {
      return stripTagsGeneral(html); // other whitespace, a control character, a soft hyphen, …
    } else space = false;
  }
  out += html.slice(from);
  return out.endsWith(' ') ? out.slice(0, -1) : out;
}

const XML_REFERENCE = /^&(amp|lt|gt|quot);/;
const REFERENCE_TEXT: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };
const SPECIAL_TEXT = /[\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** stripTags for any input: tags out, every reference decoded, whitespace collapsed. */
export function stripTagsGeneral(html: string): string {
  return collapseWhitespace(decodeEntities(html.replace(/<[^>]*>/g, ' ')));
}
