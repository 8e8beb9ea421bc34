/**
 * `npm test`: brings the local stack up (idempotent), then lint, format, type check,
 * every vitest project, and then, alone, the chaos project (it kills workers
 * and restarts Temporal and dockerd). Ends with one line
 * `Tests: N passed, N failed, N skipped`. Lint, type-check and stack failures
 * count as failed tests so the line never hides them.
 * Extra arguments go to a single vitest run instead (e.g. `npm test -- --project unit`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

function step(title: string, command: string, args: string[]): boolean {
  console.log(`\n=== ${title}: ${path.basename(command)} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = result.status === 0;
  console.log(`=== ${title}: ${ok ? 'passed' : `FAILED (exit ${result.status ?? result.signal})`}`);
  return ok;
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{ name: string; status: string; assertionResults: unknown[]; message?: string }>;
}

function main(): number {
  const vitestArgs = process.argv.slice(2);
  const failedChecks: string[] = [];
  const checks: Array<[string, string, string[]]> = [
    ['stack', bin('tsx'), ['src/stack/cli.ts', 'up']],
    ['lint', bin('eslint'), ['.']],
    ['format', bin('prettier'), ['--check', '--log-level', 'warn', '.']],
    ['typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
  ];
  for (const [title, command, args] of checks) {
    if (!step(title, command, args)) failedChecks.push(title);
  }

  const runs =
    vitestArgs.length > 0
      ? [vitestArgs]
      : [
          ['--project', 'unit', '--project', 'workflows', '--project', 'replay', '--project', 'integration', '--project', 'e2e'],
          ['--project', 'chaos'],
        ];
  let passed = 0;
  let failed = failedChecks.length;
  let skipped = 0;
  for (const [index, args] of runs.entries()) {
    const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-test-')), 'vitest.json');
    step(`vitest ${index + 1}/${runs.length}`, bin('vitest'), [
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...args,
    ]);
    if (!fs.existsSync(report)) {
      console.log('vitest wrote no report: counting the run as failed');
      failed += 1;
      continue;
    }
    const json = JSON.parse(fs.readFileSync(report, 'utf8')) as VitestJson;
    // A file that fails to load reports no tests; count it, or a broken import would pass silently.
    const brokenFiles = json.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0);
    for (const file of brokenFiles) console.log(`failed to run: ${path.relative(root, file.name)}: ${file.message ?? ''}`);
    passed += json.numPassedTests;
    failed += json.numFailedTests + brokenFiles.length;
    skipped += json.numPendingTests + json.numTodoTests;
  }
  if (failedChecks.length) console.log(`failed checks: ${failedChecks.join(', ')}`);
  console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 ? 1 : 0;
}

process.exit(main());
