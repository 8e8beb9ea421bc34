/**
 * The `sluice` command line. One file per verb in commands/; this file wires
 * them, maps every failure to an exit code and one line, and never lets a
 * stack trace reach the user.
 *
 * Exit codes (all verbs): 0 success / released, 1 failed and rolled back,
 * 2 invalid input, 3 aborted, 4 another deployment of the service is running,
 * 5 Temporal or Docker unreachable.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../shared/errors';
import { registerCommands } from './commands';
import { createContext, type CliContext, type GlobalOptions } from './context';
import { toCliError } from './errors';
import { createOutput } from './output';

export type Action = (context: CliContext, ...args: never[]) => Promise<number | void>;

export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Zero-downtime deployments of containerized services as durable Temporal workflows')
    .option('--json', 'machine-readable output (one JSON document)')
    .option('--address <host:port>', 'Temporal frontend (default: $TEMPORAL_ADDRESS or localhost:7233)')
    .option('--namespace <name>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE or default)')
    .option('--task-queue <name>', 'task queue of the sluice workers (default: $SLUICE_TASK_QUEUE or sluice-deployments)')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program, (fn) => async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals<GlobalOptions>();
    const out = createOutput(globals.json === true);
    try {
      const context = createContext(out, globals);
      const code = await fn(context, ...(args.slice(0, -1) as never[]));
      process.exitCode = typeof code === 'number' ? code : ExitCode.ok;
    } catch (error) {
      const failure = toCliError(error, { service: typeof args[0] === 'string' ? args[0] : undefined });
      out.error(failure.message, failure.details);
      process.exitCode = failure.exitCode;
    }
  });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully.
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
      return;
    }
    throw error;
  }
}

/** Ends the process once a verb is done: an open Temporal connection (or a detached follow) would keep it alive. */
function exitWhenFlushed(): void {
  const code = typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** The `sluice` command: runs the verb, then exits with its code. */
export function run(argv: string[]): void {
  main(argv)
    .catch((error: unknown) => {
      process.stderr.write(`sluice: ${(error as Error).message}\n`);
      process.exitCode = ExitCode.rolledBack;
    })
    .finally(exitWhenFlushed);
}

if (require.main === module) run(process.argv);
