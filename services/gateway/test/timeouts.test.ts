// A client cannot hold a connection to the gateway by sending nothing
// (connection-timeouts.ts; here REQUEST_TIMEOUT_S 1 s and CONNECTION_TIMEOUT_S
// 2 s): a partial request gets 408 and is closed, a silent connection is
// closed, and an answer that takes longer than that (a read waiting for a
// projection) is still delivered.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '@polyglot/platform/wait-for';
import type { RunningGateway } from '../src/app.ts';
import { call, startGateway } from './support.ts';

interface Raw {
  socket: Socket;
  received: () => string;
  closed: () => boolean;
}

function rawConnection(port: number, send?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    let text = '';
    let ended = false;
    const socket = connect(port, '127.0.0.1', () => {
      if (send !== undefined) socket.write(send);
      resolve({ socket, received: () => text, closed: () => ended });
    });
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => (ended = true));
    socket.on('error', reject);
  });
}

describe('connection timeouts', () => {
  let gateway: RunningGateway;
  const open: Socket[] = [];

  before(async () => {
    gateway = await startGateway({ REQUEST_TIMEOUT_S: '1', CONNECTION_TIMEOUT_S: '2' });
  });
  after(async () => {
    for (const s of open) s.destroy();
    await gateway?.stop();
  });

  const within = { timeoutMs: 8000 };

  test('a request sent in part gets 408 and its connection is closed', async () => {
    const raw = await rawConnection(gateway.port, `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${gateway.port}\r\n`);
    open.push(raw.socket);
    await waitFor('the partial request to be closed', raw.closed, within);
    assert.match(raw.received(), /^HTTP\/1\.1 408 /);
    assert.deepEqual(JSON.parse(raw.received().split('\r\n\r\n')[1]!), { error: 'the request did not arrive whole in time; send it at once', code: 'REQUEST_TIMEOUT' });
  });

  test('a body that stops coming: the connection is closed', async () => {
    const raw = await rawConnection(
      gateway.port,
      `POST /users HTTP/1.1\r\nHost: 127.0.0.1:${gateway.port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
    );
    open.push(raw.socket);
    await waitFor('the stalled body to be closed', raw.closed, within);
    assert.doesNotMatch(raw.received(), /^HTTP\/1\.1 [23]/, 'nothing was done with it');
  });

  test('a connection that sends nothing is closed', async () => {
    const raw = await rawConnection(gateway.port);
    open.push(raw.socket);
    await waitFor('the silent connection to be closed', raw.closed, within);
    // Closed by whichever limit came first: the request's (408) or the connection's (nothing sent).
    assert.ok(raw.received() === '' || raw.received().startsWith('HTTP/1.1 408 '), raw.received());
  });

  test('an answer that takes longer than the connection timeout is still delivered', async () => {
    // A read that waits 3 s for a change no projection shows, then answers 504.
    const entity = String(9_200_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
    const started = Date.now();
    const r = await call(`http://127.0.0.1:${gateway.port}`, 'GET', `/analytics?token=users:${entity}:1&timeoutMs=3000`);
    assert.ok(Date.now() - started >= 3000, 'it did wait');
    assert.equal(r.status, 504, r.text);
    assert.equal(r.body.code, 'CONSISTENCY_TIMEOUT');
  });
});
