/**
 * Peak memory of the fetcher through hostile bodies: a gzip bomb (about 1 MiB
 * on the wire, 1 GiB inflated) and an endless body, both from a local server.
 * Each scenario runs in a child process of its own so its peak RSS is its own.
 *
 *   npx tsx bench/fetch-memory.ts
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { Fetcher } from '../src/fetch/fetcher';
import { FetchError } from '../src/fetch/errors';

const MiB = 1024 * 1024;
const MAX_BYTES = 10 * MiB; // the default fetch.maxBytes

/** 1 GiB of zeros through gzip in 1 MiB steps: the bomb never exists inflated in memory. */
async function gzipBomb(inflated: number): Promise<Buffer> {
  const gz = zlib.createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  const zeros = Buffer.alloc(MiB);
  for (let sent = 0; sent < inflated; sent += zeros.length) {
    if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

async function scenario(name: string): Promise<void> {
  const bomb = name === 'gzip-bomb' ? await gzipBomb(1024 * MiB) : null;
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sentBytes = 0;
  const server = createServer((_req, res) => {
    if (bomb) {
      res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip' });
      res.end(bomb);
      sentBytes = bomb.length;
      return;
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    const pump = () => {
      for (;;) {
        if (res.destroyed) return;
        sentBytes += chunk.length;
        if (!res.write(chunk)) break;
      }
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`;
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const fetcher = new Fetcher({ timeoutMs: 60_000, maxBytes: MAX_BYTES, userAgent: 'Tidings bench', allowPrivateNetworks: true });
  const t0 = process.hrtime.bigint();
  let outcome: string;
  try {
    await fetcher.fetch({ url });
    outcome = 'accepted (wrong!)';
  } catch (err) {
    outcome = err instanceof FetchError ? `${err.code}: ${err.message}` : String(err);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await fetcher.close();
  server.closeAllConnections();
  server.close();
  process.stdout.write(
    JSON.stringify({
      scenario: name,
      wireBytes: sentBytes,
      outcome,
      ms: Math.round(ms),
      rssBeforeMiB: +(before / MiB).toFixed(1),
      rssPeakMiB: +(peak / MiB).toFixed(1),
      maxRssMiB: +((process.resourceUsage().maxRSS * 1024) / MiB).toFixed(1),
    }) + '\n',
  );
}

async function main(): Promise<void> {
  const which = process.argv[2];
  if (which) return scenario(which);
  process.stdout.write(`fetch.maxBytes = ${MAX_BYTES / MiB} MiB; each scenario in its own process\n`);
  for (const name of ['gzip-bomb', 'endless-body']) {
    const r = spawnSync(process.execPath, [...process.execArgv, __filename, name], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) process.exitCode = 1;
  }
}

void main();
