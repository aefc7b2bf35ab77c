// The gateway's WebSockets are bounded (websocket-limits.ts): one address may
// hold WS_MAX_PER_ADDRESS of them (the next upgrade is answered 429
// TOO_MANY_CONNECTIONS, on /consistency/stream and /graphql alike), and a
// client that stops reading is closed once WS_MAX_BUFFERED_BYTES wait for it,
// while a client that reads keeps getting everything. The traffic is real:
// announcements published on the state Redis, as the projections do.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { APPLIED_CHANNEL, type AppliedNotice } from '@polyglot/contracts/consistency';
import { waitFor } from '@polyglot/platform/wait-for';
import type { RunningGateway } from '../src/app.ts';
import { startGateway, stateRedisClient } from './support.ts';

const MAX_PER_ADDRESS = 3;
const MAX_BUFFERED = 256 * 1024;

type Upgrade = { status: number; body?: any; socket?: Socket };

/**
 * A WebSocket upgrade by hand, on a raw socket: the HTTP answer of a refusal, or the socket of an
 * accepted one, paused (nothing reads it until it is resumed).
 */
function upgrade(port: number, path: string): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
      );
    });
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      if (status === 101) {
        socket.off('data', onData);
        socket.pause();
        resolve({ status, socket });
        return;
      }
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      const body = text.slice(end + 4);
      if (body.length < length) return;
      socket.destroy();
      resolve({ status, body: length > 0 ? JSON.parse(body) : undefined });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.addEventListener('open', () => resolve(socket));
    socket.addEventListener('error', () => reject(new Error(`${url} did not open`)));
  });
}

const closed = (socket: WebSocket): Promise<void> =>
  socket.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise((resolve) => socket.addEventListener('close', () => resolve()));

describe('WebSocket limits', () => {
  let gateway: RunningGateway;
  let state: Redis;
  const ws = (path: string) => `ws://127.0.0.1:${gateway.port}${path}`;

  before(async () => {
    state = stateRedisClient();
    gateway = await startGateway({ WS_MAX_PER_ADDRESS: String(MAX_PER_ADDRESS), WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED) });
  });
  after(async () => {
    await gateway?.stop();
    state?.disconnect();
  });

  test('an address holds at most WS_MAX_PER_ADDRESS; the next upgrade is refused with the reason', async () => {
    const sockets = await Promise.all(Array.from({ length: MAX_PER_ADDRESS }, () => open(ws('/consistency/stream'))));
    try {
      for (const path of ['/consistency/stream', '/graphql']) {
        const refused = await upgrade(gateway.port, path);
        assert.equal(refused.status, 429, JSON.stringify(refused.body));
        // /graphql answers its errors in GraphQL's shape, with the same code and message.
        const { code, message } = path === '/graphql' ? { code: refused.body.errors[0].extensions.code, message: refused.body.errors[0].message } : { code: refused.body.code, message: refused.body.error };
        assert.equal(code, 'TOO_MANY_CONNECTIONS', JSON.stringify(refused.body));
        assert.match(message, new RegExp(`already has ${MAX_PER_ADDRESS} WebSocket connections open here`));
      }
      // Closing one frees its place.
      sockets[0]!.close();
      await closed(sockets[0]!);
      sockets[0] = await waitFor('a place for a new WebSocket', () => open(ws('/consistency/stream')).catch(() => null), { timeoutMs: 5000 });
      assert.equal(sockets[0].readyState, WebSocket.OPEN);
    } finally {
      for (const s of sockets) s.close();
      await Promise.all(sockets.map(closed));
    }
  });

  test('a client that does not read is closed once too much waits for it; one that reads gets everything', async () => {
    const slow = await upgrade(gateway.port, '/consistency/stream');
    assert.equal(slow.status, 101);
    const slowSocket = slow.socket!;
    let slowEnded = false;
    slowSocket.on('close', () => (slowEnded = true));
    slowSocket.on('error', () => undefined);

    const fast = await open(ws('/consistency/stream'));
    let fastMessages = 0;
    let fastBytes = 0;
    fast.addEventListener('message', (event) => {
      fastMessages++;
      fastBytes += String(event.data).length;
    });

    // Announcements of 512 KiB each (big but valid notices), each sent on once the reading client has the last one.
    const big = 'X'.repeat(64 * 1024);
    const notices: AppliedNotice[] = Array.from({ length: 8 }, (_, i) => ({
      projection: 'cache',
      source: 'users',
      entityId: String(9_100_000_000_000 + i),
      position: 1,
      type: `TEST_BUFFER_BOUND_${big}`,
      committedAt: 1,
      appliedAt: 2,
    }));
    const message = JSON.stringify(notices);
    const rounds = 32; // 16 MiB: more than the kernel's socket buffers hold for a client that does not read
    try {
      for (let i = 1; i <= rounds; i++) {
        await state.publish(APPLIED_CHANNEL, message);
        await waitFor(`announcement ${i} at the reading client`, () => fastMessages >= i, { timeoutMs: 10_000 });
      }
      assert.ok(fastBytes >= rounds * message.length, `the reading client got all ${rounds} (${fastBytes} bytes)`);
      assert.equal(fast.readyState, WebSocket.OPEN, 'the reading client is still connected');

      // Now let the slow one read what reached it: the connection ends, well short of everything.
      let slowBytes = 0;
      slowSocket.on('data', (chunk: Buffer) => (slowBytes += chunk.length));
      slowSocket.resume();
      await waitFor('the slow client to be disconnected', () => slowEnded, { timeoutMs: 10_000 });
      assert.ok(slowBytes < fastBytes / 2, `the slow client got ${slowBytes} bytes of ${fastBytes} before it was closed`);
    } finally {
      slowSocket.destroy();
      fast.close();
      await closed(fast);
    }
  });
});
