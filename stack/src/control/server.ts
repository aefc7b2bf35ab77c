// The unit control's server: HTTP over a UNIX socket that only root and the
// unprivileged user's group may open (0660 in a 0750 folder), answering only
// callers that send the internal secret. It takes exactly one request —
// {action: stop|start|kill, unit} for a unit of FAULT_UNITS (never the
// gateway, the UI or itself) — and runs the stack's own CLI for it, the same
// code path as `./stackctl stop|start|kill UNIT`: never a shell, one action
// per unit at a time, bounded in time. GET /units reports those units' states
// (`./stackctl status --json`). Every request, done or refused, is one JSON
// line in its log (.stack/logs/unit-control.log) with who asked.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { stripVTControlCharacters } from 'node:util';
import { ERROR_CODES, type ErrorCode } from '@polyglot/contracts/error-codes';
import { FAULT_UNITS, UNIT_ACTION_TIMEOUT_MS, UNIT_ACTIONS, UNIT_CONTROL_ROUTES, type FaultUnit, type UnitAction } from '@polyglot/contracts/faults';
import { INTERNAL_SECRET_HEADER, isInternalSecret } from '@polyglot/platform/internal-secret';

const MAX_BODY_BYTES = 4096;
const MAX_BY_LENGTH = 200;

export interface ControlServerOptions {
  /** The stack CLI (stack/src/cli.ts), run with this Node. */
  cli: string;
  /** Its working folder: the checkout, as when ./stackctl is run there. */
  cwd: string;
  /** The internal secret, read on each request so a new one needs no restart. */
  secret: () => string;
  /** One JSON line per request. */
  log: (entry: Record<string, unknown>) => void;
  /** Replaces the CLI run (tests of the protocol alone). */
  runCli?: (args: string[], timeoutMs: number) => Promise<{ stdout: string; stderr: string }>;
}

class ControlError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const plain = (text: string) => stripVTControlCharacters(text).trim();

/** The CLI's environment: this process's, less what would make it a test process. */
function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function runCliWith(cli: string, cwd: string) {
  return (args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', cli, ...args],
        { cwd, env: cliEnv(), timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, windowsHide: true },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout: plain(stdout), stderr: plain(stderr) });
          const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
          if (e.killed) return reject(new ControlError('TIMEOUT', `./stackctl ${args.join(' ')} did not finish within ${timeoutMs / 1000} s; see ./stackctl status`));
          // The CLI reports a failure as one line "stackctl: … [CODE]" on stderr.
          const report = plain(stderr).split('\n').reverse().find((line) => line.startsWith('stackctl:')) ?? plain(stderr).split('\n').at(-1) ?? `exit ${e.code}`;
          reject(new ControlError('UNIT_ACTION_FAILED', `./stackctl ${args.join(' ')} failed: ${report.replace(/^stackctl:\s*/, '')}`));
        },
      );
    });
}

