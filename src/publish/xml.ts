// XML 1.0 forbids these even as character references (§2.2), so they are dropped, not escaped.
const XML_ILLEGAL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanText(s: string): string {
  return s.replace(XML_ILLEGAL, '');
}

/** Text content and attribute values: &, <, >, " and ' escaped, illegal characters dropped. */
export function esc(s: string): string {
  return cleanText(s).replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

/** An element with escaped text; nothing when the value is empty. */
export function el(name: string, value: string | null | undefined, attrs: Record<string, string | number | null | undefined> = {}): string {
  if (value === null || value === undefined || value === '') return '';
  return `<${name}${attributes(attrs)}>${esc(value)}</${name}>`;
}

export function empty(name: string, attrs: Record<string, string | number | null | undefined>): string {
  return `<${name}${attributes(attrs)}/>`;
}

function attributes(attrs: Record<string, string | number | null | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== '') out += ` ${k}="${esc(String(v))}"`;
  return out;
}
