import zlib from 'node:zlib';
import type { LookupAddress } from 'node:dns';
import { Fetcher, type FetcherOptions } from '../../src/fetch/fetcher';
import { FetchError } from '../../src/fetch/errors';
import { isPrivateAddress, type Resolve } from '../../src/fetch/guard';
import { startFeedServer, type FeedServer } from '../helpers/feed-server';

/**
 * The fetcher against real local HTTP servers that misbehave on purpose.
 * No database. Nothing leaves 127.0.0.1: "private" targets are refused by
 * the guard before any socket is opened.
 */

const RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>a</title><guid>1</guid></item></channel></rss>';

let server: FeedServer;
let port: number;
const fetchers: Fetcher[] = [];

function fetcher(o: Partial<FetcherOptions> = {}): Fetcher {
  const f = new Fetcher({ timeoutMs: 5000, maxBytes: 1024 * 1024, userAgent: 'Tidings/test (+https://example.test)', allowPrivateNetworks: true, ...o });
  fetchers.push(f);
  return f;
}

async function failure(p: Promise<unknown>): Promise<FetchError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FetchError) return err;
    throw err;
  }
  throw new Error('expected the fetch to fail');
}

/** A fake DNS: names in the table resolve to its address, and every lookup is logged. */
function fakeDns(table: Record<string, string>): { resolve: Resolve; asked: string[] } {
  const asked: string[] = [];
  const resolve: Resolve = (hostname, _family, cb) => {
    asked.push(hostname);
    const address = table[hostname];
    if (!address) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    const entry: LookupAddress = { address, family: address.includes(':') ? 6 : 4 };
    cb(null, [entry]);
  };
  return { resolve, asked };
}

beforeAll(async () => {
  server = await startFeedServer({ '/feed.xml': { body: RSS } });
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await Promise.all(fetchers.map((f) => f.close()));
  await server.close();
});

