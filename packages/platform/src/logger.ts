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

/** An address with its password replaced (redis://:secret@host → redis://:[redacted]@host); other text unchanged. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)[^@/\s]+@/gi, '$1[redacted]@');
}

/** A safety net under the paths above: a field that holds an address with a password is logged without it. */
function redactAddresses(object: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === 'string' && value.includes('://') && value.includes('@')) {
      const redacted = redactUrl(value);
      if (redacted !== value) (copy ??= { ...object })[key] = redacted;
    }
  }
  return copy ?? object;
}

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, formatters: { log: redactAddresses }, base: { service, pid: process.pid } });
}

export type { Logger };
