import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, usage, withExamples } from '../../src/cli/commandTable.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** README's "Command reference" section, up to the next heading. */
function commandReference(): string {
  const start = README.indexOf('### Command reference');
  expect(start, 'README has a "### Command reference" section').toBeGreaterThan(-1);
  const rest = README.slice(README.indexOf('\n', start) + 1);
  const end = rest.search(/^#{2,3} /m);
  return end === -1 ? rest : rest.slice(0, end);
}

describe('every command', () => {
  it.each(Object.keys(COMMANDS))('%s: its --help shows at least one example of itself', (name) => {
    const help = COMMANDS[name]!.help;
    const examples = help.slice(help.search(/^Examples:$/m));
    expect(examples, `${name}'s help has an "Examples:" block`).toMatch(/^Examples:$/m);
    expect(examples).toMatch(new RegExp(`^ {2}.*broadcaster ${name}\\b`, 'm'));
  });

  it.each(Object.keys(COMMANDS))("%s: README's command reference lists it and each subcommand", (name) => {
    const reference = commandReference();
    expect(reference).toMatch(new RegExp(`\\| \`${name}[ \`]`));
    for (const sub of COMMANDS[name]!.subcommands) {
      expect(reference, `${name} ${sub}`).toMatch(new RegExp(`\\| \`${name} ${sub}[ \`]`));
    }
  });

  it('is listed by broadcaster --help with its subcommands', () => {
    const text = usage();
    for (const [name, command] of Object.entries(COMMANDS)) {
      expect(text).toMatch(new RegExp(`^ {2}${name} +${command.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
      if (command.subcommands.length) expect(text).toContain(command.subcommands.join(' | '));
    }
  });
});

describe('withExamples', () => {
  it('adds examples to a help that has none, and leaves one that has its own', () => {
    expect(withExamples('Usage: x', ['broadcaster x 1'])).toBe('Usage: x\n\nExamples:\n  broadcaster x 1');
    const own = 'Usage: x\n\nExamples:\n  broadcaster x 2';
    expect(withExamples(own, ['broadcaster x 1'])).toBe(own);
  });
});
