export interface SanitizeOptions {
  /** Base URL for relative href/src. */
  readonly baseUrl: string | null;
  /** Hosts whose iframes (video embeds) are kept. */
  readonly iframeHosts?: readonly string[];
}

/** One sanitizing pass, and whether it dropped an element whose content it kept (or rewrote a srcset). */
export type SanitizePass = (html: string, opts: SanitizeOptions) => { html: string; restructured: boolean };

/**
 * Runs a pass until sanitizing its output changes nothing. Sanitizer output
 * can be re-parsed differently, but only when the pass dropped an element
 * whose content it kept (or rewrote a srcset): htmlparser2 closes a <p> when
 * a block opens right inside it, not when an <svg> stands between them, so
 * "<p><svg><h1>" comes out as "<p><h1></h1></p>", which parses as
 * "<p></p><h1></h1><p></p>". When every element was kept as it was, the
 * output is the parser's own tree written out with every end tag explicit,
 * which parses back to the same tree: one pass is enough.
 */
export function toFixedPoint(html: string, opts: SanitizeOptions, pass: SanitizePass): string {
  // Plain text with nothing to escape (no tag, no reference, no ">") comes out
  // of a pass as it went in, trimmed: text-only feeds skip the parse.
  if (!/[<>&]/.test(html)) return html.trim();
  const first = pass(html, opts);
  if (!first.restructured) return first.html;
  let out = first.html;
  for (let i = 0; i < 3; i++) {
    const again = pass(out, opts).html;
    if (again === out) break;
    out = again;
  }
  return out;
}
