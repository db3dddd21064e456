/**
 * Conformance runner: serves every corpus file over local HTTP (with the
 * headers its expectation names), runs it through Tidings' own
 * fetch → parse → normalize path, and compares the result with what
 * feedparser expects, by meaning rather than by escaping.
 *
 *   npm run conformance -- ../shared/corpus [--json] [--check]
 *
 * --check exits 1 when a target of issue 4 slips, or when the ingest
 * sanitizer and sanitize-html (the same allow-list) differ on any HTML field
 * of the corpus.
 *
 * How a value is judged ("what the text means", since feedparser returns
 * sanitized, escaped HTML and Tidings plain text for titles):
 *  - titles, authors, categories: our plain text equals the text of
 *    feedparser's HTML (tags dropped, entities decoded, whitespace collapsed);
 *  - summary and content: same visible text, and every http(s) href/src URL
 *    feedparser kept is present (that is what the base/ group tests); our
 *    summary is plain text cut at 500 characters, so its URLs are looked up
 *    in the item's content;
 *  - links and enclosure URLs: equal after WHATWG URL parsing; ids: equal;
 *  - dates: the same instant to the second; feedparser's "updated" falls back
 *    to the published date when the feed has only one date;
 *  - Tidings drops an item with nothing in it: when feedparser's value for
 *    such an item means nothing either (no text, no URL), that is a pass.
 * "Readable" counts the not-bozo files that have a title or an item to give,
 * and asks the parse stage for a title or at least one item.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import sanitizeHtml from 'sanitize-html';
import { decodeHTML } from 'entities';
import { Fetcher } from '../src/fetch/fetcher';
import { parseFeedBody } from '../src/parse';
import { normalizeFeed } from '../src/normalize/item';
import { normalizeFeedInfo } from '../src/normalize/feed';
import { documentUrl } from '../src/normalize/urls';
import { sanitizeContent } from '../src/normalize/sanitize';
import { sanitizeWithLibrary } from '../src/normalize/sanitize-library';
import { parseDate } from '../src/normalize/dates';
import { TidingsError } from '../src/shared/errors';
import type { NormalizedItem } from '../src/domain/item';

interface Expectation {
  file: string;
  group: string;
  field: string;
  category: string;
  expected: unknown;
  bozoExpected: boolean | null;
  headers?: Record<string, string>;
}

interface DateVector {
  input: string;
  expected: string | null;
}

interface Outcome {
  kind: 'ok' | 'classified' | 'uncaught';
  error?: string;
  feed?: { title: string | null; link: string | null; publishedAt: Date | null; updatedAt: Date | null };
  items?: NormalizedItem[];
  /** Items the parse stage gave back (normalize later drops empty ones). */
  parsedItems?: number;
  /** Every text and HTML string the path produced (for the sanitize check). */
  outputs?: string[];
  /** HTML fields (content, summary, title) where the ingest sanitizer and sanitize-html disagree. */
  sanitizerMismatches?: string[];
  /** HTML fields compared that way. */
  sanitizerCompared?: number;
}

