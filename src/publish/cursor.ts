import type { PageCursor } from '../store';

/** "1581316200000.42": an item's published time (ms) and id, the keyset of a feed page. */
export function encodeCursor(c: PageCursor): string {
  return `${c.publishedAt.getTime()}.${c.id}`;
}

/** Null for anything that is not a cursor we wrote. */
export function decodeCursor(raw: string): PageCursor | null {
  const m = /^(-?\d{1,15})\.(\d{1,15})$/.exec(raw);
  if (!m) return null;
  const ms = Number(m[1]);
  const id = Number(m[2]);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(id) || Number.isNaN(new Date(ms).getTime())) return null;
  return { publishedAt: new Date(ms), id };
}
