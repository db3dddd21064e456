import iconv from 'iconv-lite';

export interface DecodedText {
  readonly text: string;
  /** The charset actually used, lower-case. */
  readonly charset: string;
  /** Where the charset came from. */
  readonly source: 'bom' | 'pattern' | 'http' | 'prolog' | 'utf8-valid' | 'fallback';
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes → text, in this order: BOM, the HTTP Content-Type charset, the XML
 * prolog's encoding, "valid UTF-8 wins", then windows-1252 (what browsers do
 * for undeclared legacy text). A declared UTF-8 that is not valid UTF-8 falls
 * through to the next step, since that is what real misconfigured servers send.
 */
export function decodeBody(body: Buffer, contentType: string | null): DecodedText {
  const bom = sniffBom(body);
  if (bom) return { text: stripIllegalXmlChars(iconv.decode(body.subarray(bom.length), bom.charset)), charset: bom.charset, source: bom.length > 0 ? 'bom' : 'pattern' };

  const candidates: [string | null, DecodedText['source']][] = [
    [charsetFromContentType(contentType), 'http'],
    [charsetFromProlog(body), 'prolog'],
  ];
  for (const [declared, source] of candidates) {
    if (!declared) continue;
    const charset = canonicalCharset(declared);
    if (!charset) continue;
    if (charset === 'utf-8') {
      const text = tryUtf8(body);
      if (text !== null) return { text: stripIllegalXmlChars(text), charset, source };
      continue;
    }
    return { text: stripIllegalXmlChars(iconv.decode(body, charset)), charset, source };
  }
  const utf8 = tryUtf8(body);
  if (utf8 !== null) return { text: stripIllegalXmlChars(utf8), charset: 'utf-8', source: 'utf8-valid' };
  return { text: stripIllegalXmlChars(iconv.decode(body, 'windows-1252')), charset: 'windows-1252', source: 'fallback' };
}

function tryUtf8(body: Buffer): string | null {
  try {
    return utf8Strict.decode(body);
  } catch {
    return null;
  }
}

function sniffBom(b: Buffer): { charset: string; length: number } | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return { charset: 'utf-32be', length: 4 };
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return { charset: 'utf-32le', length: 4 };
  if (b[0] === 0xfe && b[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  if (b[0] === 0xff && b[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  // No BOM, but "<?" in a 16- or 32-bit encoding (XML 1.0 Appendix F).
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0x00 && b[3] === 0x3c) return { charset: 'utf-32be', length: 0 };
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x00 && b[3] === 0x00) return { charset: 'utf-32le', length: 0 };
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return { charset: 'utf-16be', length: 0 };
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return { charset: 'utf-16le', length: 0 };
  return null;
}

export function charsetFromContentType(contentType: string | null): string | null {
  if (!contentType) return null;
  const m = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType);
  return m ? m[1]!.trim() : null;
}

function charsetFromProlog(body: Buffer): string | null {
  const head = body.subarray(0, 512).toString('latin1');
  const m = /^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']/.exec(head);
  return m ? m[1]! : null;
}

/** A label iconv-lite knows, lower-cased; null when unknown. */
function canonicalCharset(label: string): string | null {
  const l = label.trim().toLowerCase();
  if (l === 'utf8' || l === 'utf-8' || l === 'unicode-1-1-utf-8') return 'utf-8';
  // Decoding as UTF-16 without a BOM: the declaration alone does not say the byte order.
  if (l === 'utf-16' || l === 'utf16') return 'utf-16le';
  if (l === 'utf-32' || l === 'utf32') return 'utf-32le';
  // Browsers (and the WHATWG Encoding standard) read latin1 and ascii labels as windows-1252.
  if (l === 'iso-8859-1' || l === 'latin1' || l === 'us-ascii' || l === 'ascii') return 'windows-1252';
  return iconv.encodingExists(l) ? l : null;
}

// XML 1.0 §2.2: C0 controls other than tab, LF and CR, lone surrogates, U+FFFE/U+FFFF.
const ILLEGAL_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Every character ILLEGAL_XML or demoronize can change is one of these; most
// documents have none (a surrogate pair is legal), and this scan costs less
// than half of the lookaround regex's.
const MAYBE_ILLEGAL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x80-\x9F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function stripIllegalXmlChars(text: string): string {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!MAYBE_ILLEGAL.test(t)) return t;
  return demoronize(t.replace(ILLEGAL_XML, ''));
}

// windows-1252 bytes 0x80–0x9F that were decoded as latin-1 (or encoded to
// UTF-8 as such) show up as C1 controls, which no real text contains: map
// them to the characters meant (smart quotes, dashes, €).
const C1 = /[\u0080-\u009f]/g;
const WIN1252_C1 = iconv.decode(Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i)), 'windows-1252');

function demoronize(text: string): string {
  return /[\u0080-\u009f]/.test(text) ? text.replace(C1, (c) => {
    const mapped = WIN1252_C1[c.charCodeAt(0) - 0x80]!;
    return mapped === '\ufffd' ? '' : mapped;
  }) : text;
}
