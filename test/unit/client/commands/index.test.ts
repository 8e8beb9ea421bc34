import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { registerCommands } from '../../../../src/client/commands/index';
import { examples } from '../../../../src/client/commands/verb';
import { VERBS } from '../../../support/verbs';

describe('registerCommands', () => {
  it('registers every verb, each action made by the wrap (one context and error mapping for all)', () => {
    const program = new Command('sluice');
    const wrap = vi.fn(() => async () => undefined);
    registerCommands(program, wrap);
    const verbs = program.commands.map((c) => c.name());
    expect(verbs).toEqual(VERBS);
    expect(wrap).toHaveBeenCalledTimes(verbs.length);
  });

  it("every verb's help has a description and ends with examples, the first of itself", () => {
    const program = new Command('sluice');
    registerCommands(program, () => async () => undefined);
    for (const command of program.commands) {
      expect(command.description()).not.toBe('');
      let help = '';
      command.configureOutput({ writeOut: (text) => (help += text) });
      command.outputHelp();
      expect(help).toMatch(new RegExp(`\\nExamples:\\n  \\$ sluice ${command.name()}\\b.*\\n(  \\$ sluice .*\\n)*\\n*$`));
    }
  });
});

describe('examples', () => {
  it('one indented $ line per example, after a blank line and a heading', () => {
    expect(examples('sluice a', 'sluice b')).toBe('\nExamples:\n  $ sluice a\n  $ sluice b\n');
  });
});
