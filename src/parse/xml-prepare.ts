/**
 * One pass over the XML text before rss-parser (xml2js) sees it, for what
 * xml2js cannot keep:
 *  - xml:base scoping (XML Base §4.2): each item/entry/channel/feed gets a
 *    <tidings_base> child and each text-bearing element a tidings_base
 *    attribute holding the base in scope, so the adapter can resolve links;
 *  - inline XHTML (Atom type="xhtml", RSS <xhtml:body>): xml2js splits mixed
 *    content into unordered objects, so the markup is moved into a CDATA
 *    section and typed html;
 *  - a truncated document: a cut-off final tag is dropped and every element
 *    still open is closed.
 * The scanner is a single left-to-right pass; every token pattern is linear.
 */
export interface PreparedXml {
  readonly xml: string;
  /** Set when the document had to be closed. */
  readonly repaired: string | null;
}

const TOKEN =
  /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<\?[\s\S]*?(?:\?>|$)|<!(?:[^>[]|\[[^\]]*\]?)*>?|<\/?[A-Za-z_][^<>]*>?|[^<]+|</g;
const CONTAINERS = new Set(['item', 'entry', 'channel', 'feed']);
const BASED = new Set(['content', 'summary', 'description', 'encoded', 'body', 'fullitem', 'title', 'subtitle', 'tagline', 'link', 'id', 'guid', 'info']);
const XHTML_CAPABLE = new Set(['content', 'summary', 'title', 'subtitle', 'tagline', 'info', 'rights']);
const NAKED_CAPABLE = new Set(['content', 'summary', 'title', 'description', 'body']);
const ELEMENT_NEXT = /[^<]*<[A-Za-z_]/y;

/** Whether the first markup after `from` opens an element (not a close tag, CDATA or comment). */
function startsElement(xml: string, from: number): boolean {
  ELEMENT_NEXT.lastIndex = from;
  return ELEMENT_NEXT.test(xml);
}

interface Open {
  readonly name: string;
  readonly base: string | null;
}

interface Capture {
  readonly name: string;
  readonly startTag: string;
  readonly innerStart: number;
  readonly stripDiv: boolean;
  depth: number;
}

