// Progress lines for long steps: what is happening, then how long it took.
// Written to stderr so `--json` output on stdout stays machine-readable.

const started = Date.now();

function stamp(): string {
  return `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
}

export function info(message: string): void {
  process.stderr.write(`${stamp()} ${message}\n`);
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs one long step, announcing it and reporting its duration or failure. */
export async function step<T>(label: string, work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  info(`… ${label}`);
  try {
    const result = await work();
    info(`✓ ${label} (${formatSeconds(Date.now() - t0)})`);
    return result;
  } catch (error) {
    info(`✗ ${label} (after ${formatSeconds(Date.now() - t0)})`);
    throw error;
  }
}
