// One HTTP request to a service on loopback, over node:http with a keep-alive
// pool, bounded by a deadline that covers the body too. Used instead of fetch
// on the hot paths (the gateway's calls to the services, relay nudges, the
// load generator): fetch costs about three times the CPU per call, and the
// gateway makes one or two such calls per write.
import http from 'node:http';

export interface HttpRequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange, body included; past it the request is destroyed and the promise rejects. */
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class HttpTimeoutError extends Error {
  constructor(url: URL, timeoutMs: number) {
    super(`${url.origin} did not answer within ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

// Idle sockets are closed after 30 s, before the services' own keep-alive timeout (Fastify's
// 72 s), so the pool never hands out a socket the server is closing.
const agent = new http.Agent({ keepAlive: true, timeout: 30_000 });

export function httpRequest(url: URL, options: HttpRequestOptions): Promise<HttpAnswer> {
  if (url.protocol !== 'http:') return Promise.reject(new Error(`only http:// addresses are supported, not ${url.href}`));
  // A length always, even 0: without one node:http sends a body-less POST chunked, which a
  // Fastify route without a content type refuses (415).
  const headers = options.method === 'GET' || options.method === 'HEAD' ? options.headers : { ...options.headers, 'content-length': String(Buffer.byteLength(options.body ?? '')) };
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: options.method, headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
        });
      },
    );
    const deadline = setTimeout(() => request.destroy(new HttpTimeoutError(url, options.timeoutMs)), options.timeoutMs);
    function fail(error: Error): void {
      clearTimeout(deadline);
      reject(error);
    }
    request.on('error', fail);
    request.end(options.body);
  });
}
