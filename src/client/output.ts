/** What a verb prints: lines for people, or one JSON document for machines (`--json`). */
export interface Output {
  readonly json: boolean;
  /** A line for people; silent in --json mode. */
  say(line: string): void;
  /** The machine-readable result; in human mode, `human` is printed instead (if given). */
  result(value: unknown, human?: string): void;
  error(message: string, details?: unknown): void;
}

export function createOutput(
  json: boolean,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Output {
  return {
    json,
    say: (line) => {
      if (!json) stdout.write(`${line}\n`);
    },
    result: (value, human) => {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else if (human !== undefined) stdout.write(`${human}\n`);
    },
    error: (message, details) => {
      if (json) stdout.write(`${JSON.stringify({ error: message, ...(details !== undefined ? { details } : {}) }, null, 2)}\n`);
      else stderr.write(`sluice: ${message}\n`);
    },
  };
}

/** Rows of cells as aligned columns (two spaces apart), the first row the heading. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
