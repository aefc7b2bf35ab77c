// Shared by the tests of the Host, Origin and internal-secret checks: requests
// with headers fetch will not send as given (Host, a WebSocket upgrade), over
// node:http.
import { randomBytes } from 'node:crypto';
import http from 'node:http';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

function parse(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

/** One request to 127.0.0.1:port with exactly these headers (a Host among them is sent as given). */
export function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body ?? '')) }, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: parse(Buffer.concat(chunks).toString('utf8')) }));
      response.on('error', reject);
    });
    request.setTimeout(10_000, () => request.destroy(new Error(`${method} ${path} on :${port}: no answer within 10 s`)));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * A WebSocket opening handshake on path: 101 when the server upgrades (the socket is closed at once),
 * else the HTTP answer it refused with.
 */
export function upgradeRequest(port: number, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port,
      path,
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, headers: response.headers, body: undefined });
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: parse(Buffer.concat(chunks).toString('utf8')) }));
      response.on('error', reject);
    });
    request.setTimeout(10_000, () => request.destroy(new Error(`upgrade ${path} on :${port}: no answer within 10 s`)));
    request.on('error', reject);
    request.end();
  });
}
