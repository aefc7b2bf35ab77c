// Redis's own counters, for the cache dashboard.
import type { Redis } from 'ioredis';

/** INFO's "key:value" lines as a map. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}

export async function readRedisInfo(redis: Redis): Promise<{ info: Map<string, string>; keys: number }> {
  const [info, keys] = await Promise.all([redis.info(), redis.dbsize()]);
  return { info: parseInfo(info), keys };
}
