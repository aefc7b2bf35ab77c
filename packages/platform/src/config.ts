// Reads a service's settings from the environment once, at start, through a
// zod schema, and stops the process with a readable list of what is wrong.
import { z } from 'zod';
import { KAFKA_MAX_MESSAGE_BYTES } from '@polyglot/contracts/topics';

export class ConfigError extends Error {
  constructor(service: string, issues: string) {
    super(`${service}: invalid configuration:\n${issues}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig<S extends z.ZodType>(service: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(service, z.prettifyError(parsed.error));
  return parsed.data;
}

/**
 * A switch, written "on" or "off" and nothing else (a typo stops the process with
 * a readable message rather than leaving the switch at its default); true when on.
 * CONSUMERS, in every service that runs Kafka consumers, is one.
 */
export const envSwitch = (fallback: 'on' | 'off') => z.enum(['on', 'off']).default(fallback).transform((v) => v === 'on');

/** "true"/"1"/"yes" → true; everything else → false. */
export const envFlag = z
  .string()
  .optional()
  .transform((v) => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()));

export const envPort = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/**
 * A fallback that reads the stack's state (an address with a password) is given as a function: it is read only
 * when the setting is missing, so a service started with its URLs in the environment never reads the file.
 */
export type Fallback = string | (() => string);

const lazy = (fallback: Fallback): (() => string) => (typeof fallback === 'string' ? () => fallback : fallback);

export const envRedisUrl = (fallback: Fallback) => z.string().regex(/^rediss?:\/\//, 'a Redis address is redis://[:PASSWORD@]HOST:PORT').default(lazy(fallback));

/**
 * Where a projection raises its watermarks (the state Redis, which never evicts: strong writes and
 * read-your-writes wait on them);
 * empty: none (a test, or a replica that must not announce anything).
 */
export const envWatermarksUrl = (fallback: Fallback) => z.union([z.literal(''), envRedisUrl(fallback)]).default(lazy(fallback));

/**
 * RELAY_MAX_BATCH_BYTES: the most bytes a relay puts in one send to Kafka, under
 * the broker's message.max.bytes. Unset: the relay's default (DEFAULT_RELAY_BATCH_BYTES).
 * An event larger than this on its own goes to the dead letters; tests lower it.
 */
export const envRelayBatchBytes = z.coerce
  .number()
  .int()
  .min(256)
  .max(KAFKA_MAX_MESSAGE_BYTES - 4096, `RELAY_MAX_BATCH_BYTES must stay under Kafka's message.max.bytes (${KAFKA_MAX_MESSAGE_BYTES}) with room for framing`)
  .optional();
