// Reads a service's settings from the environment once, at start, through a
// zod schema, and stops the process with a readable list of what is wrong.
import { z } from 'zod';

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

/** "true"/"1"/"yes" → true; everything else → false. */
export const envFlag = z
  .string()
  .optional()
  .transform((v) => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()));

export const envPort = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const envRedisUrl = (fallback: string) => z.string().regex(/^rediss?:\/\//, 'a Redis address is redis://HOST:PORT').default(fallback);

/**
 * Where a projection raises its watermarks (strong writes, read-your-writes wait on them);
 * empty: none (a test, or a replica that must not announce anything).
 */
export const envWatermarksUrl = (fallback: string) => z.union([z.literal(''), envRedisUrl(fallback)]).default(fallback);
