/**
 * rss-parser hands back xml2js nodes: a string, { _: text, $: attrs }, an
 * array of either, or nested objects. These helpers turn any of them into
 * text or null, so "[object Object]" never reaches an item.
 */
export type XmlNode = unknown;

// The texts the pre-pass lifted out of the document being adapted (xml-prepare.ts), which text()
// puts back in place of their placeholders. Set only for the synchronous span of withLifted.
let lifted: readonly string[] = [];
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

/** Runs fn (synchronously) with text() restoring the given lifted texts. */
export function withLifted<T>(texts: readonly string[], fn: () => T): T {
  const outer = lifted;
  lifted = texts;
  try {
    return fn();
  } finally {
    lifted = outer;
  }
}

function restore(s: string): string {
  return lifted.length > 0 && s.includes('\uE000') ? s.replace(PLACEHOLDER, (_, i: string) => lifted[Number(i)] ?? '') : s;
}

export function text(node: XmlNode): string | null {
  if (node === null || node === undefined) return null;
  if (typeof node === 'string') return restore(node);
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) {
    for (const n of node) {
      const t = text(n);
      if (t !== null && t.trim() !== '') return t;
    }
    return null;
  }
  if (typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o._ === 'string') return restore(o._);
    // An element with children only (e.g. <name> inside <author>): none of them is "the" text.
    return null;
  }
  return null;
}

export function attr(node: XmlNode, name: string): string | null {
  const n = Array.isArray(node) ? node[0] : node;
  if (!n || typeof n !== 'object') return null;
  const attrs = (n as { $?: Record<string, unknown> }).$;
  const v = attrs?.[name];
  return typeof v === 'string' ? v : null;
}

export function list(node: XmlNode): unknown[] {
  if (node === null || node === undefined) return [];
  return Array.isArray(node) ? node : [node];
}

export function child(node: XmlNode, name: string): unknown {
  const n = Array.isArray(node) ? node[0] : node;
  if (!n || typeof n !== 'object') return undefined;
  return (n as Record<string, unknown>)[name];
}

export function nonEmpty(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  const t = s.trim();
  return t === '' ? null : t;
}
