// The stack CLI: `./stackctl <command>`. Each failure is one line on stderr
// with a stable code, and a non-zero exit.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { engineByName, requireEngineArg } from './engines/registry.ts';
import { adminCommand } from './commands/admin.ts';
import { checkCommand, type CheckArgs } from './commands/check.ts';
import { credentialsCommand } from './commands/credentials.ts';
import { deadLettersCommand } from './commands/dead-letters.ts';
import { faultCommand } from './commands/fault.ts';
import { fetchCommand } from './commands/fetch.ts';
import { StackError } from './errors.ts';
import { HELP } from './help.ts';
import { writeStackctlDoc } from './docs/stackctl-doc.ts';
import { killCommand, logsCommand, resetCommand, startCommand, statusCommand, stopCommand, downCommand } from './commands/lifecycle.ts';
import { reconcileCommand } from './commands/reconcile.ts';
import { seedCommand } from './commands/seed.ts';
import { benchCommand, testCommand } from './commands/test.ts';
import { ensureGeneratedCode } from './services/generated-code.ts';
import { staticChecks } from './static-checks.ts';
import { upCommand } from './commands/up.ts';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const parse = (options: ParseArgsOptionsConfig = {}) => {
    try {
      return parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new StackError('BAD_ARGUMENT', `${(error as Error).message}; see ./stackctl help`, { exitCode: 2 });
    }
  };
  switch (command) {
    case 'up': {
      const { values } = parse({ native: { type: 'boolean' }, docker: { type: 'boolean' }, json: { type: 'boolean' } });
      return upCommand(values as { native?: boolean; docker?: boolean; json?: boolean });
    }
    case 'fetch':
      return fetchCommand(parse().positionals.map(engineByName));
    case 'bench':
      return benchCommand(rest);
    case 'test':
      return testCommand(rest);
    case 'lint':
      parse();
      await ensureGeneratedCode();
      return staticChecks();
    case 'status': {
      const { values } = parse({ json: { type: 'boolean' } });
      return statusCommand(values as { json?: boolean });
    }
    case 'credentials': {
      const { values } = parse({ json: { type: 'boolean' } });
      return credentialsCommand(values as { json?: boolean });
    }
    case 'logs': {
      const { values, positionals } = parse({ lines: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' } });
      const [engine] = requireEngineArg(positionals, 'logs');
      return logsCommand(engine!, values as { lines?: string; follow?: boolean });
    }
    case 'start':
      return startCommand(requireEngineArg(parse().positionals, 'start'));
    case 'stop':
      return stopCommand(requireEngineArg(parse().positionals, 'stop'));
    case 'kill':
      return killCommand(requireEngineArg(parse().positionals, 'kill'));
    case 'fault':
      return faultCommand(rest);
    case 'seed':
      return seedCommand(rest);
    case 'reconcile': {
      const { values, positionals } = parse({ repair: { type: 'boolean' }, json: { type: 'boolean' }, changes: { type: 'boolean' } });
      if (positionals.length > 0) throw new StackError('BAD_ARGUMENT', `reconcile takes only --repair, --changes and --json (not "${positionals.join(' ')}"); see ./stackctl help`, { exitCode: 2 });
      return reconcileCommand(values as { repair?: boolean; json?: boolean; changes?: boolean });
    }
    case 'check': {
      const { values, positionals } = parse({
        seconds: { type: 'string' },
        clients: { type: 'string' },
        nemesis: { type: 'string' },
        seed: { type: 'string' },
        units: { type: 'string' },
        json: { type: 'boolean' },
      });
      return checkCommand(values as CheckArgs, positionals);
    }
    case 'dead-letters': {
      const { values, positionals } = parse({ json: { type: 'boolean' }, limit: { type: 'string', short: 'n' } });
      return deadLettersCommand(positionals, values as { json?: boolean; limit?: string });
    }
    case 'admin':
      return adminCommand(parse().positionals);
    case 'down':
      parse();
      return downCommand();
    case 'reset': {
      const { values } = parse({ yes: { type: 'boolean', short: 'y' } });
      return resetCommand(values as { yes?: boolean });
    }
    case 'docs':
      parse();
      return writeStackctlDoc();
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    default:
      throw new StackError('UNKNOWN_COMMAND', `unknown command "${command}"; commands: up, fetch, test, bench, status, credentials, logs, start, stop, kill, fault, reconcile, check, dead-letters, admin, seed, down, reset, docs (./stackctl help)`, { exitCode: 2 });
  }
}

/**
 * process.exit drops what a pipe has not taken yet (a --json report of a few hundred KB was cut short):
 * exit once stdout and stderr have handed everything written before to the system.
 */
function exitAfterOutput(code: number): void {
  let pending = 2;
  const flushed = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}

main(process.argv.slice(2)).then(exitAfterOutput, (error: unknown) => {
  if (error instanceof StackError) {
    process.stderr.write(`stackctl: ${error.message} [${error.code}]\n`);
    return exitAfterOutput(error.exitCode);
  }
  process.stderr.write(`stackctl: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`);
  exitAfterOutput(1);
});

