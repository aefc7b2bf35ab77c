// The users service: the only process that opens the users database.
// start() migrates the database (unless told not to), then listens on
// 127.0.0.1:PORT; stop() closes the server, then the pool.
import { fileURLToPath } from 'node:url';
import { createHttpApp } from '@polyglot/platform/http-app';
import { createLogger, type Logger } from '@polyglot/platform/logger';
import { migrate } from '@polyglot/platform/postgres-migrations';
import type { UsersConfig } from './config.ts';
import { createPool, describeDatabase, STORE_NAME } from './data-access/postgres-pool.ts';
import { threadPoolCpuMs } from './data-access/thread-pool-cpu.ts';
import { UserRepository } from './data-access/user.repository.ts';
import { PasswordHasher } from './domain/password-hasher.ts';
import type { UsersDeps } from './domain/users-deps.ts';
import { registerCredentialRoutes } from './entry-points/credentials.routes.ts';
import { registerHealthRoutes } from './entry-points/health.routes.ts';
import { registerObservationRoutes } from './entry-points/observations.routes.ts';
import { registerSeedRoutes } from './entry-points/seed.routes.ts';
import { registerUserRoutes } from './entry-points/users.routes.ts';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

export interface StartOptions {
  logger?: Logger;
  /**
   * Apply migrations before listening (default true). A database that cannot be
   * reached then fails start() within the pool's connect timeout (2 s), which
   * is what a supervisor wants. false starts without touching the database, for
   * an operator who migrates separately, and for tests of the 503 path.
   */
  migrate?: boolean;
}

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

export async function start(config: UsersConfig, options: StartOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger('users', config.LOG_LEVEL);
  const database = describeDatabase(config.DATABASE_URL);
  const pool = createPool(config.DATABASE_URL, logger);
  try {
    if (options.migrate ?? true) {
      const client = await pool.connect().catch((error: unknown) => {
        throw new Error(`users: cannot reach the users database at ${database} to migrate it: ${(error as Error).message}; is PostgreSQL up (./stackctl status)?`, { cause: error });
      });
      try {
        const result = await migrate(client, MIGRATIONS);
        logger.info({ applied: result.applied, alreadyApplied: result.alreadyApplied.length, database }, 'migrations done');
      } finally {
        client.release();
      }
    }

    const deps: UsersDeps = { users: new UserRepository(pool), passwords: await PasswordHasher.create(threadPoolCpuMs) };
    const app = createHttpApp({ logger, storeName: STORE_NAME, guards: { allowedHosts: config.ALLOWED_HOSTS, internalSecret: config.INTERNAL_SECRET } });
    registerUserRoutes(app, deps);
    registerCredentialRoutes(app, deps);
    registerSeedRoutes(app, deps);
    registerHealthRoutes(app, deps);
    registerObservationRoutes(app, deps);

    await app.listen({ host: '127.0.0.1', port: config.PORT });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
    logger.info({ port, database }, 'users service listening');

    return {
      port,
      async stop() {
        await app.close();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}
