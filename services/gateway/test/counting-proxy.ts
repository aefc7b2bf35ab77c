// A pass-through HTTP proxy in front of a real service, counting the requests
// per path: put between the gateway and a service, it shows how many calls a
// request to the gateway caused there (none, one, or one per alias).
import { createServer, request as httpRequest, type Server } from 'node:http';

export interface CountingProxy {
  url: string;
  /** Requests forwarded so far, by path (without the query string). */
  count(path: string): number;
  reset(): void;
  close(): Promise<void>;
}

export async function countingProxy(target: string): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const base = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    const path = (incoming.url ?? '/').split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const forwarded = httpRequest(
      { host: base.hostname, port: base.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: base.host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      outgoing.writeHead(502).end();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    count: (path) => counts.get(path) ?? 0,
    reset: () => counts.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
