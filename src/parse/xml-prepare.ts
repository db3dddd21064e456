import { encodeHtmlEntitiesAsXml, rewriteReferences } from './entities';

/**
 * One pass over the XML text before rss-parser (xml2js) sees it, for what
 * xml2js cannot keep:
 *  - HTML named entities and bare "&" (entities.ts), outside comments and
 *    CDATA sections: done token by token here rather than as a pass of its
 *    own, whose output (a string of many pieces) V8 then had to flatten at
 *    about a tenth of the parse stage's cost;
 *  - xml:base scoping (XML Base §4.2): each item/entry/channel/feed gets a
 *    <tidings_base> child and each text-bearing element a tidings_base
 *    attribute holding the base in scope, so the adapter can resolve links;
 *  - inline XHTML (Atom type="xhtml", RSS <xhtml:body>): xml2js splits mixed
 *    content into unordered objects, so the markup is moved into a CDATA
 *    section and typed html;
 *  - a truncated document: a cut-off final tag is dropped and every element
 *    still open is closed;
 *  - with `lift`, the long text of the elements that hold an item's HTML
 *    (description, content:encoded, content, summary, body) is lifted out
 *    of the document and replaced by a short placeholder, so sax does not
 *    walk it character by character (sax appends a CDATA section to its
 *    buffer one character at a time: on news feeds that text is most of
 *    the document). text() (parse/text.ts) puts it back as the adapter reads rss-parser's output.
 * The scanner is a single left-to-right pass; every token pattern is linear.
 */
export interface PreparedXml {
  readonly xml: string;
  /** Set when the document had to be closed. */
  readonly repaired: string | null;
  /** The lifted texts, placeholder i standing for lifted[i] (see withLifted in text.ts). */
  readonly lifted: readonly string[];
}

export interface PrepareOptions {
  /** Lift long item text out of the document (see above). @default false */
  readonly lift?: boolean;
}

/**
 * The end of the token that starts at `pos` (pos < xml.length): a comment,
 * a CDATA section, a processing instruction, a declaration, a start or end
 * tag, a text run, or a lone "<". Each construct may be cut off by the end
 * of the document. The same tokens as this pattern gives, without a match
 * object and a string per token (test/unit/parse.tokens.test.ts checks):
 *   <!--[\s\S]*?(?:-->|$) | <!\[CDATA\[[\s\S]*?(?:\]\]>|$) | <\?[\s\S]*?(?:\?>|$)
 *   | <!(?:[^>[]|\[[^\]]*\]?)*>? | <\/?[A-Za-z_][^<>]*>? | [^<]+ | <
 */
export function tokenEnd(xml: string, pos: number): number {
  const n = xml.length;
  if (xml.charCodeAt(pos) !== LT) {
    const lt = xml.indexOf('<', pos);
    return lt < 0 ? n : lt;
  }
  const c1 = xml.charCodeAt(pos + 1);
  if (c1 === BANG) {
    if (xml.startsWith('<!--', pos)) return closedBy(xml, '-->', pos + 4);
    if (xml.startsWith('<![CDATA[', pos)) return closedBy(xml, ']]>', pos + 9);
    // A declaration: anything but ">" and "[", or a bracketed part, then an optional ">".
    let i = pos + 2;
    while (i < n) {
      const c = xml.charCodeAt(i);
      if (c === GT) return i + 1;
      if (c === OPEN_BRACKET) {
        const close = xml.indexOf(']', i + 1);
        if (close < 0) return n;
        i = close + 1;
      } else i++;
    }
    return n;
  }
  if (c1 === QUESTION) return closedBy(xml, '?>', pos + 2);
  const nameAt = c1 === SLASH ? pos + 2 : pos + 1;
  if (!isNameStart(xml.charCodeAt(nameAt))) return pos + 1;
  let i = nameAt + 1;
  while (i < n) {
    const c = xml.charCodeAt(i);
    if (c === GT) return i + 1;
    if (c === LT) return i;
    i++;
  }
  return n;
}

const LT = 0x3c;
const GT = 0x3e;
const BANG = 0x21;
const QUESTION = 0x3f;
const SLASH = 0x2f;
const OPEN_BRACKET = 0x5b;

function closedBy(xml: string, close: string, from: number): number {
  const at = xml.indexOf(close, from);
  return at < 0 ? xml.length : at + close.length;
}

/** [A-Za-z_] */
function isNameStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}
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
  /** Its long text is lifted (see LIFTED). */
  readonly lifted: boolean;
}

interface Capture {
  readonly name: string;
  readonly startTag: string;
  readonly innerStart: number;
  readonly stripDiv: boolean;
  depth: number;
}