describe('limits', () => {
  test('a server that never sends headers is cut off with timeout', async () => {
    server.route('/slow-headers', () => undefined); // never answers
    const err = await failure(fetcher({ timeoutMs: 5000, headersTimeoutMs: 300 }).fetch({ url: `${server.url}/slow-headers` }));
    expect(err.code).toBe('timeout');
  });

  test('a body trickled one byte at a time is cut off by the whole-request deadline', async () => {
    let timer: NodeJS.Timeout | undefined;
    server.route('/trickle', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.write('<');
      // Each byte comes well inside the idle timeout, so only the total deadline can stop it.
      timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const err = await failure(fetcher({ timeoutMs: 800 }).fetch({ url: `${server.url}/trickle` }));
    clearInterval(timer);
    expect(err.code).toBe('timeout');
  });

  test('an endless body is refused once it passes maxBytes, while streaming', async () => {
    server.route('/endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const err = await failure(fetcher({ maxBytes: 256 * 1024 }).fetch({ url: `${server.url}/endless` }));
    expect(err.code).toBe('too_large');
    expect(err.message).toContain('262144-byte cap');
  });

  test('a declared Content-Length over the cap is refused before reading', async () => {
    server.route('/big', { body: Buffer.alloc(300 * 1024, 'a') });
    const err = await failure(fetcher({ maxBytes: 256 * 1024 }).fetch({ url: `${server.url}/big` }));
    expect(err.code).toBe('too_large');
  });

  test('a gzip bomb is refused on its decompressed size', async () => {
    // 64 MiB of zeros is about 64 KiB of gzip: small on the wire, huge inflated.
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(256 * 1024);
    server.route('/bomb', { body: bomb, headers: { 'content-encoding': 'gzip', 'content-type': 'application/rss+xml' } });
    const err = await failure(fetcher({ maxBytes: 1024 * 1024 }).fetch({ url: `${server.url}/bomb` }));
    expect(err.code).toBe('too_large');
    expect(err.message).toContain('once decompressed');
  });

  test('gzip and brotli bodies are decoded, and we ask for them', async () => {
    server.route('/gz', { body: zlib.gzipSync(RSS), headers: { 'content-encoding': 'gzip' } });
    server.route('/br', { body: zlib.brotliCompressSync(RSS), headers: { 'content-encoding': 'br' } });
    const f = fetcher();
    for (const p of ['/gz', '/br']) {
      const res = await f.fetch({ url: `${server.url}${p}` });
      expect(res.kind === 'ok' && res.body.toString()).toBe(RSS);
    }
    const seen = server.requests.find((r) => r.path === '/br')!;
    expect(seen.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  test('a connection reset mid-body is a reset error, not a crash or a hang', async () => {
    server.route('/reset', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': '10000' });
      res.write('<rss>');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const err = await failure(fetcher().fetch({ url: `${server.url}/reset` }));
    expect(err.code).toBe('reset');
  });

  test('a connection reset before any answer is a reset error', async () => {
    server.route('/reset-early', (req) => req.socket.destroy());
    const err = await failure(fetcher().fetch({ url: `${server.url}/reset-early` }));
    expect(['reset', 'network']).toContain(err.code);
  });
});

describe('not feeds', () => {
  test('a Cloudflare challenge (403, marked by header or only by its page) is not_a_feed, not an HTTP error', async () => {
    const page = '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1"></script></body></html>';
    server.route('/cf-header', { status: 403, body: page, headers: { 'content-type': 'text/html', 'cf-mitigated': 'challenge' } });
    server.route('/cf-page', { status: 503, body: page, headers: { 'content-type': 'text/html; charset=UTF-8' } });
    server.route('/plain-403', { status: 403, body: '<html>forbidden</html>', headers: { 'content-type': 'text/html' } });
    const f = fetcher();
    for (const p of ['/cf-header', '/cf-page']) {
      const err = await failure(f.fetch({ url: `${server.url}${p}` }));
      expect([p, err.code, err.message]).toEqual([p, 'not_a_feed', expect.stringContaining('Cloudflare challenge')]);
    }
    expect((await failure(f.fetch({ url: `${server.url}/plain-403` }))).code).toBe('http_4xx');
  });
});

describe('redirects', () => {
  test('a redirect loop is an error', async () => {
    server.route('/loop-a', { status: 302, body: '', headers: { location: '/loop-b' } });
    server.route('/loop-b', { status: 302, body: '', headers: { location: '/loop-a' } });
    const err = await failure(fetcher().fetch({ url: `${server.url}/loop-a` }));
    expect(err.code).toBe('redirect_loop');
  });

  test('more than 5 redirects is an error', async () => {
    for (let i = 0; i < 7; i++) server.route(`/hop${i}`, { status: 301, body: '', headers: { location: `/hop${i + 1}` } });
    server.route('/hop7', { body: RSS });
    const err = await failure(fetcher().fetch({ url: `${server.url}/hop0` }));
    expect(err.code).toBe('too_many_redirects');
    // Five are followed.
    const res = await fetcher().fetch({ url: `${server.url}/hop2` });
    expect(res.kind).toBe('ok');
  });

  test('only an unbroken chain of 301/308 reports a permanent URL', async () => {
    server.route('/p1', { status: 301, body: '', headers: { location: '/p2' } });
    server.route('/p2', { status: 308, body: '', headers: { location: '/feed.xml' } });
    server.route('/t1', { status: 301, body: '', headers: { location: '/t2' } });
    server.route('/t2', { status: 307, body: '', headers: { location: '/feed.xml' } });
    const f = fetcher();
    expect((await f.fetch({ url: `${server.url}/p1` })).permanentUrl).toBe(`${server.url}/feed.xml`);
    expect((await f.fetch({ url: `${server.url}/t1` })).permanentUrl).toBeNull();
  });
});

describe('SSRF guard (on)', () => {
  // The test server is on 127.0.0.1, itself private: the allow-list lets exactly it through, so the
  // guard is on for every other private address.
  const allowLoopbackOnly = ['127.0.0.1/32'];

  test('with the default setting, the loopback server itself is refused, by IP and by name', async () => {
    const f = fetcher({ allowPrivateNetworks: false });
    expect((await failure(f.fetch({ url: `${server.url}/feed.xml` }))).code).toBe('private_address');
    const err = await failure(f.fetch({ url: `http://localhost:${port}/feed.xml` }));
    expect(err.code).toBe('private_address');
    expect(err.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1)/);
  });

  test('a redirect to the cloud metadata address is refused before connecting', async () => {
    server.route('/to-metadata', { status: 302, body: '', headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    const err = await failure(fetcher({ allowPrivateNetworks: allowLoopbackOnly }).fetch({ url: `${server.url}/to-metadata` }));
    expect(err.code).toBe('private_address');
    expect(err.details.url).toBe('http://169.254.169.254/latest/meta-data/');
  });

  test('the guard runs after DNS on every hop: a name that resolves to a private address is refused', async () => {
    const dns = fakeDns({ 'feeds.test': '127.0.0.1', 'rebound.test': '169.254.169.254', 'intranet.test': '10.1.2.3' });
    const f = fetcher({ allowPrivateNetworks: allowLoopbackOnly, resolve: dns.resolve });
    expect((await f.fetch({ url: `http://feeds.test:${port}/feed.xml` })).kind).toBe('ok');
    server.route('/to-rebound', { status: 301, body: '', headers: { location: `http://rebound.test:${port}/feed.xml` } });
    const err = await failure(f.fetch({ url: `http://feeds.test:${port}/to-rebound` }));
    expect(err.code).toBe('private_address');
    expect(err.message).toContain('rebound.test resolves to 169.254.169.254');
    expect(dns.asked).toEqual(expect.arrayContaining(['feeds.test', 'rebound.test']));
    expect((await failure(f.fetch({ url: `http://intranet.test:${port}/` }))).code).toBe('private_address');
  });

  test('a name that does not resolve is a dns error', async () => {
    const dns = fakeDns({});
    const err = await failure(fetcher({ allowPrivateNetworks: allowLoopbackOnly, resolve: dns.resolve }).fetch({ url: 'http://nowhere.test/feed.xml' }));
    expect(err.code).toBe('dns');
    expect(dns.asked).toEqual(['nowhere.test']);
  });

  test('IPv4-mapped IPv6, 0.0.0.0 and non-http schemes are refused', async () => {
    const f = fetcher({ allowPrivateNetworks: allowLoopbackOnly });
    expect((await failure(f.fetch({ url: 'http://[::ffff:169.254.169.254]/' }))).code).toBe('private_address');
    expect((await failure(f.fetch({ url: 'http://[::ffff:a9fe:a9fe]/' }))).code).toBe('private_address');
    expect((await failure(f.fetch({ url: 'http://0.0.0.0/' }))).code).toBe('private_address');
    expect((await failure(f.fetch({ url: 'file:///etc/passwd' }))).code).toBe('bad_url');
    expect((await failure(f.fetch({ url: 'gopher://127.0.0.1/' }))).code).toBe('bad_url');
  });

  test('address classes', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:a00:1']) {
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect([a, isPrivateAddress(a)]).toEqual([a, false]);
    }
  });
});

describe('identity', () => {
  test('the User-Agent names Tidings, and per-source headers are sent', async () => {
    const f = fetcher({ userAgent: 'Tidings/1.2.3 (+https://github.com/tidings-aggregator/tidings)' });
    await f.fetch({ url: `${server.url}/feed.xml?ua`, headers: { Cookie: 'session=abc', Authorization: 'Basic dTpw' } });
    const seen = server.requests.find((r) => r.path === '/feed.xml?ua')!;
    expect(seen.headers['user-agent']).toBe('Tidings/1.2.3 (+https://github.com/tidings-aggregator/tidings)');
    expect(seen.headers.cookie).toBe('session=abc');
    expect(seen.headers.authorization).toBe('Basic dTpw');
  });

  test('a cancelled fetch says aborted, not timeout', async () => {
    server.route('/hang', () => undefined);
    const ac = new AbortController();
    const p = fetcher().fetch({ url: `${server.url}/hang`, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect((await failure(p)).code).toBe('aborted');
  });
});
