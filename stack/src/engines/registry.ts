// Every engine the stack runs, in the order the status table lists them.
import { StackError, UnknownEngineError } from '../errors.ts';
import { unitControl } from '../control/unit-control.ts';
import { connect } from './connect.ts';
import { type Engine, type UnitName } from './engine.ts';
import { services } from '../services/service-units.ts';
import { ferretdb } from './ferretdb.ts';
import { ferretdbStore } from './ferretdb-store.ts';
import { jaeger } from './jaeger.ts';
import { kafka } from './kafka.ts';
import { neo4j } from './neo4j.ts';
import { postgres } from './postgres.ts';
import { redis } from './redis.ts';
import { redisState } from './redis-state.ts';
import { timescaledb } from './timescaledb.ts';

export const engines: readonly Engine[] = [postgres, timescaledb, redis, redisState, ferretdbStore, ferretdb, neo4j, kafka, connect, jaeger];

/** Everything `up` starts: the engines, the unit control (root), then the platform's services (unprivileged). */
export const units: readonly Engine[] = [...engines, unitControl, ...services];

export const UNIT_NAMES: readonly UnitName[] = units.map((u) => u.name);

const ALIASES: Record<string, UnitName> = {
  pg: 'postgres',
  postgresql: 'postgres',
  timescale: 'timescaledb',
  tsdb: 'timescaledb',
  mongo: 'ferretdb',
  mongodb: 'ferretdb',
  debezium: 'connect',
  'kafka-connect': 'connect',
};

export function engineByName(name: string): Engine {
  const canonical = (UNIT_NAMES as readonly string[]).includes(name) ? name : ALIASES[name.toLowerCase()];
  const unit = units.find((e) => e.name === canonical);
  if (!unit) throw new UnknownEngineError(name, UNIT_NAMES);
  return unit;
}

/** Dependencies first; each unit after everything it depends on. */
export function dependencyDepth(unit: Engine): number {
  return unit.dependsOn.reduce((depth, dep) => Math.max(depth, 1 + dependencyDepth(units.find((u) => u.name === dep)!)), 0);
}

export function requireEngineArg(args: readonly string[], command: string): Engine[] {
  if (args.length === 0) throw new StackError('BAD_ARGUMENT', `${command} needs an engine or service name: ${UNIT_NAMES.join(', ')}`, { exitCode: 2 });
  return args.map(engineByName);
}

export const ENGINE_NAMES_FOR_HELP = `Engines:  ${engines.map((e) => e.name).join(', ')}\nControl:  ${unitControl.name} (root; runs /faults' stop, start and kill for the gateway)\nServices: ${services.map((e) => e.name).join(', ')}\nAliases:  ${Object.entries(ALIASES).map(([alias, name]) => `${alias} (${name})`).join(', ')}`;
