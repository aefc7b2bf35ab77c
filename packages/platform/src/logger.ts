// Structured JSON logs (pino). Secrets are redacted wherever they appear.
import { pino, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'password',
  'hashed_password',
  '*.password',
  '*.hashed_password',
  'req.headers.authorization',
  'req.headers.cookie',
  'body.password',
  'user.hashed_password',
];

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service, pid: process.pid } });
}

export type { Logger };
