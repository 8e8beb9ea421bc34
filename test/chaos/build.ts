/** Chaos tests restart workers many times: they run the compiled CLI (fast to start), built once here. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const result = spawnSync('npm', ['run', '-s', 'build'], { cwd: path.resolve(__dirname, '..', '..'), stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}
