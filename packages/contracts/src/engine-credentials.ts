// The engines' passwords. No engine accepts a well-known password: a page
// that reaches a loopback port through DNS rebinding (Neo4j's :7474, Connect's
// :8083) or a local program could otherwise read or rewrite the data, or
// re-register the Debezium connector without its hashed_password exclusion.
// Jaeger, which has no authentication to give a password to, takes a secret
// path instead: it serves its OTLP receiver and its query API only under it
// (endpoints.ts, jaegerPaths), so such a page cannot guess where to ask.
//
// The first `./stackctl up` makes one random password per engine and keeps
// them in .stack/credentials.json (mode 0600, the stack's state folder). The
// engines are configured from it at every start; the services started by the
// stack receive full URLs in their environment (they may run as a user that
// cannot read the file); the tests, the benches and the CLI read it here.
// This module is the one place that knows where the file is.
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Every engine that takes a password, as keyed in the file; jaeger's is the secret its paths start with. */
export const CREDENTIAL_KEYS = ['postgres', 'timescaledb', 'ferretdbStore', 'neo4j', 'redis', 'redisState', 'connect', 'jaeger'] as const;
export type CredentialKey = (typeof CREDENTIAL_KEYS)[number];
export type EngineCredentials = Readonly<Record<CredentialKey, string>>;

/** 128 bits, hex: nothing to escape in a URL (a path segment too), a config file, a JAAS file or a shell. */
const password = z.string().regex(/^[A-Za-z0-9_-]{16,}$/, 'a password of at least 16 letters, digits, - or _');
const FileSchema = z.object(Object.fromEntries(CREDENTIAL_KEYS.map((key) => [key, password.optional()])) as Record<CredentialKey, z.ZodOptional<typeof password>>);

// The same rule as stack/src/paths.ts (the stack's state folder), which this package cannot import.
const defaultStateDir = (): string => process.env.STACK_STATE_DIR ?? resolve(import.meta.dirname, '..', '..', '..', '.stack');

export function credentialsFile(stateDir: string = defaultStateDir()): string {
  return join(stateDir, 'credentials.json');
}

function readPartial(file: string): Partial<Record<CredentialKey, string>> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new Error(`cannot read the engine credentials in ${file} (${code}); run as its owner (root), or pass the engines' URLs in the environment (DATABASE_URL, REDIS_URL, ...)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON; restore it, or delete it and run ./stackctl up to make new credentials (the engines are given them at their next start)`);
  }
  const result = FileSchema.safeParse(parsed);
  if (!result.success) throw new Error(`${file} is not a credentials file: ${z.prettifyError(result.error)}`);
  return result.data;
}

let cached: { file: string; credentials: EngineCredentials } | undefined;

/** The credentials in the stack's state folder (read once per process), or an error that says how to get them. */
export function engineCredentials(): EngineCredentials {
  const file = credentialsFile();
  if (cached?.file === file) return cached.credentials;
  const partial = readPartial(file);
  const missing = CREDENTIAL_KEYS.filter((key) => partial?.[key] === undefined);
  if (partial === undefined || missing.length > 0) {
    throw new Error(`no engine credentials${partial === undefined ? '' : ` for ${missing.join(', ')}`} in ${file}: run ./stackctl up first (it makes them and gives them to the engines)`);
  }
  cached = { file, credentials: partial as EngineCredentials };
  return cached.credentials;
}

export function generatePassword(): string {
  return randomBytes(16).toString('hex');
}

/**
 * For the stack: the credentials in stateDir, made now (mode 0600) when the file is missing, and completed
 * when an engine has none yet. `created` lists the engines whose password is new, so that the caller knows
 * which running engines were started without it.
 */
export function ensureEngineCredentials(stateDir: string = defaultStateDir()): { credentials: EngineCredentials; created: CredentialKey[] } {
  const file = credentialsFile(stateDir);
  const existing = readPartial(file);
  const created = CREDENTIAL_KEYS.filter((key) => existing?.[key] === undefined);
  if (existing !== undefined && created.length === 0) {
    chmodSync(file, 0o600);
    return { credentials: existing as EngineCredentials, created };
  }
  const credentials = Object.fromEntries(CREDENTIAL_KEYS.map((key) => [key, existing?.[key] ?? generatePassword()])) as EngineCredentials;
  mkdirSync(stateDir, { recursive: true });
  // Written whole with its mode first, then put in place: a reader never sees half a file or a readable one.
  const partialFile = `${file}.${process.pid}.tmp`;
  writeFileSync(partialFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  cached = undefined;
  if (existing !== undefined) {
    renameSync(partialFile, file);
    return { credentials, created };
  }
  try {
    // A link fails when the file exists: of two `up`s at once, the first one's passwords stand.
    linkSync(partialFile, file);
    return { credentials, created };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return ensureEngineCredentials(stateDir);
  } finally {
    rmSync(partialFile, { force: true });
  }
}
