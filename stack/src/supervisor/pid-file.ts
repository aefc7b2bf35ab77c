// One pid file per engine under .stack/run. A pid file whose process is gone
// means the engine crashed (or was killed): a clean stop removes its file.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { statePaths } from '../paths.ts';

export interface PidRecord {
  pid: number;
  startTime: number;
  startedAt: string;
}

function pidPath(engine: string): string {
  return join(statePaths.run, `${engine}.pid`);
}

export function readPidRecord(engine: string): PidRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(pidPath(engine), 'utf8')) as PidRecord;
    return Number.isInteger(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}

export function writePidRecord(engine: string, record: PidRecord): void {
  mkdirSync(statePaths.run, { recursive: true });
  writeFileSync(pidPath(engine), `${JSON.stringify(record)}\n`);
}

export function removePidRecord(engine: string): void {
  rmSync(pidPath(engine), { force: true });
}
