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
