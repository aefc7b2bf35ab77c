// Jaeger (docs/engines.md#jaeger): its `jaeger` program (github.com/jaegertracing/jaeger/cmd/jaeger),
// built from the Go module proxy as FerretDB is. stack/provision/jaeger is a module with no code of
// its own: its go.mod names the program as a tool at tag v1.75.0 (Jaeger 2.12.0) and pins every
// dependency, with Jaeger's own replace, so the build takes the modules Jaeger's release took. The
// key includes a hash of go.mod and go.sum, so a new pin rebuilds it.
import { join } from 'node:path';
import { versions } from '../engines/endpoints.ts';
import { repoRoot, statePaths } from '../paths.ts';
import { runTool } from '../run-tool.ts';
import { ensureArtifact } from './cached-artifact.ts';
import { goEnv, goSourceHash, requireGo } from './go-build.ts';

export const jaegerSourceDir = join(repoRoot, 'stack/provision/jaeger');

export const JAEGER_PACKAGE = 'github.com/jaegertracing/jaeger/cmd/jaeger';

export const jaegerKey = `jaeger-${versions.jaeger}-${goSourceHash(jaegerSourceDir)}`;

/** Jaeger's release build stamps its version here (scripts/makefiles/BuildInfo.mk); `jaeger version` prints it. */
const VERSION_VARIABLE = 'github.com/jaegertracing/jaeger/internal/version.latestVersion';

/** Returns the folder holding the `jaeger` binary. */
export function ensureJaegerBinary(): Promise<string> {
  return ensureArtifact({
    key: jaegerKey,
    label: `Jaeger ${versions.jaeger} built from the Go module proxy (4–8 min cold on 2 cores)`,
    build: async (dir) => {
      // Jaeger's go.mod asks for Go 1.24.6; with GOTOOLCHAIN=local an older Go would fail deep in the build.
      requireGo('building Jaeger', '1.24.6');
      await runTool({
        what: `building Jaeger ${versions.jaeger}`,
        command: 'go',
        args: ['build', '-trimpath', `-ldflags=-s -w -X ${VERSION_VARIABLE}=v${versions.jaeger}`, '-o', join(dir, 'jaeger'), JAEGER_PACKAGE],
        cwd: jaegerSourceDir,
        env: goEnv(),
        logFile: join(statePaths.provisionLogs, 'jaeger-build.log'),
        timeoutMs: 1_800_000,
        failureCode: 'BUILD_FAILED',
      });
    },
  });
}
