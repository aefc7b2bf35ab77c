// Errors the CLI reports as one line and a non-zero exit. Each carries a
// stable code so scripts and tests can tell them apart.

export type StackErrorCode =
  | 'UNKNOWN_COMMAND'
  | 'UNKNOWN_ENGINE'
  | 'BAD_ARGUMENT'
  | 'PORT_TAKEN'
  | 'NEEDS_ROOT'
  | 'LOW_DISK'
  | 'MISSING_TOOL'
  | 'FETCH_FAILED'
  | 'BUILD_FAILED'
  | 'ENGINE_FAILED'
  | 'DOCKER_UNAVAILABLE'
  | 'NOT_CONFIRMED'
  | 'GATEWAY_UNAVAILABLE'
  | 'FAULT_REFUSED'
  | 'RECONCILE_FAILED'
  | 'DEAD_LETTERS_FAILED'
  | 'REPLAY_FAILED'
  | 'NO_SUCH_USER'
  | 'ADMIN_FAILED'
  | 'TEST_NOT_IN_A_PHASE'
  | 'NO_CREDENTIALS'
  | 'SEED_FAILED';

export class StackError extends Error {
  readonly code: StackErrorCode;
  readonly exitCode: number;

  constructor(code: StackErrorCode, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StackError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
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
