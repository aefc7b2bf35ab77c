// Faults on purpose: what can be broken, and how its state is reported. The
// projections' controls live in each service (GET/PUT /internal/projection);
// the gateway drives them and the stack's units through /faults.
import { z } from 'zod';
import { PROJECTIONS } from './consistency.ts';

/**
 * The consumers that can be paused, delayed or made to apply twice: the projections, named as
 * everywhere else (tokens, a 504's `late`, the gateway's /health, the UI), and the posts service's
 * user cascade.
 */
export const FAULT_PROJECTIONS = [...PROJECTIONS, 'user-cascade'] as const;
export type FaultProjection = (typeof FAULT_PROJECTIONS)[number];

/** Names /faults also takes: the cache projection used to be called after its service. */
export const PROJECTION_ALIASES: Readonly<Record<string, FaultProjection>> = { projectors: 'cache' };

/** Engines, then services, that /faults may stop, start or SIGKILL through the stack. The gateway is not one: it would take /faults with it. */
export const FAULT_ENGINES = ['postgres', 'timescaledb', 'redis', 'redis-state', 'ferretdb-store', 'ferretdb', 'neo4j', 'kafka', 'connect'] as const;
export const FAULT_SERVICES = ['users', 'posts', 'graph', 'analytics', 'projectors'] as const;
export const FAULT_UNITS = [...FAULT_ENGINES, ...FAULT_SERVICES] as const;
export type FaultUnit = (typeof FAULT_UNITS)[number];

export const UNIT_ACTIONS = ['stop', 'start', 'kill'] as const;
export type UnitAction = (typeof UNIT_ACTIONS)[number];

/** A minute: longer would look like a hang rather than a delay. */
export const MAX_FAULT_DELAY_MS = 60_000;

export const ProjectionFaults = z.object({
  paused: z.boolean().describe('true: nothing is applied; messages wait in Kafka as consumer lag (nothing lost, nothing committed)'),
  pausedSince: z.string().nullable(),
  delayMs: z.number().int().min(0).max(MAX_FAULT_DELAY_MS).describe('wait before applying each message or batch'),
  duplicate: z.boolean().describe('true: every message or batch is applied twice (idempotency must make the second a no-op)'),
  duplicated: z.number().int().describe('messages applied a second time since the process started'),
});
export type ProjectionFaults = z.infer<typeof ProjectionFaults>;

/** What a service's GET/PUT /internal/projection answers: the controls and how far behind the projection is. */
export const ProjectionFaultsStatus = ProjectionFaults.extend({
  running: z.boolean(),
  lag: z.number().int().nullable().describe('messages not applied yet; null when Kafka does not answer'),
});
export type ProjectionFaultsStatus = z.infer<typeof ProjectionFaultsStatus>;

/** A change of the controls: only the fields given change. */
export const ProjectionFaultsChange = z
  .object({
    paused: z.boolean().optional(),
    delayMs: z.number().int().min(0).max(MAX_FAULT_DELAY_MS).optional(),
    duplicate: z.boolean().optional(),
  })
  .strict();
export type ProjectionFaultsChange = z.infer<typeof ProjectionFaultsChange>;

/** What the gateway's PUT /faults/projections/:name takes: the controls other than pause (it has its own endpoints). */
export const ProjectionFaultsSettings = ProjectionFaultsChange.omit({ paused: true });

export const ProjectionControl = z.object({
  name: z.enum(FAULT_PROJECTIONS),
  service: z.string().describe('the service that runs it'),
  faults: ProjectionFaults.nullable().describe('null when the service does not answer or runs without this projection'),
  running: z.boolean().nullable(),
  lag: z.number().int().nullable().describe('messages not applied yet'),
  error: z.string().optional(),
});

export const FaultActor = z.object({
  userId: z.number().int().nullable(),
  email: z.string().nullable(),
  address: z.string(),
});

export const FaultAction = z.object({
  at: z.string(),
  action: z.string().describe('pause, resume, set, stop, start, kill'),
  target: z.string().describe('projection:NAME or unit:NAME'),
  by: FaultActor,
  detail: ProjectionFaultsSettings.optional().describe('what a set changed'),
  outcome: z.enum(['ok', 'failed']),
  error: z.string().optional(),
  durationMs: z.number().int(),
});
export type FaultAction = z.infer<typeof FaultAction>;

export const UnitState = z.object({ name: z.string(), kind: z.enum(['engine', 'service']), state: z.string(), pid: z.number().int().nullable() });

export const FaultsOverview = z.object({
  projections: z.array(ProjectionControl),
  units: z.object({
    available: z.boolean().describe('false when the gateway cannot drive the stack (no stackctl, or switched off)'),
    reason: z.string().optional(),
    controllable: z.array(z.string()),
    actions: z.array(z.enum(UNIT_ACTIONS)),
    states: z.array(UnitState),
  }),
  recent: z.array(FaultAction).describe('the last fault actions, newest first'),
});
export type FaultsOverview = z.infer<typeof FaultsOverview>;

export const UnitActionResult = z.object({
  unit: z.enum(FAULT_UNITS),
  action: z.enum(UNIT_ACTIONS),
  durationMs: z.number().int(),
  output: z.string().describe("the stack CLI's own report"),
});
export type UnitActionResult = z.infer<typeof UnitActionResult>;

/**
 * The stack's unit control (stack/src/control/): the one root-side process that stops, starts and kills
 * units for /faults, since the gateway runs unprivileged. It listens on a UNIX socket (this path inside the
 * stack's state folder, .stack by default), answers only callers that send the internal secret, and takes
 * only this request, for a unit of FAULT_UNITS.
 */
export const UNIT_CONTROL_SOCKET = 'run/control/control.sock';

export interface UnitControlRequest {
  action: UnitAction;
  unit: FaultUnit;
  /** Who asked the gateway (an email or a client address), for the control's log. */
  by?: string;
}

/** How long the unit control lets the CLI take: engines can take a while to come up (Kafka, Neo4j, Connect); a stop waits for a clean shutdown. */
export const UNIT_ACTION_TIMEOUT_MS: Record<UnitAction | 'status', number> = { start: 180_000, stop: 90_000, kill: 30_000, status: 15_000 };

/** The unit control's routes: its health (no secret needed, tells nothing), the units' states, an action. */
export const UNIT_CONTROL_ROUTES = { health: '/health', units: '/units', actions: '/actions' } as const;
