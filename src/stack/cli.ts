import { MissingPrerequisite } from './errors';
import { buildFixtures } from './fixtures';
import { stackDown, stackUp } from './index';
import { stackSettings } from './settings';

/** `npm run stack:up` (the test stack, registry included) / `npm run stack:down` / `npm run fixtures`. */
async function main(verb: string | undefined): Promise<void> {
  const settings = stackSettings();
  switch (verb) {
    case 'up': {
      const values = await stackUp(settings, { registry: true });
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

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof MissingPrerequisite ? `stack: ${error.message}` : error);
  process.exit(error instanceof MissingPrerequisite ? 2 : 1);
});
