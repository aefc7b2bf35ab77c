// The UI's GraphQL operation types (ui/src/api/operations.generated.ts) are made
// from the gateway's schema, not kept in git: every command that compiles,
// bundles or lints the UI makes them first. The generator writes a file only
// when its text changed, so the UI build's staleness check is not fooled.
import { join } from 'node:path';
import { repoRoot, statePaths } from '../paths.ts';
import { runTool } from '../run-tool.ts';

export async function ensureGeneratedCode(): Promise<void> {
  await runTool({
    what: 'GraphQL code generation (services/gateway/src/graphql-codegen.ts)',
    command: process.execPath,
    args: ['--disable-warning=ExperimentalWarning', join(repoRoot, 'services/gateway/src/graphql-codegen.ts')],
    cwd: repoRoot,
    logFile: join(statePaths.provisionLogs, 'graphql-codegen.log'),
    timeoutMs: 60_000,
    failureCode: 'BUILD_FAILED',
  });
}
