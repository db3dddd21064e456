import { Agent, request, type Dispatcher } from 'undici';
import { isIP } from 'node:net';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { FetchError } from './errors';
import { addressGuard, guardedLookup, PrivateAddressError, type Resolve } from './guard';

export interface FetcherOptions {
  /** Whole request, connect to last byte: a server trickling a byte a second is cut off here. */
  readonly timeoutMs: number;
  /** TCP (+TLS) connect. @default min(timeoutMs, 10 s) */
  readonly connectTimeoutMs?: number;
  /** Until the response headers. @default timeoutMs */
  readonly headersTimeoutMs?: number;
  /** Cap on the decoded (decompressed) body, enforced while streaming. */
  readonly maxBytes: number;
  readonly userAgent: string;
  /** true: the SSRF guard is off; a CIDR list: those private ranges are allowed. */
  readonly allowPrivateNetworks: boolean | readonly string[];
  /** @default 5 */
  readonly maxRedirects?: number;
  /** Name resolution (tests pass a fake DNS; the guard still checks what it returns). @default dns.lookup */
  readonly resolve?: Resolve;
}

export interface FetchRequest {
  readonly url: string;
  readonly etag?: string | null;
  readonly lastModified?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

interface Validators {
  readonly etag: string | null;
  readonly lastModified: string | null;
}

export type FetchResult =
  | ({
      readonly kind: 'not_modified';
      readonly url: string;
      readonly permanentUrl: string | null;
      /** Cache-Control and Expires on a 304 count for the next poll, as on a 200. */
      readonly headers: Readonly<Record<string, string>>;
    } & Validators)
  | ({
      readonly kind: 'ok';
      readonly status: number;
      /** The URL the body came from, after redirects. */
      readonly url: string;
      /** Set when a 301/308 chain moved the feed for good. */
      readonly permanentUrl: string | null;
      readonly body: Buffer;
      readonly contentType: string | null;
      readonly headers: Readonly<Record<string, string>>;
    } & Validators);

/** Fetches feed URLs with undici: conditional GET, byte and time caps, compression, SSRF guard on every hop. */
export class Fetcher {
  private readonly agent: Agent;
  private readonly maxRedirects: number;
  private readonly refused: ((address: string) => boolean) | null;

  constructor(private readonly opts: FetcherOptions) {
    this.maxRedirects = opts.maxRedirects ?? 5;
    this.refused = addressGuard(opts.allowPrivateNetworks);
    this.agent = new Agent({
      connect: {
        timeout: opts.connectTimeoutMs ?? Math.min(opts.timeoutMs, 10_000),
        // Runs for every new socket, so every redirect hop to a new host is checked after DNS.
        lookup: guardedLookup(this.refused, opts.resolve),
      },
      headersTimeout: opts.headersTimeoutMs ?? opts.timeoutMs,
      // Longest silence between two body chunks; the whole-request deadline below bounds the total.
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 10_000,
      connections: 8,
    });
  }

  /** The User-Agent sent with every request. */
  get userAgent(): string {
    return this.opts.userAgent;
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    if (req.signal?.aborted) throw new FetchError('aborted', 'fetch cancelled before it started', { url: req.url });
    const deadline = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = req.signal ? AbortSignal.any([deadline, req.signal]) : deadline;
    try {
      return await this.follow(req, signal);
    } catch (err) {
      // A shutdown's abort is not the feed's fault; say so, so the caller records nothing.
      if (req.signal?.aborted && !deadline.aborted) throw new FetchError('aborted', 'fetch cancelled (shutting down)', { url: req.url }, { cause: err });
      throw err;
    }
  }

