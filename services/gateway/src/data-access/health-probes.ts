// The gateway's health probes: each service's GET /health, the Debezium connectors'
// status in Kafka Connect, and a PING to each Redis instance, each bounded in time.
// domain/check-health.use-case.ts asks them all in parallel and builds the report.
import type { Redis } from 'ioredis';
import type { GatewayHealth } from '@polyglot/contracts/api';
import { internalHeaders } from '@polyglot/platform/internal-secret';

/** Each probe's limit: one hung component costs this long, not the sum. */
const HEALTH_TIMEOUT_MS = 2000;
/** A service's /health body, as it answered it. */
export type ProbeBody = Record<string, unknown>;
interface Probe {
  up: boolean;
  body: ProbeBody;
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${HEALTH_TIMEOUT_MS} ms`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS), headers: { accept: 'application/json', ...headers } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

/** A service's GET /health: up when it answers 200 with a JSON object. */
export async function probeService(baseUrl: string, secret: string): Promise<Probe> {
  try {
    const { status, body } = await getJson(`${baseUrl}/health`, internalHeaders(secret));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { up: false, body: { status: 'down', error: `/health answered ${status} without a JSON object` } };
    return { up: status === 200, body: body as ProbeBody };
  } catch (error) {
    return { up: false, body: { status: 'down', error: describe(error) } };
  }
}

type Connector = GatewayHealth['pipeline']['connector'];

/** A Debezium connector's status in Kafka Connect: up when it and every task run. */
export async function probeConnector(connectUrl: string, authorization: string, name: string): Promise<{ up: boolean; connector: Connector }> {
  try {
    const { status, body } = await getJson(`${connectUrl}/connectors/${name}/status`, { authorization });
    const b = body as { connector?: { state?: string }; tasks?: Array<{ id?: number; state?: string; trace?: string }>; message?: string } | undefined;
    if (status === 404) return { up: false, connector: { state: 'MISSING', tasks: [], error: `Kafka Connect has no connector ${name}; ./stackctl up registers it` } };
    if (status === 401) return { up: false, connector: { state: 'UNKNOWN', tasks: [], error: 'Kafka Connect refuses the gateway\'s CONNECT_USER and CONNECT_PASSWORD (401); ./stackctl up gives the gateway the stack\'s own' } };
    if (status !== 200 || !b?.connector) return { up: false, connector: { state: 'UNKNOWN', tasks: [], error: b?.message ?? `Kafka Connect answered ${status}` } };
    const tasks = (b.tasks ?? []).map((t) => ({
      id: t.id ?? 0,
      state: t.state ?? 'UNKNOWN',
      // A failed task's trace is a Java stack; its first line says what happened.
      ...(t.trace ? { error: t.trace.split('\n')[0]! } : {}),
    }));
    const state = b.connector.state ?? 'UNKNOWN';
    return { up: state === 'RUNNING' && tasks.length > 0 && tasks.every((t) => t.state === 'RUNNING'), connector: { state, tasks } };
  } catch (error) {
    return { up: false, connector: { state: 'UNREACHABLE', tasks: [], error: `Kafka Connect: ${describe(error)}` } };
  }
}

/** A Redis instance's PING. */
export async function probeRedis(client: Redis): Promise<{ up: boolean; redis: GatewayHealth['stores']['redis'] }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), HEALTH_TIMEOUT_MS);
      }),
    ]);
    return { up: true, redis: { status: 'ok' } };
  } catch (error) {
    return { up: false, redis: { status: 'down', error: describe(error) } };
  } finally {
    clearTimeout(timer);
  }
}
