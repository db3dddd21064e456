import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

export function fixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, 'feeds', name));
}

export type Route =
  | { body: Buffer | string; status?: number; headers?: Record<string, string> }
  | ((req: IncomingMessage, res: ServerResponse) => void);

export interface FeedServer {
  readonly url: string;
  /** Every request the server saw: path and headers. */
  readonly requests: { path: string; headers: IncomingHttpHeaders }[];
  route(pathname: string, route: Route): void;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with a random port, serving routes set by the test. */
export async function startFeedServer(routes: Record<string, Route> = {}): Promise<FeedServer> {
  const table = new Map(Object.entries(routes));
  const requests: FeedServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path: req.url ?? '/', headers: req.headers });
    const route = table.get(pathname) ?? table.get(req.url ?? '/');
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (typeof route === 'function') return route(req, res);
    res.writeHead(route.status ?? 200, { 'content-type': 'application/xml', ...route.headers });
    res.end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (p, r) => table.set(p, r),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