const FEEDPARSER_ORIGIN = 'http://127.0.0.1:8097';
const TARGET_90 = ['feed.title', 'entry.title', 'entry.link', 'entry.id', 'entry.author', 'entry.categories', 'entry.published', 'entry.updated', 'entry.enclosures'];
const TARGET_85 = ['entry.summary', 'entry.content']; // outside the sanitize group

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => !a.startsWith('--'));
  const json = argv.includes('--json');
  const check = argv.includes('--check');
  const corpus = path.resolve(args[0] ?? '../shared/corpus');
  const expectations = (JSON.parse(readFileSync(path.join(corpus, 'feedparser-expectations.json'), 'utf8')) as { expectations: Expectation[] }).expectations;
  const vectors = (JSON.parse(readFileSync(path.join(corpus, 'feedparser-date-vectors.json'), 'utf8')) as { vectors: DateVector[] }).vectors;

  const feedparserFiles = [...walk(path.join(corpus, 'feedparser', 'tests')), ...walk(path.join(corpus, 'feedparser', 'docs', 'examples'))]
    .filter((f) => /\.(xml|json|rss|atom|rdf)$/i.test(f));
  const rssParserFiles = walk(path.join(corpus, 'rss-parser', 'test', 'input'));
  const headersByFile = new Map<string, Record<string, string>>();
  for (const e of expectations) if (e.headers) headersByFile.set(e.file, { ...headersByFile.get(e.file), ...e.headers });

  const server = await serve(corpus, (rel) => headersByFile.get(rel) ?? headerLines(path.join(corpus, rel)));
  const origin = `http://127.0.0.1:${server.port}`;
  const fetcher = new Fetcher({ timeoutMs: 10_000, maxBytes: 15 * 1024 * 1024, userAgent: 'Tidings-conformance', allowPrivateNetworks: true });
  const now = new Date();
  const outcomes = new Map<string, Outcome>();
  const all = [...feedparserFiles, ...rssParserFiles].map((f) => path.relative(corpus, f));
  await pool(all, 8, async (rel) => {
    outcomes.set(rel, rewriteOrigin(await runOne(fetcher, `${origin}/${urlPath(rel)}`, now), origin));
  });
  await server.close();

  // Files parsed: not-bozo feedparser files that give a title or an item.
  const isBozo = (rel: string): boolean => {
    const expect = expectLine(path.join(corpus, rel));
    return /^\s*bozo\b/.test(expect) || /\/illformed\//.test(rel) || path.basename(rel).startsWith('bozo');
  };
  // Many feedparser tests hold only a subtitle or a cloud; count the files that have a title or an item to give.
  const hasTitleOrItem = (rel: string): boolean => {
    const body = readFileSync(path.join(corpus, rel), 'latin1');
    return rel.endsWith('.json') ? /"(title|items)"/.test(body) : /<(?:[\w-]+:)?(title|item|entry)[\s>]/i.test(body);
  };
  const notBozo = feedparserFiles.map((f) => path.relative(corpus, f)).filter((rel) => !isBozo(rel) && hasTitleOrItem(rel));
  const readable = notBozo.filter((rel) => {
    const o = outcomes.get(rel)!;
    return o.kind === 'ok' && (!!o.feed?.title || (o.parsedItems ?? 0) > 0);
  });
  const uncaught = [...outcomes].filter(([, o]) => o.kind === 'uncaught');
  const classified = [...outcomes].filter(([, o]) => o.kind === 'classified');

  const categories: Record<string, { pass: number; total: number }> = {};
  const failures: Record<string, string[]> = {};
  for (const e of expectations) {
    const inSanitize = e.group.endsWith('/sanitize');
    const name = (e.category === 'entry.summary' || e.category === 'entry.content') && inSanitize ? `${e.category} (sanitize)` : e.category;
    const c = (categories[name] ??= { pass: 0, total: 0 });
    c.total++;
    const o = outcomes.get(e.file);
    const verdict = o ? judge(e, o) : { pass: false, got: 'file not run' };
    if (verdict.pass) c.pass++;
    else (failures[name] ??= []).push(`${e.file} ${e.field}: expected ${JSON.stringify(e.expected)}, got ${JSON.stringify(verdict.got)}`);
  }

  let sanitizeSurvivors = 0;
  const survivorFiles: string[] = [];
  for (const [rel, o] of outcomes) {
    if (!rel.includes('/wellformed/sanitize/')) continue;
    const bad = (o.outputs ?? []).filter(isUnsafe);
    if (bad.length > 0) {
      sanitizeSurvivors += bad.length;
      survivorFiles.push(`${rel}: ${JSON.stringify(bad[0]).slice(0, 160)}`);
    }
  }

  const sanitizer = { compared: 0, mismatches: 0 };
  const mismatchFiles: string[] = [];
  for (const [rel, o] of outcomes) {
    sanitizer.compared += o.sanitizerCompared ?? 0;
    sanitizer.mismatches += o.sanitizerMismatches?.length ?? 0;
    if (o.sanitizerMismatches?.length) mismatchFiles.push(`${rel}: ${JSON.stringify(o.sanitizerMismatches[0]).slice(0, 160)}`);
  }

  const dateVectors = { pass: 0, total: 0, validPass: 0, validTotal: 0 };
  const dateFailures: string[] = [];
  for (const v of vectors) {
    dateVectors.total++;
    if (v.expected !== null) dateVectors.validTotal++;
    const got = parseDate(v.input);
    const gotIso = got ? got.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
    const ok = v.expected === null ? gotIso === null : gotIso === v.expected;
    if (ok) {
      dateVectors.pass++;
      if (v.expected !== null) dateVectors.validPass++;
    } else dateFailures.push(`${JSON.stringify(v.input)}: expected ${v.expected}, got ${gotIso}`);
  }

  // The captures rss-parser itself reads (it has an expected output for them); the others are its failure cases.
  const rssParserFeeds = rssParserFiles.filter((f) => {
    try {
      statSync(path.join(corpus, 'rss-parser', 'test', 'output', `${path.basename(f).replace(/\.[^.]+$/, '')}.json`));
      return true;
    } catch {
      return false;
    }
  });
  const rssParserEmpty = rssParserFeeds.map((f) => path.relative(corpus, f)).filter((rel) => (outcomes.get(rel)?.parsedItems ?? 0) === 0);

  const report = {
    files: all.length,
    parsed: [...outcomes.values()].filter((o) => o.kind === 'ok').length,
    classifiedErrors: classified.length,
    uncaught: uncaught.length,
    notBozo: { readable: readable.length, total: notBozo.length },
    rssParserCaptures: { withItems: rssParserFeeds.length - rssParserEmpty.length, total: rssParserFeeds.length },
    categories,
    sanitizeSurvivors,
    sanitizerVsSanitizeHtml: sanitizer,
    dateVectors: { pass: dateVectors.pass, total: dateVectors.total },
    dateVectorsValid: { pass: dateVectors.validPass, total: dateVectors.validTotal },
  };

  const slipped: string[] = [];
  if (report.uncaught > 0) slipped.push(`${report.uncaught} uncaught errors`);
  if (readable.length < 0.95 * notBozo.length) slipped.push(`not-bozo files readable ${pct(readable.length, notBozo.length)} < 95%`);
  for (const name of TARGET_90) {
    const c = categories[name];
    if (c && c.pass < 0.9 * c.total) slipped.push(`${name} ${pct(c.pass, c.total)} < 90%`);
  }
  for (const name of TARGET_85) {
    const c = categories[name];
    if (c && c.pass < 0.85 * c.total) slipped.push(`${name} ${pct(c.pass, c.total)} < 85%`);
  }
  if (sanitizeSurvivors > 0) slipped.push(`${sanitizeSurvivors} sanitize survivors`);
  if (sanitizer.mismatches > 0) slipped.push(`${sanitizer.mismatches} HTML fields where the ingest sanitizer and sanitize-html differ`);
  if (dateVectors.pass < dateVectors.total) slipped.push(`date vectors ${dateVectors.pass}/${dateVectors.total}`);
  if (rssParserEmpty.length > 0) slipped.push(`rss-parser captures without items: ${rssParserEmpty.join(', ')}`);

  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const lines = [
      `files                      ${report.files}`,
      `parsed                     ${report.parsed}`,
      `classified errors          ${report.classifiedErrors}`,
      `uncaught errors            ${report.uncaught}`,
      `not-bozo readable          ${readable.length}/${notBozo.length} (${pct(readable.length, notBozo.length)})`,
      `rss-parser captures        ${report.rssParserCaptures.withItems}/${report.rssParserCaptures.total} with items`,
      `sanitize survivors         ${sanitizeSurvivors}`,
      `sanitizer = sanitize-html  ${sanitizer.compared - sanitizer.mismatches}/${sanitizer.compared} HTML fields`,
      `date vectors               ${dateVectors.pass}/${dateVectors.total} (valid ${dateVectors.validPass}/${dateVectors.validTotal})`,
      '',
      'category                        pass/total',
      ...Object.entries(categories)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, c]) => `${name.padEnd(30)}  ${String(c.pass).padStart(4)}/${String(c.total).padEnd(4)} ${pct(c.pass, c.total)}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (process.env.CONFORMANCE_VERBOSE) {
      for (const [name, f] of Object.entries(failures)) process.stdout.write(`\n## ${name}\n${f.slice(0, Number(process.env.CONFORMANCE_VERBOSE) || 20).join('\n')}\n`);
      process.stdout.write(`\n## uncaught\n${uncaught.map(([r, o]) => `${r}: ${o.error}`).join('\n')}\n`);
      process.stdout.write(`\n## classified\n${classified.map(([r, o]) => `${r}: ${o.error}`).join('\n')}\n`);
      process.stdout.write(`\n## not-bozo unreadable\n${notBozo.filter((r) => !readable.includes(r)).join('\n')}\n`);
      process.stdout.write(`\n## survivors\n${survivorFiles.join('\n')}\n`);
      process.stdout.write(`\n## sanitizer differs from sanitize-html\n${mismatchFiles.join('\n')}\n`);
      process.stdout.write(`\n## dates\n${dateFailures.join('\n')}\n`);
    }
  }
  if (check && slipped.length > 0) {
    process.stderr.write(`conformance targets slipped:\n  ${slipped.join('\n  ')}\n`);
    return 1;
  }
  return 0;
}

