// Errors the CLI reports as one line and a non-zero exit. Each carries a
// stable code so scripts and tests can tell them apart.

/**
 * The one registry of the CLI's error codes: what each means and what to do about it. docs/stackctl.md's
 * error table is generated from it (./stackctl docs). `exitCode` is the exit status unless the call site
 * gives another.
 */
export const STACK_ERROR_CODES = {
  UNKNOWN_ENGINE: { exitCode: 2, meaning: 'The name is not one of the engines, services or their aliases.', fix: 'Use a name from `./stackctl help`.' },
  UNKNOWN_COMMAND: { exitCode: 2, meaning: 'No such command.', fix: '`./stackctl help`.' },
  BAD_ARGUMENT: { exitCode: 2, meaning: 'Unknown option; `logs`, `start`, `stop` or `kill` without an engine; `--native` together with `--docker`; `-n` not a positive whole number.', fix: 'Fix the command line.' },
  PORT_TAKEN: { exitCode: 1, meaning: 'Another process listens on a port an engine needs. The message names its pid and command. Nothing was started.', fix: 'Stop that process, or run `./stackctl down` in the checkout that holds the port, then run again.' },
  NEEDS_ROOT: { exitCode: 1, meaning: 'The native stack (`up`, `fetch`, `test`) was run without root.', fix: 'Run as root, or use Compose: `./stackctl up --docker`.' },
  SEED_FAILED: { exitCode: 1, meaning: '`seed` could not write a batch (a service answered an error, or did not answer ten times in a row); exit 3 when the gateway does not answer at all. What was written stays, and the progress is kept.', fix: 'Check `./stackctl status`, then run the same `./stackctl seed …` again: it goes on from the last finished batch.' },
  LOW_DISK: { exitCode: 1, meaning: 'Too little free disk for the cache or for `.stack/` (or for the seed asked for). The message gives free and needed GiB.', fix: 'Free space, or point `XDG_CACHE_HOME` / `STACK_STATE_DIR` at a larger disk.' },
  MISSING_TOOL: { exitCode: 1, meaning: 'One of these is missing: `java` or `mvn`; Go ≥ 1.24 (1.24.6 for Jaeger); `unshare`, `chroot` or `mount`; a host package when not root or without `apt-get`.', fix: 'Install what the message names, or use `--docker`.' },
  FETCH_FAILED: { exitCode: 1, meaning: 'debootstrap, apt-get or Maven failed or hit its time limit (a registry that does not answer). The message names the step and its log under `.stack/logs/provision/`.', fix: 'Check the network, proxy or mirror (`STACK_DEBIAN_MIRROR`), then run again. Artifacts that finished stay cached.' },
  BUILD_FAILED: { exitCode: 1, meaning: '`go build` of FerretDB, Jaeger or the history checker failed, or a one-time engine setup step failed: `initdb`, Kafka storage format or the Neo4j initial password; or the UI build.', fix: 'Read the log the message names (`.stack/logs/provision/ferretdb-build.log`, `jaeger-build.log` or `history-checker-build.log` there, or `.stack/logs/ENGINE.log`).' },
  ENGINE_FAILED: { exitCode: 1, meaning: 'An engine exited while starting or did not become healthy in time, with its last log lines in the message. Also raised when a Compose command fails.', fix: '`./stackctl logs ENGINE`, fix the cause, then `./stackctl up`. The engines that this run started were stopped again.' },
  NO_CREDENTIALS: { exitCode: 1, meaning: '`start`, `credentials` or a Compose command before the first `up` made `.stack/credentials.json`, or that file cannot be read (run as its owner) or is not a credentials file.', fix: '`./stackctl up` (`--docker` for Compose). If you deleted the file while data remained, put it back: the engines keep the passwords they were given.' },
  DOCKER_UNAVAILABLE: { exitCode: 1, meaning: 'Compose was chosen but no Docker engine answers, or neither `docker compose` nor `docker-compose` is installed.', fix: 'Start Docker or install Compose, or use `./stackctl up --native`.' },
  GATEWAY_UNAVAILABLE: { exitCode: 1, meaning: 'The gateway (`GATEWAY_URL`, default `http://127.0.0.1:4000`) does not answer: exit 1 from `fault …`, exit 3 from `reconcile`, `dead-letters`, `seed` and `check`.', fix: '`./stackctl status`; start it with `./stackctl start gateway`.' },
  FAULT_REFUSED: { exitCode: 1, meaning: '`fault …`: the gateway refused, with its status and code (401/403: set `GATEWAY_TOKEN` to an admin\'s session token).', fix: 'Read the code; see "Faults on purpose" in docs/consistency.md.' },
  RECONCILE_FAILED: { exitCode: 3, meaning: '`reconcile`: the gateway or a service refused or did not answer, with its status and code (401/403: set `GATEWAY_TOKEN` to an admin\'s session token). No verdict on drift.', fix: '`./stackctl status`; read the code.' },
  DEAD_LETTERS_FAILED: { exitCode: 3, meaning: '`dead-letters`: the gateway or the projectors service refused or did not answer, with its status and code (401/403: set `GATEWAY_TOKEN` to an admin\'s session token).', fix: '`./stackctl status`; read the code.' },
  REPLAY_FAILED: { exitCode: 3, meaning: '`dead-letters replay`: the gateway or the projectors service refused or did not answer, with its status and code (404 `DEAD_LETTER_NOT_FOUND`: the letter was already replayed and applied).', fix: '`./stackctl status`; read the code.' },
  NO_SUCH_USER: { exitCode: 1, meaning: '`admin grant|revoke EMAIL`: no user has this email (any case).', fix: 'The person signs up first (`POST /users`), then run it again.' },
  ADMIN_FAILED: { exitCode: 1, meaning: '`admin grant|revoke`: PostgreSQL did not answer, or the role changed but the state Redis did not answer to end the user\'s sessions.', fix: '`./stackctl status`; start what is down, then run the same command again (it is idempotent).' },
  CHECK_FAILED: { exitCode: 3, meaning: '`check`: no verdict could be reached: the gateway refused the observations (401/403: set `GATEWAY_TOKEN` to an admin\'s session token; 404: it runs older code), or the history checker could not judge the history (the message names the line of a malformed one, and the history file).', fix: '`./stackctl status`; read the message. A malformed history is a bug of the recorder: keep the file for the report.' },
  TEST_NOT_IN_A_PHASE: { exitCode: 1, meaning: '`test`: a `*.test.ts` file matches neither phase\'s globs, so it would never run.', fix: 'Add it to a phase in `stack/src/commands/test.ts`.' },
  DOC_MARKERS_MISSING: { exitCode: 1, meaning: '`docs`, or a bench writing its figures: the document lacks the pair of markers a generated section goes between, or holds it twice.', fix: 'Put back the `<!-- NAME -->` and `<!-- /NAME -->` lines the message names where the section belongs, then run again.' },
  NOT_CONFIRMED: { exitCode: 2, meaning: '`reset` was run without `--yes` and without a terminal, or the answer was not `yes`. Nothing was deleted.', fix: '`./stackctl reset --yes`.' },
} as const satisfies Record<string, { exitCode: number; meaning: string; fix: string }>;

export type StackErrorCode = keyof typeof STACK_ERROR_CODES;

export class StackError extends Error {
  readonly code: StackErrorCode;
  readonly exitCode: number;

  constructor(code: StackErrorCode, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StackError';
    this.code = code;
    this.exitCode = options.exitCode ?? STACK_ERROR_CODES[code].exitCode;
  }
}

export class UnknownEngineError extends StackError {
  constructor(name: string, known: readonly string[]) {
    super('UNKNOWN_ENGINE', `unknown engine or service "${name}"; known: ${known.join(', ')}`, { exitCode: 2 });
  }
}

export class PortTakenError extends StackError {
  constructor(engine: string, port: number, holder: string) {
    super('PORT_TAKEN', `port ${port} needed by ${engine} is already taken by ${holder}; stop that process or free the port, then run again`);
  }
}

export class ToolFailedError extends StackError {
  constructor(code: 'FETCH_FAILED' | 'BUILD_FAILED', what: string, detail: string, logFile: string) {
    super(code, `${what} failed: ${detail} (full log: ${logFile})`);
  }
}
