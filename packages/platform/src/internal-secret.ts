// The secret the project's own processes (the gateway, the relays' nudges,
// the stack, the benches and the tests) send to the internal services in
// x-internal-secret, so that nothing else that can reach 127.0.0.1 — a web
// page's fetch, a DNS-rebinding page, another local user — can call them
// behind the gateway's back (for example POST /credentials/verify, which would
// bypass the login rate limit).
//
// `./stackctl up` makes it once (32 random bytes, hex) in .stack/internal-secret
// with mode 0600 and hands it to every service it starts in INTERNAL_SECRET, so
// a service started by the stack never reads the file (it may run as a user
// that cannot). Anything else takes INTERNAL_SECRET from its environment, else
// reads the file: this module is the one place that knows where it is.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const INTERNAL_SECRET_HEADER = 'x-internal-secret';

/** Shorter than this is guessable; the stack's own is 64 hex characters. */
const MIN_LENGTH = 32;

// The same rule as stack/src/paths.ts (the stack's state folder), which this package cannot import.
const defaultStateDir = (): string => process.env.STACK_STATE_DIR ?? resolve(import.meta.dirname, '..', '..', '..', '.stack');

export function internalSecretFile(stateDir: string = defaultStateDir()): string {
  return join(stateDir, 'internal-secret');
}

function readSecretFile(file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the internal secret in ${file} (${(error as NodeJS.ErrnoException).code}); run as its owner, or pass INTERNAL_SECRET in the environment`);
  }
}

/** INTERNAL_SECRET from the environment, else the stack's file; undefined when neither exists. */
export function findInternalSecret(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.INTERNAL_SECRET?.trim();
  return fromEnv ? fromEnv : readSecretFile(internalSecretFile());
}

const missing = (): string => `no internal secret: set INTERNAL_SECRET, or run ./stackctl up, which writes ${internalSecretFile()}`;

/** The secret, or an error that says how to get one. */
export function internalSecret(env: NodeJS.ProcessEnv = process.env): string {
  const secret = findInternalSecret(env);
  if (secret === undefined) throw new Error(missing());
  return secret;
}

/**
 * For the stack: INTERNAL_SECRET when set (a CLI run by the gateway for /faults inherits it), else the
 * file in stateDir, made now (mode 0600) when missing.
 */
export function ensureInternalSecret(stateDir: string): string {
  const fromEnv = process.env.INTERNAL_SECRET?.trim();
  if (fromEnv) return fromEnv;
  const file = internalSecretFile(stateDir);
  const existing = readSecretFile(file);
  if (existing !== undefined) return existing;
  mkdirSync(stateDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  try {
    // wx: two `up`s at once must not each write their own.
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readSecretFile(file) ?? secret;
    throw error;
  }
}

/** The header to send to an internal service. */
export function internalHeaders(secret: string = internalSecret()): Record<string, string> {
  return { [INTERNAL_SECRET_HEADER]: secret };
}

const secretBytes = new Map<string, Buffer>();

/**
 * Whether a header value is the secret, in time independent of where they differ. The length is not a secret
 * (every stack's is 64 hex characters), so a value of another length is refused at once; the bytes of one of
 * the same length are compared in constant time. Asked on every request, so it hashes nothing: hashing both
 * values each time would be a tenth of the gateway's CPU on a cached read.
 */
export function isInternalSecret(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  let expected = secretBytes.get(secret);
  if (!expected) secretBytes.set(secret, (expected = Buffer.from(secret)));
  const candidate = Buffer.from(given);
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

/**
 * A service's INTERNAL_SECRET setting: the value parsed, else the process's environment, else the
 * stack's file (a test that boots a service in-process); a start without any stops with a message
 * that says how to get one.
 */
export const envInternalSecret = z
  .string()
  .optional()
  .transform((value, ctx) => {
    let secret: string | undefined;
    try {
      secret = value?.trim() ? value.trim() : findInternalSecret();
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
    if (secret === undefined) {
      ctx.addIssue({ code: 'custom', message: missing() });
      return z.NEVER;
    }
    if (secret.length < MIN_LENGTH) {
      ctx.addIssue({ code: 'custom', message: `INTERNAL_SECRET must be at least ${MIN_LENGTH} characters (./stackctl up makes one of 64)` });
      return z.NEVER;
    }
    return secret;
  });
