/** Sections of docs/benchmarks.md that a bench script other than `npm run bench` writes (and `npm run bench` keeps). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PAGE = path.resolve(__dirname, '..', 'docs', 'benchmarks.md');

/** Replaces the section that starts with the line `heading` (up to the next heading of its level or above), or adds it at the end. */
export function writeSection(heading: string, text: string): void {
  const page = fs.readFileSync(PAGE, 'utf8');
  const start = page.indexOf(`\n${heading}\n`);
  if (start < 0) return fs.writeFileSync(PAGE, `${page.trimEnd()}\n\n${text}`);
  const level = heading.split(' ')[0]!;
  const next = [...page.slice(start + heading.length + 2).matchAll(/^(#+) /gm)].find((match) => match[1]!.length <= level.length);
  const end = next === undefined ? page.length : start + heading.length + 2 + next.index;
  fs.writeFileSync(PAGE, `${page.slice(0, start + 1)}${text.trimEnd()}\n${end < page.length ? `\n${page.slice(end)}` : ''}`);
}

/** "on <date> (<cpu>, <cores>, <memory>, <distribution>)": the machine a figure was measured on. */
export function measuredOn(): string {
  const distro = /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  return `on ${new Date().toISOString().slice(0, 10)} (${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, ${distro})`;
}