async function runOne(fetcher: Fetcher, url: string, now: Date): Promise<Outcome> {
  try {
    const res = await fetcher.fetch({ url });
    if (res.kind !== 'ok') return { kind: 'classified', error: 'not modified' };
    const { feed } = await parseFeedBody(res.body, res.contentType);
    const docUrl = documentUrl(res.url, res.headers['content-location'] ?? null);
    const items = normalizeFeed(feed, { feedUrl: docUrl, now });
    const info = normalizeFeedInfo(feed, docUrl);
    const outputs = [info.title, ...items.flatMap((i) => [i.title, i.summary, i.contentHtml, i.author, ...i.categories])].filter(
      (s): s is string => typeof s === 'string',
    );
    // The ingest sanitizer must give what sanitize-html gives for the same allow-list (sanitize-policy.ts).
    const sanitizerMismatches: string[] = [];
    let sanitizerCompared = 0;
    for (const html of feed.items.flatMap((i) => [i.content, i.summary, i.title])) {
      if (!html) continue;
      for (const iframeHosts of [[], ['www.youtube.com']]) {
        const opts = { baseUrl: docUrl, iframeHosts };
        sanitizerCompared++;
        if (sanitizeContent(html, opts) !== sanitizeWithLibrary(html, opts)) sanitizerMismatches.push(html);
      }
    }
    return {
      kind: 'ok',
      feed: { title: info.title, link: info.link, publishedAt: info.publishedAt, updatedAt: info.updatedAt },
      items,
      parsedItems: feed.items.length,
      outputs,
      sanitizerMismatches,
      sanitizerCompared,
    };
  } catch (err) {
    if (err instanceof TidingsError) return { kind: 'classified', error: `${err.code}: ${err.message}` };
    return { kind: 'uncaught', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/** Our server's random port stands in for feedparser's fixed one. */
function rewriteOrigin(o: Outcome, origin: string): Outcome {
  if (o.kind !== 'ok') return o;
  return JSON.parse(JSON.stringify(o).split(origin).join(FEEDPARSER_ORIGIN), (k, v: unknown) =>
    (k === 'publishedAt' || k === 'updatedAt') && typeof v === 'string' ? new Date(v) : v,
  ) as Outcome;
}

// ---- judging one expectation -------------------------------------------------

function judge(e: Expectation, o: Outcome): { pass: boolean; got: unknown } {
  if (o.kind !== 'ok') return { pass: false, got: o.error };
  const m = /^(feed|entries\[(\d+)\])\.(.+)$/.exec(e.field);
  if (!m) return { pass: false, got: 'unknown field' };
  const rest = m[3]!;
  if (m[1] === 'feed') {
    if (rest === 'title') return same(plain(o.feed?.title ?? ''), textOf(str(e.expected)));
    if (rest === 'link') return sameUrl(o.feed?.link ?? null, str(e.expected));
    const f = o.feed!;
    if (rest === 'published_parsed') return same(iso(f.publishedAt), e.expected);
    if (rest === 'published') return same(iso(f.publishedAt), instant(str(e.expected)));
    // As for entries: a feed with only a publication date was last updated then.
    if (rest === 'updated_parsed') return same(iso(f.updatedAt ?? f.publishedAt), e.expected);
    if (rest === 'updated') return same(iso(f.updatedAt ?? f.publishedAt), instant(str(e.expected)));
    return { pass: false, got: `feed.${rest} is not extracted` };
  }
  const item = o.items?.[Number(m[2])];
  // We drop an item with nothing in it; when feedparser's value means nothing either, both say the same.
  if (!item) return { pass: isEmptyMeaning(e.expected, rest === 'title'), got: `no item ${m[2]}` };
  const exp = e.expected;
  switch (true) {
    case rest === 'title':
      return same(plain(item.title), textOf(str(exp)));
    case rest === 'link':
      return sameUrl(item.url, str(exp));
    case rest === 'id':
      return same(item.guid ?? '', str(exp));
    case rest === 'author':
      return same(plain(item.author ?? ''), textOf(str(exp)));
    case /^(author|authors\[\d+\])\.(name|email)$/.test(rest):
      return { pass: !!item.author && item.author.includes(textOf(str(exp))), got: item.author };
    case /^tags\[\d+\]\.term$/.test(rest):
      return { pass: item.categories.includes(textOf(str(exp))), got: item.categories };
    case rest === 'tags.length':
      return same(item.categories.length, exp);
    case /^enclosures\[(\d+)\]\.(url|type|length)$/.test(rest): {
      const [, i, key] = /^enclosures\[(\d+)\]\.(url|type|length)$/.exec(rest)!;
      const enc = item.enclosures[Number(i)];
      const got = enc ? enc[key as 'url' | 'type' | 'length'] : undefined;
      return key === 'url' ? sameUrl(typeof got === 'string' ? got : null, str(exp)) : same(got === undefined || got === null ? null : String(got), String(exp));
    }
    case rest === 'published_parsed':
      return same(item.publishedEstimated ? null : iso(item.publishedAt), exp);
    case rest === 'published':
      return same(item.publishedEstimated ? null : iso(item.publishedAt), instant(str(exp)));
    // feedparser's "updated" is the entry's date when it has no separate modified date (RSS dc:date).
    case rest === 'updated_parsed':
      return same(iso(item.updatedAt ?? (item.publishedEstimated ? null : item.publishedAt)), exp);
    case rest === 'updated':
      return same(iso(item.updatedAt ?? (item.publishedEstimated ? null : item.publishedAt)), instant(str(exp)));
    case rest === 'summary':
      return sameSummary(item, str(exp));
    case /^content\[\d+\]$/.test(rest):
      return sameHtml(item.contentHtml ?? '', str(exp));
    default:
      return { pass: false, got: `entries[].${rest} is not compared` };
  }
}

function same(got: unknown, expected: unknown): { pass: boolean; got: unknown } {
  return { pass: got === expected, got };
}

function sameUrl(got: string | null, expected: string): { pass: boolean; got: unknown } {
  return { pass: got !== null && (got === expected || normUrl(got) === normUrl(expected)), got };
}

function normUrl(u: string): string {
  try {
    return new URL(u).href;
  } catch {
    return u;
  }
}

/** Our summary is plain text (possibly cut at 500 characters); feedparser's is HTML. */
function sameSummary(item: NormalizedItem, expected: string): { pass: boolean; got: unknown } {
  const want = textOf(expected);
  const got = item.summary ?? '';
  const textOk = got === want || (got.endsWith('…') && want.startsWith(got.slice(0, -1).trimEnd()));
  const urlsOk = urlsOf(expected).every((u) => urlsOf(item.contentHtml ?? '').includes(u));
  return { pass: textOk && urlsOk, got };
}

/** Same visible text, and every link/image URL feedparser kept is there too. */
function sameHtml(got: string, expected: string): { pass: boolean; got: unknown } {
  const textOk = textOf(got) === textOf(expected);
  const urlsOk = urlsOf(expected).every((u) => urlsOf(got).includes(u));
  return { pass: textOk && urlsOk, got };
}

/** Our titles, authors and categories are plain text already. */
function plain(s: string): string {
  return s.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Titles are plain text, so only their text counts; HTML fields also carry their URLs. */
function isEmptyMeaning(v: unknown, textOnly: boolean): boolean {
  return typeof v === 'string' && textOf(v) === '' && (textOnly || urlsOf(v).length === 0);
}

function textOf(html: string): string {
  const stripped = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} });
  return decodeHTML(stripped).replace(/[\s\u00a0]+/g, ' ').trim();
}

function urlsOf(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => normUrl(decodeHTML(m[1]!))).filter((u) => /^https?:/.test(u));
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

function instant(raw: string): string | null {
  return iso(parseDate(raw));
}

/** Script, event handlers and javascript: URLs, in any output string. */
function isUnsafe(s: string): boolean {
  return /<script\b/i.test(s) || /<[^>]*\son[a-z]+\s*=/i.test(s) || /<[^>]*=\s*["']?\s*javascript:/i.test(s);
}

// ---- corpus files and the local server ----------------------------------------

function walk(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.sort().flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** feedparser's test server put each file at "/tests/<path>"; other corpora keep their own path. */
function urlPath(rel: string): string {
  return rel.startsWith('feedparser/') ? rel.slice('feedparser/'.length) : rel;
}

function fileHead(file: string): string {
  return readFileSync(file).subarray(0, 4096).toString('latin1');
}

function expectLine(file: string): string {
  return /Expect:\s*([^\n]*)/.exec(fileHead(file))?.[1] ?? '';
}

/** "Header: Name: value" lines in a feedparser test's opening comment. */
function headerLines(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of fileHead(file).matchAll(/^Header:\s*([\w-]+):\s*(.*)$/gm)) out[m[1]!] = m[2]!.trim();
  return out;
}

async function serve(root: string, headersFor: (rel: string) => Record<string, string>): Promise<{ port: number; close(): Promise<void> }> {
  const byUrl = new Map<string, string>();
  for (const rel of [...walk(path.join(root, 'feedparser')), ...walk(path.join(root, 'rss-parser'))].map((f) => path.relative(root, f))) {
    byUrl.set(`/${urlPath(rel)}`, rel);
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const rel = byUrl.get(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!rel) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const type = rel.endsWith('.json') ? 'application/json' : 'application/xml';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(headersFor(rel))) headers[k.toLowerCase()] = v;
    res.writeHead(200, { 'content-type': type, ...headers });
    res.end(readFileSync(path.join(root, rel)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function pool<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

function pct(pass: number, total: number): string {
  return total === 0 ? 'n/a' : `${((100 * pass) / total).toFixed(1)}%`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`conformance runner failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
