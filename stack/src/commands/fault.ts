// ./stackctl fault …: faults on purpose through the gateway's /faults, so each
// one is checked (admin when AUTH_REQUIRED is on) and logged with who asked,
// like the same action from the API. GATEWAY_URL and GATEWAY_TOKEN (a session
// token from POST /auth/login) say where and as whom.
import { FAULT_PROJECTIONS, FAULT_UNITS, MAX_FAULT_DELAY_MS, PROJECTION_ALIASES, UNIT_ACTIONS } from '@polyglot/contracts/faults';
import { StackError } from '../errors.ts';
import { gatewayBase, gatewayRequest, GatewayUnreachableError, type GatewayAnswer } from '../gateway-call.ts';
import { info } from '../progress.ts';

export const FAULT_HELP = `  fault status [--json]              every projection's pause/delay/duplicate and lag, the units, the recent fault actions
  fault pause|resume PROJECTION      stop applying (messages wait in Kafka as lag) / drain the backlog
  fault delay PROJECTION MS          wait MS before each message or batch (0 turns it off)
  fault duplicate PROJECTION on|off  apply every message twice (idempotency must hold)
  fault stop|start|kill UNIT         like stop/start/kill, but through the gateway, which logs who did it
                                     (projections: ${FAULT_PROJECTIONS.join(', ')}; GATEWAY_URL, GATEWAY_TOKEN)`;

const bad = (message: string) => new StackError('BAD_ARGUMENT', `${message}; see ./stackctl help`, { exitCode: 2 });

function projectionArg(name: string | undefined): string {
  if (name && (FAULT_PROJECTIONS as readonly string[]).includes(name)) return name;
  if (name && Object.hasOwn(PROJECTION_ALIASES, name)) return PROJECTION_ALIASES[name]!;
  throw bad(`fault needs a projection: ${FAULT_PROJECTIONS.join(', ')}${name ? ` (not "${name}")` : ''}`);
}

async function gatewayCall(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<any> {
  let answer: GatewayAnswer<{ error?: string; code?: string }>;
  try {
    answer = await gatewayRequest<{ error?: string; code?: string }>(method, path, { body, timeoutMs });
  } catch (error) {
    if (!(error instanceof GatewayUnreachableError)) throw error;
    throw new StackError('GATEWAY_UNAVAILABLE', `the gateway at ${gatewayBase()} does not answer (${error.reason}); is it up? (./stackctl status)`);
  }
  if (answer.status < 200 || answer.status >= 300) {
    const hint = answer.status === 401 ? ' (set GATEWAY_TOKEN to an admin session token from POST /auth/login)' : '';
    throw new StackError('FAULT_REFUSED', `${method} ${path}: ${answer.status} ${answer.body?.code ?? ''} ${answer.body?.error ?? ''}${hint}`.replace(/\s+/g, ' ').trim());
  }
  return answer.body;
}

function describeControl(p: any): string {
  if (!p.faults) return `${p.name}: ${p.error ?? 'unknown'}`;
  const f = p.faults;
  const state = [f.paused ? `PAUSED since ${f.pausedSince}` : 'applying', f.delayMs > 0 ? `delay ${f.delayMs} ms` : null, f.duplicate ? `DUPLICATE (${f.duplicated} applied twice)` : null].filter(Boolean).join(', ');
  return `${p.name} (${p.service}): ${state}; lag ${p.lag ?? '?'}${p.running === false ? ', consumer not running' : ''}`;
}

export async function faultCommand(args: readonly string[]): Promise<number> {
  const [sub, target, value, ...extra] = args;
  if (extra.length > 0) throw bad(`unexpected arguments: ${extra.join(' ')}`);
  switch (sub) {
    case 'status': {
      if (value !== undefined || (target !== undefined && target !== '--json')) throw bad('fault status takes only --json');
      const overview = await gatewayCall('GET', '/faults');
      if (target === '--json') {
        process.stdout.write(`${JSON.stringify(overview, null, 2)}\n`);
        return 0;
      }
      const lines = ['Projections:', ...overview.projections.map((p: any) => `  ${describeControl(p)}`)];
      lines.push(
        overview.units.available
          ? `Units: ${overview.units.states.map((s: any) => `${s.name} ${s.state}`).join(', ')}`
          : `Units: not driven by this gateway (${overview.units.reason})`,
      );
      lines.push('Recent fault actions:', ...(overview.recent.length === 0 ? ['  none'] : overview.recent.slice(0, 10).map((a: any) => `  ${a.at} ${a.action} ${a.target} by ${a.by.email ?? a.by.address}: ${a.outcome}${a.error ? ` (${a.error})` : ''}`)));
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    }
    case 'pause':
    case 'resume': {
      if (value !== undefined) throw bad(`fault ${sub} takes one projection`);
      const p = await gatewayCall('POST', `/faults/projections/${projectionArg(target)}/${sub}`);
      process.stdout.write(`${describeControl(p)}\n`);
      return 0;
    }
    case 'delay': {
      const name = projectionArg(target);
      const ms = Number(value);
      if (value === undefined || !Number.isInteger(ms) || ms < 0 || ms > MAX_FAULT_DELAY_MS) throw bad(`fault delay needs milliseconds from 0 to ${MAX_FAULT_DELAY_MS}${value === undefined ? '' : ` (not "${value}")`}`);
      process.stdout.write(`${describeControl(await gatewayCall('PUT', `/faults/projections/${name}`, { delayMs: ms }))}\n`);
      return 0;
    }
    case 'duplicate': {
      const name = projectionArg(target);
      if (value !== 'on' && value !== 'off') throw bad(`fault duplicate needs on or off${value === undefined ? '' : ` (not "${value}")`}`);
      process.stdout.write(`${describeControl(await gatewayCall('PUT', `/faults/projections/${name}`, { duplicate: value === 'on' }))}\n`);
      return 0;
    }
    case 'stop':
    case 'start':
    case 'kill': {
      if (!target || !(FAULT_UNITS as readonly string[]).includes(target) || value !== undefined) throw bad(`fault ${sub} needs one unit: ${FAULT_UNITS.join(', ')}`);
      info(`asking the gateway to ${sub} ${target}`);
      const result = await gatewayCall('POST', `/faults/units/${target}/${sub}`, undefined, 300_000);
      if (result.output) process.stdout.write(`${result.output}\n`);
      info(`${sub} ${target}: done in ${(result.durationMs / 1000).toFixed(1)} s`);
      return 0;
    }
    default:
      throw bad(`fault needs one of: status, pause, resume, delay, duplicate, ${UNIT_ACTIONS.join(', ')}${sub ? ` (not "${sub}")` : ''}`);
  }
}
