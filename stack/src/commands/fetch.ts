// `fetch`: fill the cache (Debian root, jars, FerretDB binary) without
// starting anything, e.g. before going offline. With engine names, only what
// those engines need.
import type { Engine } from '../engines/engine.ts';
import { engines } from '../engines/registry.ts';
import { requireDisk, requireRootForNative } from '../preflight.ts';
import { info } from '../progress.ts';
import { provisionArtifacts } from '../supervisor/artifacts.ts';

export async function fetchCommand(selected: Engine[]): Promise<number> {
  requireRootForNative();
  await requireDisk({ coldCache: true });
  const chosen = selected.length > 0 ? selected : engines;
  const dirs = await provisionArtifacts(selected.length > 0 ? chosen.flatMap((e) => e.needs) : ['debianRoot', ...chosen.flatMap((e) => e.needs)]);
  for (const [name, dir] of Object.entries(dirs)) info(`${name}: ${dir}`);
  return 0;
}
