// Shared by the users tests: boot the real service on port 0 against the
// stack's PostgreSQL, talk to it over HTTP, and remember what to clean up.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { urls } from '@polyglot/contracts/endpoints';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import type { Logger } from '@polyglot/platform/logger';
import { start, type RunningService } from '../src/app.ts';
import { UsersConfig } from '../src/config.ts';

/** One tag per test run: every email made here contains it, so cleanup can find leftovers. */
export const RUN_TAG = `users-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
let counter = 0;

export function uniqueEmail(prefix = 'u'): string {
  counter += 1;
  return `${prefix}-${RUN_TAG}-${counter}@example.test`;
}

export interface Service extends RunningService {
  url: string;
}

export async function startService(env: Record<string, string> = {}, options: { migrate?: boolean; logger?: Logger } = {}): Promise<Service> {
  const config = UsersConfig.parse({ PORT: '0', LOG_LEVEL: 'silent', ...env });
  const running = await start(config, options);
  return { ...running, url: `http://127.0.0.1:${running.port}` };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function call(service: Service, method: string, path: string, body?: unknown, raw?: string): Promise<Answer> {
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { ...internalHeaders(), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    body: payload,
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** A direct connection for what the API must never show (the stored hash) and for cleanup. */
export async function directClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: urls.postgres, connectionTimeoutMillis: 2000 });
  await client.connect();
  return client;
}

/** Removes every user this run created that a test did not delete itself. */
export async function cleanUp(client: pg.Client): Promise<void> {
  await client.query('DELETE FROM users WHERE email LIKE $1', [`%${RUN_TAG}%`]);
}

/** A consistency position: WAL bytes (pg_lsn - '0/0') as a decimal string. */
export const POSITION = /^[0-9]{1,19}$/;

/** The position in a users consistency token, checked to be about this user. */
export function positionOf(token: string | null, userId: number): string {
  const match = /^users:([0-9]+):([0-9]+)$/.exec(token ?? '');
  if (!match || Number(match[1]) !== userId) throw new Error(`not a users token of user ${userId}: ${token}`);
  return match[2]!;
}
