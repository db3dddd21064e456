/**
 * Seconds between two poll ticks of a cron expression, for Cache-Control:
 * a reader polling more often than we fetch only gets the same bytes.
 * Handles the forms the config uses ("* * * * *", "*\/5 * * * *", with or
 * without a seconds field); anything else counts as one minute.
 */
export function tickSeconds(expr: string): number {
  const fields = expr.trim().split(/\s+/);
  const [sec, min, hour] = fields.length === 6 ? fields : ['0', ...fields];
  const step = (f: string | undefined): number | null => (f === '*' ? 1 : /^\*\/(\d+)$/.exec(f ?? '')?.[1] ? Number(/^\*\/(\d+)$/.exec(f!)![1]) : null);
  const s = step(sec);
  if (s !== null) return Math.max(1, s);
  const m = step(min);
  if (m !== null) return m * 60;
  const h = step(hour);
  if (h !== null && /^\d+$/.test(min ?? '')) return h * 3600;
  return 60;
}
