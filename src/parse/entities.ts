import { decodeHTML } from 'entities';

const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
// A reference, or an ampersand that starts none (a bare "&" in a URL query).
const AMPERSAND = /&(?:([A-Za-z][A-Za-z0-9]{1,31});|#(?:\d{1,7}|x[0-9A-Fa-f]{1,6});)?/g;
// Comments and CDATA sections are left alone: "&" in them is already literal.
const OPAQUE = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)/g;

// HTML 4 meanings, which feeds of that era were written against; HTML 5 moved these two.
const HTML4 = new Map([['lang', '&#9001;'], ['rang', '&#9002;']]);

/**
 * Feeds use HTML named entities (&nbsp; &eacute; &shy;) that XML does not
 * define, and bare "&" in URLs; a strict XML parser stops at the first one.
 * Each named entity is rewritten as a numeric reference, which means the same
 * in XML and in HTML; a bare or unknown "&" becomes "&amp;", so it survives
 * as literal text.
 */
export function encodeHtmlEntitiesAsXml(xml: string): string {
  if (!xml.includes('&')) return xml;
  let out = '';
  let last = 0;
  OPAQUE.lastIndex = 0;
  for (let m = OPAQUE.exec(xml); m !== null; m = OPAQUE.exec(xml)) {
    if (m[0].length === 0) {
      OPAQUE.lastIndex++;
      continue;
    }
    out += rewrite(xml.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + rewrite(xml.slice(last));
}

function rewrite(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(AMPERSAND, (ref, name: string | undefined) => {
    if (ref === '&') return '&amp;';
    if (name === undefined || XML_ENTITIES.has(name)) return ref;
    const legacy = HTML4.get(name);
    if (legacy) return legacy;
    const decoded = decodeHTML(ref);
    if (decoded === ref) return `&amp;${name};`;
    return Array.from(decoded, (ch) => `&#${ch.codePointAt(0)};`).join('');
  });
}
