// Recorded pipeline messages (the JSON files beside this one): exactly what arrives on the wire.
// Shared by every projection's tests, so each is tested on the same recorded messages.
import { readFileSync } from 'node:fs';

export interface RecordedMessage {
  topic: string;
  key: string | null;
  value: string | null;
}

function load(name: string): Record<string, RecordedMessage> {
  const all = JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')) as Record<string, RecordedMessage | string>;
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, RecordedMessage] => typeof e[1] === 'object'));
}

export const debezium = load('debezium-users.json');
/** The same with the traceparent column, and the trace stamp a delete writes first. */
export const debeziumTraced = load('debezium-users-traced.json');
export const outbox = load('outbox-events.json');
export const postsCapture = load('posts-capture.json');

export function fixture(set: Record<string, RecordedMessage>, name: string): RecordedMessage {
  const message = set[name];
  if (!message) throw new Error(`no fixture ${name}`);
  return message;
}
