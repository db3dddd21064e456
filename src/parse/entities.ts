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
    out += rewriteReferences(xml.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + rewriteReferences(xml.slice(last));
}

/** encodeHtmlEntitiesAsXml for text known to hold no comment or CDATA section (a text run, a tag). */
export function rewriteReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(AMPERSAND, (ref, name: string | undefined) => {
    if (ref === '&') return '&amp;';
    if (name === undefined) return windows1252Ref(ref);
    if (XML_ENTITIES.has(name)) return ref;
    const legacy = HTML4.get(name);
    if (legacy) return legacy;
    const decoded = decodeHTML(ref);
    if (decoded === ref) return `&amp;${name};`;
    return Array.from(decoded, (ch) => `&#${ch.codePointAt(0)};`).join('');
  });
}

// &#128;–&#159; name C1 controls, but everyone who writes them means windows-1252 (&#146; is ’).
const WIN1252: Record<number, number> = {
  128: 0x20ac, 130: 0x201a, 131: 0x192, 132: 0x201e, 133: 0x2026, 134: 0x2020, 135: 0x2021, 136: 0x2c6, 137: 0x2030, 138: 0x160,
  139: 0x2039, 140: 0x152, 142: 0x17d, 145: 0x2018, 146: 0x2019, 147: 0x201c, 148: 0x201d, 149: 0x2022, 150: 0x2013, 151: 0x2014,
  152: 0x2dc, 153: 0x2122, 154: 0x161, 155: 0x203a, 156: 0x153, 158: 0x17e, 159: 0x178,
};

function windows1252Ref(ref: string): string {
  const code = ref[2] === 'x' || ref[2] === 'X' ? parseInt(ref.slice(3, -1), 16) : parseInt(ref.slice(2, -1), 10);
  const mapped = WIN1252[code];
  return mapped === undefined ? ref : `&#${mapped};`;
}

const DOCTYPE_ENTITY = /<!ENTITY\s+([A-Za-z_][\w.-]{0,63})\s+(?:"([^"<&%]{0,1000})"|'([^'<&%]{0,1000})')\s*>/g;
const EXPANSION_BUDGET = 1 << 20;

/**
 * Entities declared in the document's internal DTD subset (<!ENTITY id "…">)
 * are expanded, once: values may not hold references, so nothing recurses
 * (no "billion laughs"), and at most 1 MiB is added.
 */
export function expandDoctypeEntities(xml: string): string {
  const doctype = /<!DOCTYPE[^[>]*\[([^\]]{0,65536})\]\s*>/.exec(xml.slice(0, 70000));
  if (!doctype) return xml;
  const values = new Map<string, string>();
  for (const m of doctype[1]!.matchAll(DOCTYPE_ENTITY)) if (!values.has(m[1]!)) values.set(m[1]!, m[2] ?? m[3] ?? '');
  if (values.size === 0) return xml;
  const head = xml.slice(0, doctype.index);
  let budget = EXPANSION_BUDGET;
  const rest = xml.slice(doctype.index + doctype[0].length).replace(/&([A-Za-z_][\w.-]{0,63});/g, (ref, name: string) => {
    const v = values.get(name);
    if (v === undefined || budget < v.length) return ref;
    budget -= v.length;
    return v;
  });
  return head + rest;
}