export function prepareXml(xml: string, opts: PrepareOptions = {}): PreparedXml {
  const withBase = xml.includes('xml:base');
  // A document that already holds a placeholder character is never lifted: restoring would change its text.
  const lifter = opts.lift && xml.indexOf('\uE000') < 0 && xml.indexOf('\uE001') < 0 ? new Lifter() : null;
  // The output is the input with some tokens replaced: unchanged stretches are copied
  // as slices when a replacement comes (most tokens are unchanged).
  const out: string[] = [];
  let copied = 0;
  const replace = (from: number, to: number, text: string): void => {
    if (from > copied) out.push(xml.slice(copied, from));
    out.push(text);
    copied = to;
  };
  const stack: Open[] = [];
  let capture: Capture | null = null;
  let truncatedAt = -1;
  for (let at = 0, end = 0; at < xml.length; at = end) {
    // Where the token ends in the document (tok itself may be rewritten below).
    end = tokenEnd(xml, at);
    if (xml.charCodeAt(at) !== LT) {
      // A text run: copied as it is unless it holds a reference or is lifted.
      if (capture) continue;
      const top = stack.length > 0 ? stack[stack.length - 1]! : null;
      const liftable = lifter !== null && top !== null && top.lifted && end - at >= LIFT_MIN;
      const amp = xml.indexOf('&', at);
      if (!liftable && (amp < 0 || amp >= end)) continue;
      const piece = amp < 0 || amp >= end ? xml.slice(at, end) : rewriteReferences(xml.slice(at, end));
      if (lifter !== null && liftable && piece.length >= LIFT_MIN) replace(at, end, lifter.text(piece));
      else if (amp >= 0 && amp < end) replace(at, end, piece);
      continue;
    }
    const raw = xml.slice(at, end);
    if (raw[0] !== '<' || raw.length === 1 || raw[1] === '!' || raw[1] === '?') {
      const comment = raw.startsWith('<!--');
      const cdata = !comment && raw.startsWith('<![CDATA[');
      if ((comment && !raw.endsWith('-->')) || (cdata && !raw.endsWith(']]>'))) {
        truncatedAt = at;
        break;
      }
      if (capture) continue;
      if (raw === '<') {
        replace(at, end, '&lt;'); // a lone "<"
        continue;
      }
      const piece = comment || cdata || !raw.includes('&') ? raw : rewriteReferences(raw);
      const top = stack.length > 0 ? stack[stack.length - 1]! : null;
      if (lifter !== null && top !== null && top.lifted && piece.length >= LIFT_MIN) {
        if (piece[0] !== '<') {
          replace(at, end, lifter.text(piece));
          continue;
        }
        if (cdata) {
          replace(at, end, lifter.cdata(piece.slice(9, -3)));
          continue;
        }
      }
      if (piece !== raw) replace(at, end, piece);
      continue;
    }
    if (!raw.endsWith('>')) {
      truncatedAt = at; // the document stops inside a tag
      break;
    }
    const tok = raw.includes('&') ? rewriteReferences(raw) : raw;
    const closing = tok[1] === '/';
    const name = tagName(tok, closing ? 2 : 1);
    if (closing) {
      if (capture) {
        if (name === capture.name && --capture.depth === 0) {
          // The captured markup becomes text; copying resumes at this close tag.
          out.push(asCdata(capture, xml.slice(capture.innerStart, at), lifter));
          copied = at;
          capture = null;
          popTo(stack, name);
          if (tok !== raw) replace(at, end, tok);
        }
        continue;
      }
      popTo(stack, name);
      if (tok !== raw) replace(at, end, tok);
      continue;
    }
    const selfClosing = tok.endsWith('/>');
    if (capture) {
      if (name === capture.name && !selfClosing) capture.depth++;
      continue;
    }
    const local = localName(name);
    const parentBase = stack.length > 0 ? stack[stack.length - 1]!.base : null;
    const own = withBase ? attrValue(tok, 'xml:base') : null;
    const base = own !== null ? joinBase(own, parentBase) : parentBase;
    let tag = tok;
    if (base !== null && BASED.has(local)) tag = withAttr(tag, 'tidings_base', base);
    const type = (attrValue(tok, 'type') ?? '').toLowerCase();
    const xhtml = (XHTML_CAPABLE.has(local) && (type === 'xhtml' || type === 'application/xhtml+xml')) || name === 'xhtml:body' || (local === 'body' && /xmlns\s*=\s*["']http:\/\/www\.w3\.org\/1999\/xhtml/.test(tok));
    // "Naked" markup: an unprefixed title/summary/description/content holding
    // elements without saying type="xhtml" (feedparser reads it as HTML).
    const naked = !xhtml && !selfClosing && NAKED_CAPABLE.has(name) && !/^(text|text\/plain)$/.test(type) && startsElement(xml, end);
    if ((xhtml || naked) && !selfClosing) {
      stack.push({ name, base, lifted: false });
      capture = { name, startTag: setType(tag), innerStart: end, stripDiv: type === 'xhtml', depth: 1 };
      replace(at, end, ''); // asCdata writes the start tag with the markup
      continue;
    }
    if (tag !== raw) replace(at, end, tag);
    if (selfClosing) continue;
    stack.push({ name, base, lifted: LIFTED.has(local) });
    if (base !== null && CONTAINERS.has(local.toLowerCase())) replace(end, end, `<tidings_base>${escapeXml(base)}</tidings_base>`);
  }
  if (capture) {
    // Unclosed to the end: everything after its start tag is its markup.
    out.push(asCdata(capture, xml.slice(capture.innerStart), lifter), `</${capture.name}>`);
    copied = xml.length;
    popTo(stack, capture.name);
    truncatedAt = xml.length;
  } else if (truncatedAt >= 0) {
    // A cut-off tag, comment or CDATA section at the end is dropped.
    replace(truncatedAt, xml.length, '');
  }
  if (copied < xml.length) out.push(xml.slice(copied));
  const lifted = lifter?.texts ?? [];
  if (stack.length === 0 && truncatedAt < 0) return { xml: out.join(''), repaired: null, lifted };
  const open = stack.map((o) => o.name);
  for (let i = stack.length - 1; i >= 0; i--) out.push(`</${stack[i]!.name}>`);
  return { xml: out.join(''), repaired: `the document ends early; closed ${open.length > 0 ? open.map((n) => `<${n}>`).join(' ') : 'a cut-off tag'}`, lifted };
}

/** The element name of a start or end tag ("<name", "</name"): [A-Za-z_][\w:.-]*. */
function tagName(tok: string, from: number): string {
  let i = from + 1;
  while (i < tok.length && isNameChar(tok.charCodeAt(i))) i++;
  return tok.slice(from, i);
}

/** [\w:.-] */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x3a || c === 0x2e || c === 0x2d;
}

// ---- lifting long text out of sax's way -----------------------------------

/** The elements whose text is an item's HTML (local names; content:encoded is "encoded"). */
const LIFTED = new Set(['description', 'encoded', 'content', 'summary', 'body', 'fullitem']);
/** Shorter text is not worth a placeholder. */
const LIFT_MIN = 64;
// Private-use characters (legal XML characters that sax passes through as text).
const OPEN = '\uE000';
const CLOSE = '\uE001';
// The references sax decodes in text, exactly: its five entities (sax also looks them up lower-cased) and
// numeric references to XML characters. Text with anything else is left for sax (and its error).
const TEXT_REFERENCE = /&(?:(amp|lt|gt|quot|apos);|#([0-9]{1,8});|#[xX]([0-9a-fA-F]{1,8});)|&/gi;
const XML_ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

class Lifter {
  readonly texts: string[] = [];

  /** A text token: its decoded value lifted, or the token itself when sax must see it. */
  text(tok: string): string {
    if (!/\S/.test(tok)) return tok;
    if (!tok.includes('&')) return this.add(tok);
    let bad = false;
    const decoded = tok.replace(TEXT_REFERENCE, (ref: string, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
      if (name !== undefined) return XML_ENTITY[name.toLowerCase()]!;
      const code = dec !== undefined ? parseInt(dec, 10) : hex !== undefined ? parseInt(hex, 16) : NaN;
      if (!isXmlChar(code)) {
        bad = true;
        return ref;
      }
      return String.fromCodePoint(code);
    });
    return bad ? tok : this.add(decoded);
  }

  /** A CDATA section's content (literal text). */
  cdata(inner: string): string {
    // A whitespace-only CDATA section is kept as one: xml2js keeps it as text, but drops whitespace-only text.
    return /\S/.test(inner) ? this.add(inner) : `<![CDATA[${inner}]]>`;
  }

  private add(value: string): string {
    this.texts.push(value);
    return `${OPEN}${this.texts.length - 1}${CLOSE}`;
  }
}

// XML 1.0 §2.2 Char, the check sax makes on a character reference.
function isXmlChar(n: number): boolean {
  return n === 0x9 || n === 0xa || n === 0xd || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff);
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
function asCdata(capture: Capture, raw: string, lifter: Lifter | null): string {
  let html = encodeHtmlEntitiesAsXml(raw).replace(/<(\/?)[A-Za-z_][\w.-]*:([A-Za-z_])/g, '<$1$2');
  if (capture.stripDiv) {
    const m = /^\s*<div\b[^>]*>([\s\S]*)<\/div>\s*$/.exec(html);
    if (m) html = m[1]!;
  }
  if (lifter && html.length >= LIFT_MIN) return `${capture.startTag}${lifter.cdata(html)}`;
  return `${capture.startTag}<![CDATA[${html.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/** An attribute value's references, decoded as an XML parser would (HTML entities are numeric by now). */
function decodeXmlAttr(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g, (ref, n: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (n !== undefined) return XML_ENTITY[n]!;
    const code = dec !== undefined ? parseInt(dec, 10) : parseInt(hex!, 16);
    return isXmlChar(code) ? String.fromCodePoint(code) : ref;
  });
}
