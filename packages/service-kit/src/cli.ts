import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CliSpec<O extends Options> {
  /** Printed for `--help` (exit 0) and named in the one-line error for a wrong argument. */
  usage: string;
  options: O;
  allowPositionals?: boolean;
  args?: string[];
}

/** Exit code for a command line that cannot be run (as in BSD's sysexits and most shells). */
export const USAGE_EXIT_CODE = 2;

/**
 * The command-line manners every `pnpm` script shares: `-h`/`--help` prints the usage and
 * exits 0; an unknown flag or a missing value prints one line and exits 2, no stack trace.
 * node:util's parseArgs does the parsing; this only adds the help flag and the exits.
 */
export function parseCli<O extends Options>(command: string, spec: CliSpec<O>) {
  const config = {
    args: spec.args ?? process.argv.slice(2),
    options: spec.options,
    allowPositionals: true as const,
    strict: true as const,
  };
  const withHelp = {
    ...config,
    options: { ...spec.options, help: { type: 'boolean' as const, short: 'h' } },
  };
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    const all = parseArgs(withHelp);
    if ((all.values as { help?: boolean }).help) {
      process.stdout.write(`${spec.usage.trimEnd()}\n`);
      process.exit(0);
    }
    parsed = all as unknown as typeof parsed;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    usageError(command, unknown ? `unknown option '${unknown[1]}'` : message.split('\n')[0]!);
  }
  if (!spec.allowPositionals && parsed.positionals.length > 0)
    usageError(command, `unexpected argument '${parsed.positionals[0]}'`);
  return parsed;
}

/** Prints `<command>: <problem> (see --help)` and exits 2. */
export function usageError(command: string, problem: string): never {
  process.stderr.write(`${command}: ${problem.replace(/\.$/, '')} (see ${command} --help)\n`);
  process.exit(USAGE_EXIT_CODE);
}
