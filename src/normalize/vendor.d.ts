// Types for the two small modules sanitize-html is built on, which the
// sanitizer walker (sanitize.ts) calls directly so its scheme and srcset
// checks are sanitize-html's own. Neither ships types.
declare module 'launder' {
  /** True when href must be refused: a scheme outside allowedSchemes, or protocol-relative when that is off. */
  export function naughtyHref(href: string, options?: { allowedSchemes?: readonly string[]; allowProtocolRelative?: boolean }): boolean;
}

declare module 'parse-srcset' {
  interface Candidate {
    url: string;
    w?: number;
    h?: number;
    d?: number;
  }
  function parseSrcset(input: string): Candidate[];
  export default parseSrcset;
}
