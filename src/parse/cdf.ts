/**
 * Microsoft CDF (Channel Definition Format, 1997) still turns up in old
 * feed lists. rss-parser does not know it, so its four elements are
 * rewritten as the RSS 2.0 they correspond to: CHANNEL → channel,
 * ITEM → item, HREF → link, LASTMOD → updated, ABSTRACT → description,
 * BASE → xml:base.
 */
const CDF_TAG = /<(\/?)(CHANNEL|ITEM|TITLE|ABSTRACT)\b([^<>]*?)(\/?)>/gi;

export function isCdf(xml: string): boolean {
  const head = xml.slice(0, 4096).replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, '');
  return /^\s*<CHANNEL[\s>]/i.test(head);
}

export function cdfToRss(xml: string): string {
  const body = xml.replace(CDF_TAG, (_tag, close: string, rawName: string, attrs: string, selfClose: string) => {
    const name = rawName.toLowerCase();
    if (name === 'title') return close ? '</title>' : '<title>';
    if (name === 'abstract') return close ? '</description>' : '<description>';
    if (close) return name === 'channel' ? '</channel></rss>' : '</item>';
    const href = cdfAttr(attrs, 'HREF');
    const lastmod = cdfAttr(attrs, 'LASTMOD');
    const base = cdfAttr(attrs, 'BASE');
    const open = name === 'channel' ? `<rss version="2.0"><channel${base ? ` xml:base="${base}"` : ''}>` : `<item${base ? ` xml:base="${base}"` : ''}>`;
    const children = `${href ? `<link>${href}</link>` : ''}${lastmod ? `<updated>${lastmod}</updated>` : ''}`;
    const end = selfClose ? (name === 'channel' ? '</channel></rss>' : '</item>') : '';
    return `${open}${children}${end}`;
  });
  return body;
}

/** An attribute value, still XML-escaped (it goes back into XML). */
function cdfAttr(attrs: string, name: string): string | null {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(attrs);
  return m ? (m[1] ?? m[2] ?? null) : null;
}
