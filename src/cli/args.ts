/**
 * Arguments refused before anything is sent, and commander's own errors in one line:
 * `Error: <what commander says> (ordo <command> --help)`, exit 1 like every expected error.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CliError } from './context.js';

/** An option parser for whole numbers from `min` on: `--ttl 600`, `--limit 20`. */
export const wholeNumber =
  (what: string, min = 1) =>
  (text: string): number => {
    const n = Number(text.trim());
    if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`Expected a whole number of ${what}, ${min} or more.`);
    return n;
  };

/** `--line 0:2`, `--line 1:0:out_of_stock`, `--line 0:1:lot=A123`, repeatable. */
export function dispenseLine(text: string, acc: unknown[] = []): unknown[] {
  const [item, quantity, ...rest] = text.split(':');
  if (!/^\d+$/.test(item ?? '') || !/^\d+$/.test(quantity ?? '')) throw new InvalidArgumentError('Expected ITEM:QUANTITY[:REASON][:lot=LOT].');
  const line: Record<string, unknown> = { item: Number(item), quantity: Number(quantity) };
  for (const r of rest) if (r.startsWith('lot=')) line.lot = r.slice(4);
  else line.reason = r;
  return [...acc, line];
}

/** `error: unknown command 'x'\n(Did you mean y?)` → `unknown command 'x'. Did you mean y?` */
const oneLine = (text: string) =>
  text
    .replace(/^error: /, '')
    .replace(/\s*\n\((Did you mean [^)]*)\)/, '. $1')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/^(unknown option '-[^-].*)$/, "$1. An argument that begins with '-' (a claim id of an older Ordo) goes last, after '--'")
    .trim();

const commandPath = (c: Command): string => (c.parent ? `${commandPath(c.parent)} ${c.name()}` : c.name());

/**
 * Applied to every command of the tree once it is built: commander's errors become one line
 * naming where the help is (no usage dump), and throw instead of exiting, so that `main` sets
 * the exit code; an empty argument (`ordo lookup ""`) is refused before the action runs.
 */
export function oneLineErrors(program: Command) {
  const visit = (c: Command) => {
    c.showHelpAfterError(false)
      .exitOverride()
      .configureOutput({
        outputError: (text, write) => write(`Error: ${oneLine(text)} (${commandPath(c)} --help)\n`),
      });
    c.commands.forEach(visit);
  };
  visit(program);
  program.hook('preAction', (_, action) => {
    action.registeredArguments.forEach((arg, i) => {
      const value: unknown = action.processedArgs[i];
      if (typeof value === 'string' && value.trim() === '') throw new CliError(`<${arg.name()}> is empty`);
    });
  });
}

/** The exit code of a commander error (0 after --help or --version), or null for any other error. */
export const commanderExit = (err: unknown): number | null => (err instanceof CommanderError ? err.exitCode : null);
