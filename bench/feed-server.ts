import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Corpus, HOSTS } from './corpus';

/**
 * The bench's publishers: one HTTP server per loopback address
 * 127.0.0.1 … 127.0.0.100, all on one port, serving the corpus's feeds.
 * It runs in a child process of its own (bench/run.ts starts it), so its
 * CPU and its ~1.5 KB × 50 × N bytes of feeds are not counted against
 * the Tidings process being measured. It binds loopback addresses only.
 *
 * Modes, switched by GET /_bench/mode/{mode}:
 * - "conditional": answers 304 to a matching If-None-Match (a publisher that
 *   honours conditional GET);
 * - "always200": ignores validators and sends the whole feed again.
 */
export type FeedServerMode = 'conditional' | 'always200';

export type FeedServerMessage = { readonly type: 'ready'; readonly port: number };

const PATH = /^\/feed\/(\d+)\.xml$/;
const CONTROL = /^\/_bench\/mode\/(conditional|always200)$/;

async function main(): Promise<void> {
  const feeds = Number(process.argv[2]);
  if (!Number.isInteger(feeds) || feeds <= 0) throw new Error(`feed-server: expected a feed count, got ${process.argv[2]}`);
  const corpus = new Corpus(feeds);
  const bodies = Array.from({ length: feeds }, (_, f) => corpus.feedXml(f));
  const etags = bodies.map((_, f) => `"bench-${f}-v1"`);
  const lastModified = new Date(Date.UTC(2026, 10, 20, 12, 0, 0)).toUTCString();
  let mode: FeedServerMode = 'conditional';
  let requests = 0;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const control = CONTROL.exec(req.url ?? '');
    if (control) {
      // The bench process switches modes between phases: all 304, then all 200.
      mode = control[1] as FeedServerMode;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ mode, requests }));
      return;
    }
    requests++;
    const m = PATH.exec(req.url ?? '');
    const f = m ? Number(m[1]) : -1;
    const body = bodies[f];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const headers = { etag: etags[f]!, 'last-modified': lastModified, 'cache-control': 'max-age=300' };
    if (mode === 'conditional' && req.headers['if-none-match'] === etags[f]) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/rss+xml; charset=utf-8', 'content-length': body.length }).end(body);
  };

  const servers: Server[] = [];
  const listen = (host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer({ keepAliveTimeout: 30_000 }, handler);
      s.once('error', reject);
      s.listen(port, host, () => {
        servers.push(s);
        resolve((s.address() as AddressInfo).port);
      });
    });
  const port = await listen('127.0.0.1', 0);
  for (let h = 2; h <= HOSTS; h++) await listen(`127.0.0.${h}`, port);

  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'stop') {
      for (const s of servers) s.closeAllConnections();
      Promise.all(servers.map((s) => new Promise((r) => s.close(r)))).then(() => process.exit(0));
    }
  });
  // An orphaned server must not outlive the bench.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port });
}

function send(msg: FeedServerMessage): void {
  process.send?.(msg);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
