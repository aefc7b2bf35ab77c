// The users service's environment, parsed once at start; a wrong value stops
// the process with a readable message instead of failing on the first request.
import { z } from 'zod';
import { urls } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { envPort, loadConfig } from '@polyglot/platform/config';
import { envAllowedHosts } from '@polyglot/platform/request-guards';
import { envInternalSecret } from '@polyglot/platform/internal-secret';

export const UsersConfig = z.object({
  PORT: envPort(servicePorts.users),
  /** More host names this server answers to (see request-guards.ts). */
  ALLOWED_HOSTS: envAllowedHosts,
  /** Required from every caller; ./stackctl up passes it (see internal-secret.ts). */
  INTERNAL_SECRET: envInternalSecret,
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
    .default(() => urls.postgres),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type UsersConfig = z.output<typeof UsersConfig>;

export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env): UsersConfig {
  return loadConfig('users', UsersConfig, env);
}
