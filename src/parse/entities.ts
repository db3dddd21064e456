import { decodeHTML } from 'entities';

const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
const NAMED_REF = /&([A-Za-z][A-Za-z0-9]{1,31});/g;

/**
 * Feeds use HTML named entities (&nbsp; &eacute; &shy;) that XML does not
 * define; a strict XML parser stops at the first one. Each is rewritten as a
 * numeric reference, which means the same in XML and in HTML. Unknown names
 * are escaped so they survive as literal text.
 */
export function encodeHtmlEntitiesAsXml(xml: string): string {
  if (!xml.includes('&')) return xml;
  return xml.replace(NAMED_REF, (ref, name: string) => {
    if (XML_ENTITIES.has(name)) return ref;
    const decoded = decodeHTML(ref);
    if (decoded === ref) return `&amp;${name};`;
    return Array.from(decoded, (ch) => `&#${ch.codePointAt(0)};`).join('');
  });
}
