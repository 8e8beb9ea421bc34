/**
 * `npm run build`: compiles src to dist, copies the nginx Lua module beside its
 * adapter, and prebuilds the workflow bundle the production worker loads
 * (bundling at worker start takes seconds and needs the sources).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const dist = path.join(root, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  const tsc = spawnSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  const lua = 'activities/adapters/nginx/sluice_router.lua';
  fs.copyFileSync(path.join(root, 'src', lua), path.join(dist, lua));
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const workflowsPath = path.join(root, 'src', 'workflows', 'index.ts');
  const plain = await bundleWorkflowCode({ workflowsPath, logger });
  fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), plain.code);
  // For workers with a codec key: failure messages encoded too (src/codec/failure-converter.ts).
  const encrypted = await bundleWorkflowCode({
    workflowsPath,
    logger,
    failureConverterPath: path.join(root, 'src', 'codec', 'failure-converter.ts'),
  });
  fs.writeFileSync(path.join(dist, 'workflow-bundle.encrypted-failures.js'), encrypted.code);
  console.log(`built dist/ (workflow bundles ${(plain.code.length / 1024 / 1024).toFixed(1)} MB)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