  private async follow(req: FetchRequest, signal: AbortSignal): Promise<FetchResult> {
    const seen = new Set<string>();
    let url = req.url;
    let permanent = true;
    for (let hop = 0; ; hop++) {
      const target = this.checkUrl(url);
      if (seen.has(target.href)) throw new FetchError('redirect_loop', `redirect loop at ${target.href}`, { url: target.href });
      seen.add(target.href);

      const res = await this.send(target, req, signal);
      const { statusCode: status } = res;
      if (status >= 300 && status < 400 && status !== 304) {
        await res.body.dump().catch(() => undefined);
        const location = header(res.headers, 'location');
        if (!location) throw new FetchError('http_4xx', `HTTP ${status} without a Location header`, { status, url: target.href });
        if (hop >= this.maxRedirects) throw new FetchError('too_many_redirects', `more than ${this.maxRedirects} redirects`, { url: target.href });
        // Only an unbroken chain of permanent redirects moves the feed (RFC 9110 §15.4).
        if (status !== 301 && status !== 308) permanent = false;
        url = new URL(location, target).href;
        continue;
      }
      const permanentUrl = hop > 0 && permanent ? target.href : null;
      const validators = { etag: header(res.headers, 'etag'), lastModified: header(res.headers, 'last-modified') };
      if (status === 304) {
        await res.body.dump().catch(() => undefined);
        return { kind: 'not_modified', url: target.href, permanentUrl, headers: flatHeaders(res.headers), ...validators };
      }
      if (status < 200 || status >= 300) {
        // A bot challenge comes as a 403/429/503 HTML page: it is "not a feed", not a server error.
        if (await isChallenge(res)) {
          throw new FetchError('not_a_feed', `got a Cloudflare challenge page (HTTP ${status}), not a feed`, { status, url: target.href });
        }
        await res.body.dump().catch(() => undefined);
        throw httpError(status, res.headers, target.href);
      }
      const body = await this.readBody(res, target.href, signal);
      const headers = flatHeaders(res.headers);
      return { kind: 'ok', status, url: target.href, permanentUrl, body, contentType: header(res.headers, 'content-type'), headers, ...validators };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private checkUrl(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new FetchError('bad_url', `not a valid URL: ${url}`, { url });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FetchError('bad_url', `only http and https are fetched, not ${u.protocol}`, { url });
    // An IP literal never reaches the lookup hook, so it is checked here.
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (this.refused && isIP(host) && this.refused(host)) {
      throw new FetchError('private_address', `${host} is a private or reserved address (set fetch.allowPrivateNetworks to allow it)`, { url });
    }
    return u;
  }

  private async send(target: URL, req: FetchRequest, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      'user-agent': this.opts.userAgent,
      accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8',
      'accept-encoding': 'gzip, deflate, br',
      ...lowerKeys(req.headers ?? {}),
    };
    if (req.etag) headers['if-none-match'] = req.etag;
    if (req.lastModified) headers['if-modified-since'] = req.lastModified;
    try {
      return await request(target, { method: 'GET', headers, dispatcher: this.agent, signal });
    } catch (err) {
      throw classifyNetworkError(err, target.href, signal);
    }
  }

  /** Reads the body as a stream, decompressing, and stops as soon as it passes maxBytes. */
  private async readBody(res: Dispatcher.ResponseData, url: string, signal: AbortSignal): Promise<Buffer> {
    const declared = Number(header(res.headers, 'content-length') ?? NaN);
    const encoding = (header(res.headers, 'content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' && declared > this.opts.maxBytes) {
      res.body.destroy();
      throw new FetchError('too_large', `body of ${declared} bytes is over the ${this.opts.maxBytes}-byte cap`, { url });
    }
    let stream: Readable = res.body;
    const decoder = decompressor(encoding);
    if (decoder) {
      // pipe() does not forward errors: a reset mid-body must end the decoder too, not leave it waiting.
      res.body.on('error', (err) => decoder.destroy(err));
      stream = res.body.pipe(decoder);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of stream) {
        const buf = chunk as Buffer;
        total += buf.length;
        if (total > this.opts.maxBytes) {
          throw new FetchError('too_large', `body is over the ${this.opts.maxBytes}-byte cap${decoder ? ' once decompressed' : ''}`, { url });
        }
        chunks.push(buf);
      }
    } catch (err) {
      res.body.destroy();
      decoder?.destroy();
      if (err instanceof FetchError) throw err;
      // Abort reasons are DOMExceptions, whose code is a number.
      const zcode = (err as { code?: unknown }).code;
      if (typeof zcode === 'string' && zcode.startsWith('Z_')) throw new FetchError('bad_encoding', `cannot decode ${encoding} body: ${(err as Error).message}`, { url }, { cause: err });
      throw classifyNetworkError(err, url, signal);
    }
    return Buffer.concat(chunks, total);
  }
}

const CHALLENGE_MARKERS = /cf-browser-verification|challenge-platform|cf_chl_|<title>just a moment\.\.\.<\/title>/i;

/**
 * Cloudflare marks its challenges with `cf-mitigated: challenge`; older ones
 * only show in the page. Reads at most 16 KiB of an HTML error page to tell.
 */
async function isChallenge(res: Dispatcher.ResponseData): Promise<boolean> {
  if (![403, 429, 503].includes(res.statusCode)) return false;
  if (header(res.headers, 'cf-mitigated')?.toLowerCase() === 'challenge') return true;
  if (!/text\/html/i.test(header(res.headers, 'content-type') ?? '')) return false;
  if ((header(res.headers, 'content-encoding') ?? 'identity') !== 'identity') return false;
  let head = '';
  try {
    for await (const chunk of res.body) {
      head += (chunk as Buffer).toString('latin1');
      if (head.length >= 16 * 1024) break;
    }
  } catch {
    return false;
  }
  return CHALLENGE_MARKERS.test(head);
}

function decompressor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

function flatHeaders(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | null {
  const v = headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

function lowerKeys(h: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function httpError(status: number, headers: Dispatcher.ResponseData['headers'], url: string): FetchError {
  const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'));
  if (status === 429 || (status === 503 && retryAfterMs !== undefined)) {
    return new FetchError('rate_limited', `HTTP ${status}: rate limited${retryAfterMs !== undefined ? `, retry after ${Math.round(retryAfterMs / 1000)}s` : ''}`, {
      status,
      url,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (status === 404) return new FetchError('http_404', 'HTTP 404: not found', { status, url });
  if (status === 410) return new FetchError('http_410', 'HTTP 410: gone', { status, url });
  if (status >= 500) return new FetchError('http_5xx', `HTTP ${status}: server error`, { status, url });
  return new FetchError('http_4xx', `HTTP ${status}`, { status, url });
}

function classifyNetworkError(err: unknown, url: string, signal: AbortSignal): FetchError {
  if (err instanceof FetchError) return err;
  const e = err as { code?: string; name?: string; message?: string; cause?: unknown };
  const cause = (e.cause ?? {}) as { code?: string; name?: string };
  if (err instanceof PrivateAddressError || cause instanceof PrivateAddressError || e.code === 'EPRIVATE' || cause.code === 'EPRIVATE') {
    const pe = (err instanceof PrivateAddressError ? err : e.cause) as PrivateAddressError;
    return new FetchError('private_address', `${pe.message} (set fetch.allowPrivateNetworks to allow it)`, { url }, { cause: err });
  }
  const code = [e.code, cause.code].find((c): c is string => typeof c === 'string') ?? '';
  const msg = e.message ?? String(err);
  if (signal.aborted || e.name === 'AbortError' || e.name === 'TimeoutError' || /TIMEOUT/.test(code)) {
    return new FetchError('timeout', `timed out: ${msg}`, { url }, { cause: err });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return new FetchError('dns', `DNS lookup failed: ${msg}`, { url }, { cause: err });
  if (code === 'ECONNREFUSED') return new FetchError('refused', `connection refused: ${msg}`, { url }, { cause: err });
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return new FetchError('reset', `connection reset: ${msg}`, { url }, { cause: err });
  if (/CERT|SSL|TLS/i.test(code) || /certificate|tls|ssl/i.test(msg)) return new FetchError('tls', `TLS error: ${msg}`, { url }, { cause: err });
  return new FetchError('network', `network error: ${msg}`, { url }, { cause: err });
}
