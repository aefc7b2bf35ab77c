// Every engine the stack runs, in the order the status table lists them.
import { StackError, UnknownEngineError } from '../errors.ts';
import { connect } from './connect.ts';
import { ENGINE_NAMES, type Engine, type EngineName } from './engine.ts';
import { ferretdb } from './ferretdb.ts';
import { kafka } from './kafka.ts';
import { neo4j } from './neo4j.ts';
import { postgres } from './postgres.ts';
import { redis } from './redis.ts';
import { timescaledb } from './timescaledb.ts';

export const engines: readonly Engine[] = [postgres, timescaledb, redis, ferretdb, neo4j, kafka, connect];

const ALIASES: Record<string, EngineName> = {
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
  const canonical = (ENGINE_NAMES as readonly string[]).includes(name) ? name : ALIASES[name.toLowerCase()];
  const engine = engines.find((e) => e.name === canonical);
  if (!engine) throw new UnknownEngineError(name, ENGINE_NAMES);
  return engine;
}

export function requireEngineArg(args: readonly string[], command: string): Engine[] {
  if (args.length === 0) throw new StackError('BAD_ARGUMENT', `${command} needs an engine name: ${ENGINE_NAMES.join(', ')}`, { exitCode: 2 });
  return args.map(engineByName);
}
