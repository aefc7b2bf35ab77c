// What `./stackctl help` prints. docs/stackctl.md's command list is generated from it
// (./stackctl docs), so the two cannot drift apart.
import { ADMIN_HELP } from './commands/admin.ts';
import { CHECK_HELP } from './commands/check.ts';
import { CREDENTIALS_HELP } from './commands/credentials.ts';
import { DEAD_LETTERS_HELP } from './commands/dead-letters.ts';
import { FAULT_HELP } from './commands/fault.ts';
import { RECONCILE_HELP } from './commands/reconcile.ts';
import { SEED_HELP } from './commands/seed.ts';
import { ENGINE_NAMES_FOR_HELP } from './engines/registry.ts';

export const HELP = `Usage: ./stackctl <command> [options]

  up [--native|--docker] [--json]   provision what is missing, start every engine and service; a second run changes nothing
  fetch [ENGINE...]                  download and build what the engines need into the cache, start nothing
  test [FILES...]                    bring the stack up if needed, type-check, run the static checks and all tests against the real engines
  lint                               the static checks alone: oxlint, the layer rules, knip (docs/layers.md)
  status [--json]                    healthy / starting / down / crashed per engine, with pid and memory
${CREDENTIALS_HELP}
  logs ENGINE [-n N] [-f]            the last N lines of an engine's log (default 50), -f to follow
  start ENGINE...                    start engines (and what they depend on)
  stop ENGINE...                     stop engines cleanly
  kill ENGINE...                     SIGKILL engines (for fault tests); status then shows them as crashed
${FAULT_HELP}
${RECONCILE_HELP}
${CHECK_HELP}
${DEAD_LETTERS_HELP}
${ADMIN_HELP}
${SEED_HELP}
  down                               stop every engine
  bench NAME [ARGS...]               run a benchmark from bench/ (e.g. stack-startup) and print its numbers
  reset [--yes]                      stop everything and delete all engine data (asks unless --yes)
  docs                               rewrite the generated parts of docs/stackctl.md from this help and the error codes

${ENGINE_NAMES_FOR_HELP}
`;
