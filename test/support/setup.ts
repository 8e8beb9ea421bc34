import path from 'node:path';
import { loadStackEnv } from '../../src/stack/env-file';
import { stackSettings } from '../../src/stack/settings';

// Tests find the running stack (`npm run stack:up`) through .sluice/stack.env.
loadStackEnv(stackSettings(process.env, path.resolve(__dirname, '..', '..')).stateDir);
