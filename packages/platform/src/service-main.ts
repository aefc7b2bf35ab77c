// Runs a service until SIGTERM/SIGINT, then stops it cleanly. A start that
// fails prints one line and exits 1, so the supervisor sees it at once. A
// service that is traced starts its tracing first (so its first request is
// traced) and sends its last spans after it stopped.
import type { Logger } from 'pino';
import { loadTracingConfig, startTracing, type Tracing } from './tracing.ts';

export interface Stoppable {
  stop(): Promise<void>;
}

export interface RunOptions {
  /** The service name its spans carry (service.name); absent: the process makes no spans (the UI's server). */
  tracedAs?: string;
}

export async function runUntilSignal(logger: Logger, start: () => Promise<Stoppable>, options: RunOptions = {}): Promise<void> {
  let service: Stoppable;
  let tracing: Tracing | undefined;
  try {
    if (options.tracedAs) tracing = startTracing(options.tracedAs, loadTracingConfig(options.tracedAs));
    service = await start();
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      logger.error('stop took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    try {
      await service.stop();
      await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'could not send the last spans'));
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'stop failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}