export function prepareXml(xml: string): PreparedXml {
  const withBase = xml.includes('xml:base');
  const out: string[] = [];
  const stack: Open[] = [];
  let capture: Capture | null = null;
  let truncatedTag = false;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(xml); m !== null; m = TOKEN.exec(xml)) {
    const tok = m[0];
    const at = m.index;
    if (tok.length === 0) {
      TOKEN.lastIndex++;
      continue;
    }
    if (tok[0] !== '<' || tok.length === 1 || tok[1] === '!' || tok[1] === '?') {
      if (tok.startsWith('<!--') && !tok.endsWith('-->')) {
        truncatedTag = true;
        break;
      }
      if (tok.startsWith('<![CDATA[') && !tok.endsWith(']]>')) {
        truncatedTag = true;
        break;
      }
      if (!capture) out.push(tok === '<' ? '&lt;' : tok);
      continue;
    }
    if (!tok.endsWith('>')) {
      truncatedTag = true; // the document stops inside a tag
      break;
    }
    const closing = tok[1] === '/';
    const name = /^<\/?([A-Za-z_][\w:.-]*)/.exec(tok)![1]!;
    const local = localName(name);
    if (closing) {
      if (capture) {
        if (name === capture.name && --capture.depth === 0) {
          out.push(asCdata(capture, xml.slice(capture.innerStart, at)), tok);
          capture = null;
          popTo(stack, name);
        }
        continue;
      }
      popTo(stack, name);
      out.push(tok);
      continue;
    }
    const selfClosing = tok.endsWith('/>');
    if (capture) {
      if (name === capture.name && !selfClosing) capture.depth++;
      continue;
    }
    const parentBase = stack.length > 0 ? stack[stack.length - 1]!.base : null;
    const own = withBase ? attrValue(tok, 'xml:base') : null;
    const base = own !== null ? joinBase(own, parentBase) : parentBase;
    let tag = tok;
    if (base !== null && BASED.has(local)) tag = withAttr(tag, 'tidings_base', base);
    const type = (attrValue(tok, 'type') ?? '').toLowerCase();
    const xhtml = (XHTML_CAPABLE.has(local) && (type === 'xhtml' || type === 'application/xhtml+xml')) || name === 'xhtml:body' || (local === 'body' && /xmlns\s*=\s*["']http:\/\/www\.w3\.org\/1999\/xhtml/.test(tok));
    // "Naked" markup: an unprefixed title/summary/description/content holding
    // elements without saying type="xhtml" (feedparser reads it as HTML).
    const naked = !xhtml && !selfClosing && NAKED_CAPABLE.has(name) && !/^(text|text\/plain)$/.test(type) && startsElement(xml, at + tok.length);
    if ((xhtml || naked) && !selfClosing) {
      stack.push({ name, base });
      capture = { name, startTag: setType(tag), innerStart: at + tok.length, stripDiv: type === 'xhtml', depth: 1 };
      continue;
    }
    out.push(tag);
    if (selfClosing) continue;
    stack.push({ name, base });
    if (base !== null && CONTAINERS.has(local.toLowerCase())) out.push(`<tidings_base>${escapeXml(base)}</tidings_base>`);
  }
  if (capture) {
    out.push(asCdata(capture, xml.slice(capture.innerStart)), `</${capture.name}>`);
    popTo(stack, capture.name);
    truncatedTag = true;
  }
  if (stack.length === 0 && !truncatedTag) return { xml: out.join(''), repaired: null };
  const open = stack.map((o) => o.name);
  for (let i = stack.length - 1; i >= 0; i--) out.push(`</${stack[i]!.name}>`);
  return { xml: out.join(''), repaired: `the document ends early; closed ${open.length > 0 ? open.map((n) => `<${n}>`).join(' ') : 'a cut-off tag'}` };
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

function popTo(stack: Open[], name: string): void {
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i]!.name === name) {
      stack.length = i;
      return;
    }
  }
}

// Compiled once per attribute name: a new RegExp per start tag was a third of this pass.
const ATTR_PATTERNS = new Map<string, RegExp>();

function attrValue(tag: string, name: string): string | null {
  if (!tag.includes(name)) return null;
  let re = ATTR_PATTERNS.get(name);
  if (!re) {
    const escaped = name.replace(/[.:]/g, '\\$&');
    re = new RegExp(`\\s${escaped}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
    ATTR_PATTERNS.set(name, re);
  }
  const m = re.exec(tag);
  return m ? decodeXmlAttr(m[1] ?? m[2] ?? '') : null;
}

/** A relative xml:base resolves against the one in scope (or stays relative until the feed URL is known). */
function joinBase(own: string, parent: string | null): string {
  if (parent === null) return own;
  try {
    return new URL(own, parent).href;
  } catch {
    return own;
  }
}

function withAttr(tag: string, name: string, value: string): string {
  const end = tag.endsWith('/>') ? tag.length - 2 : tag.length - 1;
  return `${tag.slice(0, end)} ${name}="${escapeXml(value)}"${tag.slice(end)}`;
}

function setType(tag: string): string {
  return /\stype\s*=/.test(tag) ? tag.replace(/(\stype\s*=\s*)(?:"[^"]*"|'[^']*')/, '$1"html"') : withAttr(tag, 'type', 'html');
}

/** Inline XHTML → the same markup as HTML text in CDATA, without namespace prefixes or Atom's wrapping div (RFC 4287 §3.1.1.3). */
function asCdata(capture: Capture, inner: string): string {
  let html = inner.replace(/<(\/?)[A-Za-z_][\w.-]*:([A-Za-z_])/g, '<$1$2');
  if (capture.stripDiv) {
    const m = /^\s*<div\b[^>]*>([\s\S]*)<\/div>\s*$/.exec(html);
    if (m) html = m[1]!;
  }
  return `${capture.startTag}<![CDATA[${html.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function decodeXmlAttr(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, n: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[n]!);
}
