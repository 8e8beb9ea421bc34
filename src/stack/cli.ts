import { MissingPrerequisite } from './errors';
import { buildFixtures } from './fixtures';
import { stackDown, stackUp } from './index';
import { stackSettings } from './settings';

/** `npm run stack:up [-- --hosts N]` (the test stack, registry included; N fleet hosts) / `npm run stack:down` / `npm run fixtures`. */
async function main(verb: string | undefined, args: string[]): Promise<void> {
  const settings = stackSettings();
  switch (verb) {
    case 'up': {
      const values = await stackUp(settings, { registry: true, ...hostsOption(args) });
      console.log(`stack: up (state in ${settings.stateDir})`);
      for (const [key, value] of Object.entries(values)) console.log(`  ${key}=${value}`);
      return;
    }
    case 'down': {
      const stopped = await stackDown(settings);
      console.log(stopped.length ? `stack: stopped ${stopped.join(', ')}` : 'stack: nothing was running');
      return;
    }
    case 'fixtures': {
      console.log(`fixtures: built ${(await buildFixtures()).join(', ')}`);
      return;
    }
    default:
      throw new MissingPrerequisite(`unknown stack verb "${verb ?? ''}": use up, down or fixtures`);
  }
}

/** `--hosts N` or `--hosts=N`: how many fleet hosts to start beside the stack. */
function hostsOption(args: string[]): { hosts?: number } {
  const index = args.findIndex((arg) => arg === '--hosts' || arg.startsWith('--hosts='));
  const option = args[index];
  if (option === undefined) return {};
  const raw = option.includes('=') ? option.slice('--hosts='.length) : args[index + 1];
  if (raw === undefined || !/^\d+$/.test(raw)) throw new MissingPrerequisite('--hosts needs a number of hosts, like --hosts 3');
  return { hosts: Number(raw) };
}

main(process.argv[2], process.argv.slice(3)).catch((error: unknown) => {
  console.error(error instanceof MissingPrerequisite ? `stack: ${error.message}` : error);
  process.exit(error instanceof MissingPrerequisite ? 2 : 1);
});