/** The body, up to MAX_BODY_BYTES; past that it is read to its end (the server's requestTimeout bounds it) and dropped, so the 413 can still be sent. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new ControlError('BODY_TOO_LARGE', `a request to the unit control is at most ${MAX_BODY_BYTES} bytes`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** Exactly {action, unit[, by]}: anything else is refused before a name is looked at. */
export function parseActionRequest(text: string): { action: UnitAction; unit: FaultUnit; by?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ControlError('MALFORMED_JSON', 'the body must be JSON: {"action": "stop"|"start"|"kill", "unit": NAME}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ControlError('VALIDATION_FAILED', 'the body must be an object: {"action": "stop"|"start"|"kill", "unit": NAME}');
  const fields = value as Record<string, unknown>;
  const extra = Object.keys(fields).filter((k) => !['action', 'unit', 'by'].includes(k));
  if (extra.length > 0) throw new ControlError('VALIDATION_FAILED', `unexpected field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}; only action, unit and by are taken`);
  const { action, unit, by } = fields;
  if (typeof action !== 'string' || !(UNIT_ACTIONS as readonly string[]).includes(action)) throw new ControlError('VALIDATION_FAILED', `action must be one of ${UNIT_ACTIONS.join(', ')}`);
  if (by !== undefined && (typeof by !== 'string' || by.length > MAX_BY_LENGTH)) throw new ControlError('VALIDATION_FAILED', `by must be a string of at most ${MAX_BY_LENGTH} characters`);
  if (typeof unit !== 'string' || !(FAULT_UNITS as readonly string[]).includes(unit)) {
    throw new ControlError('UNKNOWN_UNIT', `${typeof unit === 'string' ? `"${unit.slice(0, 100)}"` : 'that unit'} cannot be stopped, started or killed through the unit control; units: ${FAULT_UNITS.join(', ')}`);
  }
  return { action: action as UnitAction, unit: unit as FaultUnit, ...(by !== undefined ? { by: by as string } : {}) };
}

export function createControlServer(options: ControlServerOptions): Server {
  const run = options.runCli ?? runCliWith(options.cli, options.cwd);
  const busy = new Set<FaultUnit>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const fail = (res: ServerResponse, error: ControlError) => send(res, ERROR_CODES[error.code].status, { error: error.message, code: error.code });

  const route = async (req: IncomingMessage): Promise<{ status: number; body: unknown; entry?: Record<string, unknown> }> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === UNIT_CONTROL_ROUTES.health) {
      if (req.method !== 'GET') throw new ControlError('METHOD_NOT_ALLOWED', `${path} takes GET`);
      return { status: 200, body: { status: 'ok' } };
    }
    if (path !== UNIT_CONTROL_ROUTES.units && path !== UNIT_CONTROL_ROUTES.actions) throw new ControlError('ROUTE_NOT_FOUND', `the unit control has ${Object.values(UNIT_CONTROL_ROUTES).join(', ')}`);
    // Before anything is read or looked at.
    if (!isInternalSecret(req.headers[INTERNAL_SECRET_HEADER], options.secret())) {
      throw new ControlError('INTERNAL_AUTH_REQUIRED', `the unit control answers only the project's own processes, which send ${INTERNAL_SECRET_HEADER}`);
    }
    if (path === UNIT_CONTROL_ROUTES.units) {
      if (req.method !== 'GET') throw new ControlError('METHOD_NOT_ALLOWED', `${path} takes GET`);
      const { stdout } = await run(['status', '--json'], UNIT_ACTION_TIMEOUT_MS.status);
      const parsed = JSON.parse(stdout) as { engines: Array<{ engine: string; kind: 'engine' | 'service'; state: string; pid?: number | null }> };
      const states = parsed.engines
        .filter((e) => (FAULT_UNITS as readonly string[]).includes(e.engine))
        .map((e) => ({ name: e.engine, kind: e.kind, state: e.state, pid: e.pid ?? null }));
      return { status: 200, body: states };
    }
    if (req.method !== 'POST') throw new ControlError('METHOD_NOT_ALLOWED', `${path} takes POST`);
    const { action, unit, by } = parseActionRequest(await readBody(req));
    const entry = { action, unit, by: by ?? null };
    if (busy.has(unit)) throw Object.assign(new ControlError('FAULT_IN_PROGRESS', `an action on ${unit} is still running; wait for it, then try again`), { entry });
    busy.add(unit);
    const started = Date.now();
    try {
      const { stdout, stderr } = await run([action, unit], UNIT_ACTION_TIMEOUT_MS[action]);
      const output = [stderr, stdout].filter(Boolean).join('\n').slice(-4000);
      return { status: 200, body: { unit, action, durationMs: Date.now() - started, output }, entry };
    } catch (error) {
      throw Object.assign(error as Error, { entry });
    } finally {
      busy.delete(unit);
    }
  };

  const server = createServer((req, res) => {
    const started = Date.now();
    const base = { method: req.method, path: (req.url ?? '/').split('?')[0] };
    route(req).then(
      ({ status, body, entry }) => {
        send(res, status, body);
        if (base.path !== UNIT_CONTROL_ROUTES.health) options.log({ level: 'info', msg: entry ? `${entry.action} ${entry.unit} for ${entry.by ?? 'the gateway'}: done` : `${base.method} ${base.path}`, ...base, ...entry, outcome: 'ok', status, durationMs: Date.now() - started });
      },
      (error: unknown) => {
        const known = error instanceof ControlError ? error : new ControlError('INTERNAL_ERROR', `the unit control failed: ${(error as Error)?.message ?? String(error)}`);
        fail(res, known);
        const entry = (error as { entry?: { action: string; unit: string; by: string | null } }).entry;
        options.log({
          level: 'warn',
          msg: entry ? `${entry.action} ${entry.unit} for ${entry.by ?? 'the gateway'}: refused or failed` : `${base.method} ${base.path}: refused`,
          ...base,
          ...entry,
          outcome: 'failed',
          code: known.code,
          error: known.message,
          durationMs: Date.now() - started,
        });
      },
    );
  });
  // A caller that sends its request slowly, or never ends it, is dropped; the answer to an action may take minutes.
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  return server;
}
