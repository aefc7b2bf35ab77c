// Stops, starts and SIGKILLs the stack's units for /faults. The gateway runs
// unprivileged, so it cannot do that itself: it asks the stack's unit control
// (stack/src/control/), a root-side process listening on a UNIX socket that
// only root and the gateway's group can open, with the internal secret. The
// control takes only {action, unit} for a unit of FAULT_UNITS and runs the
// stack's own CLI for it (`./stackctl stop|start|kill UNIT`), one action per
// unit at a time, bounded in time.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { ERROR_CODES, type ErrorCode } from '@polyglot/contracts/error-codes';
import { UNIT_ACTION_TIMEOUT_MS, UNIT_CONTROL_ROUTES, FAULT_UNITS, type FaultUnit, type UnitAction, type UnitControlRequest } from '@polyglot/contracts/faults';
import { AppError } from '@polyglot/platform/errors';
import { INTERNAL_SECRET_HEADER } from '@polyglot/platform/internal-secret';

export interface UnitStatus {
  name: string;
  kind: 'engine' | 'service';
  state: string;
  pid: number | null;
}

/** Time for the answer beyond the control's own limit on the CLI, which answers 504 itself. */
const MARGIN_MS = 5000;

const START_IT = 'start it with ./stackctl start unit-control (./stackctl up starts it too)';

function ask(socket: string, secret: string, method: 'GET' | 'POST', path: string, body: UnitControlRequest | undefined, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath: socket,
        method,
        path,
        headers: { [INTERNAL_SECRET_HEADER]: secret, ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: any;
          try {
            parsed = JSON.parse(text);
          } catch {
            return reject(new AppError('UNIT_ACTION_FAILED', `the unit control answered ${res.statusCode} with no JSON: ${text.slice(0, 200)}`));
          }
          if (res.statusCode === 200) return resolve(parsed);
          const code = typeof parsed?.code === 'string' && parsed.code in ERROR_CODES ? (parsed.code as ErrorCode) : 'UNIT_ACTION_FAILED';
          // Its 401 is about the gateway's secret, not the client's session.
          if (code === 'INTERNAL_AUTH_REQUIRED') {
            return reject(new AppError('UNIT_CONTROL_UNAVAILABLE', "the stack's unit control refused this gateway's internal secret; restart the gateway (./stackctl stop gateway, then ./stackctl up) so that both use the one in .stack/internal-secret"));
          }
          reject(new AppError(code, String(parsed?.error ?? `the unit control answered ${res.statusCode}`)));
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ETIMEDOUT') return reject(new AppError('TIMEOUT', `the unit control did not answer within ${timeoutMs / 1000} s; see ./stackctl status`));
      reject(new AppError('UNIT_CONTROL_UNAVAILABLE', `the stack's unit control does not answer at ${socket} (${error.code ?? error.message}); ${START_IT}`));
    });
    req.end(payload);
  });
}

/** socket: the unit control's, or null where this gateway must not drive the stack (UNIT_CONTROL=off). */
export function createStackUnits(socket: string | null, secret: string) {
  const availability = (): { available: true } | { available: false; reason: string } => {
    if (socket === null) return { available: false, reason: 'switched off (UNIT_CONTROL=off): this gateway does not drive the stack' };
    if (!existsSync(socket)) return { available: false, reason: `the stack's unit control is not running (no socket at ${socket}); ${START_IT}` };
    return { available: true };
  };

  const checked = (): string => {
    const state = availability();
    if (!state.available) throw new AppError('UNIT_CONTROL_UNAVAILABLE', `the gateway cannot drive the stack: ${state.reason}`);
    return socket!;
  };

  return {
    units: FAULT_UNITS,
    availability,

    /** Runs the action through the unit control and answers the CLI's report; 409 when an action on this unit is still running. */
    async act(unit: FaultUnit, action: UnitAction, by?: string): Promise<string> {
      const answer = (await ask(checked(), secret, 'POST', UNIT_CONTROL_ROUTES.actions, { action, unit, ...(by ? { by: by.slice(0, 200) } : {}) }, UNIT_ACTION_TIMEOUT_MS[action] + MARGIN_MS)) as { output?: string };
      return String(answer.output ?? '');
    },

    /** The states of the units faults may drive, as ./stackctl status reports them. */
    async states(): Promise<UnitStatus[]> {
      return (await ask(checked(), secret, 'GET', UNIT_CONTROL_ROUTES.units, undefined, UNIT_ACTION_TIMEOUT_MS.status + MARGIN_MS)) as UnitStatus[];
    },
  };
}
export type StackUnits = ReturnType<typeof createStackUnits>;
