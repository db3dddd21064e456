import { createHash } from 'node:crypto';
import type { SourceStatus } from '../store';
import type { FeedFormatOut } from './model';
import { esc } from './xml';

export interface IndexTopic {
  readonly slug: string;
  readonly title: string;
  readonly description: string | null;
  readonly count: number;
  readonly latest: Date | null;
  readonly urls: Readonly<Record<FeedFormatOut, string>>;
}

// Copy-to-clipboard: the Clipboard API where the page is a secure context, else select-and-copy.
const SCRIPT = `document.addEventListener('click',function(e){var b=e.target.closest('button[data-copy]');if(!b)return;var t=b.getAttribute('data-copy');var done=function(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy URL'},1500)};if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(t).then(done,function(){})}else{var i=document.createElement('textarea');i.value=t;document.body.appendChild(i);i.select();try{document.execCommand('copy');done()}catch(x){}i.remove()}});`;

/** The page's Content-Security-Policy: nothing external, only our own inline style and (hashed) script. */
export const INDEX_CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'; base-uri 'none'; form-action 'none'`;

const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1a1a1a;background:#fff}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem}.muted{color:#555}
.topics{list-style:none;padding:0}.topics li{border:1px solid #ddd;border-radius:8px;padding:.8rem;margin:.6rem 0}
.topics h3{margin:0;font-size:1.1rem}.links a{display:inline-block;margin:.3rem .6rem .3rem 0;padding:.3rem .6rem;border-radius:6px;background:#eef;text-decoration:none}
button{font:inherit;padding:.3rem .6rem;border-radius:6px;border:1px solid #99a;background:#fff;cursor:pointer}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem;border-bottom:1px solid #eee;vertical-align:top}
.err{color:#a00;word-break:break-word}.ok{color:#070}.scroll{overflow-x:auto}
@media (max-width:600px){th:nth-child(4),td:nth-child(4){display:none}}`;

function when(d: Date | null): string {
  return d ? `<time datetime="${d.toISOString()}">${esc(d.toISOString().replace('T', ' ').slice(0, 16))} UTC</time>` : '—';
}

/** GET /: the topics with subscribe links, and the sources' health. Server-rendered, no external assets. */
export function renderIndexPage(topics: readonly IndexTopic[], sources: readonly SourceStatus[], generator: string, base: string): string {
  // Links are relative, so the page works however it is reached; "Copy URL" gives the public (baseUrl) address.
  const rel = (url: string) => (url.startsWith(`${base}/`) ? url.slice(base.length + 1) : url);
  const opmlUrl = 'opml';
  const topicItems = topics
    .map(
      (t) => `<li id="topic-${esc(t.slug)}"><h3>${esc(t.title)}</h3>
${t.description ? `<p class="muted">${esc(t.description)}</p>` : ''}<p>${t.count} item${t.count === 1 ? '' : 's'} · last update ${when(t.latest)}</p>
<p class="links"><a href="${esc(rel(t.urls.rss))}">RSS</a><a href="${esc(rel(t.urls.atom))}">Atom</a><a href="${esc(rel(t.urls.json))}">JSON Feed</a>
<button type="button" data-copy="${esc(t.urls.rss)}">Copy URL</button></p></li>`,
    )
    .join('\n');
  const rows = sources
    .map((s) => {
      const feeds = s.feeds.filter((f) => f.enabled);
      const success = feeds.map((f) => f.lastSuccessAt).filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
      const next = feeds.map((f) => f.nextFetchAt).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
      const errors = s.feeds.filter((f) => f.lastError).map((f) => `${f.lastErrorCode ?? 'error'}: ${f.lastError}`);
      return `<tr><td><a href="sources/${esc(s.id)}.rss">${esc(s.name)}</a>${s.enabled ? '' : ' <span class="muted">(disabled)</span>'}</td><td>${s.itemCount}</td><td>${when(success)}</td><td>${when(next)}</td><td>${errors.length ? `<span class="err">${esc(errors.join('; ').slice(0, 300))}</span>` : '<span class="ok">ok</span>'}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tidings</title><link rel="icon" href="data:,"><style>${STYLE}</style>
<link rel="alternate" type="text/x-opml" title="All topic feeds (OPML)" href="${esc(opmlUrl)}"></head>
<body><header><h1>Tidings</h1><p class="muted">Topic feeds to subscribe to in any reader. <a href="${esc(opmlUrl)}">All of them as OPML</a> · <a href="all.rss">Everything (RSS)</a></p></header>
<main><h2>Topics</h2>
${topics.length ? `<ul class="topics">${topicItems}</ul>` : '<p>No topics are configured.</p>'}
<h2>Sources</h2>
<div class="scroll"><table><thead><tr><th>Source</th><th>Items</th><th>Last success</th><th>Next fetch</th><th>Last error</th></tr></thead>
<tbody>${rows}</tbody></table></div></main>
<footer><p class="muted">${esc(generator)}</p></footer>
<script>${SCRIPT}</script></body></html>
`;
}
