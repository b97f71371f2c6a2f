import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/campaigns/errors.js';
import { compileTemplate, type RenderResult } from '../../src/campaigns/template.js';
import { loadCorpus } from './corpus.js';

/** Either compiling fails with `code`, or rendering for Ann gives `render`. */
interface Expected {
  code?: string;
  messageIncludes?: string;
  line?: number;
  render?: RenderResult;
  /** What the template renders with; default `{ name: 'Ann' }`. */
  context?: Record<string, unknown>;
}

describe('hostile templates', () => {
  const cases = loadCorpus<Expected>('templates', ['.hbs']);

  it('has a corpus to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('handles $file as the corpus expects', ({ text, expected }) => {
    if (expected.code) {
      let thrown: unknown;
      try {
        compileTemplate(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TemplateError);
      const error = thrown as TemplateError;
      expect(error.code).toBe(expected.code);
      expect(error.message).toContain(expected.messageIncludes ?? '');
      if (expected.line !== undefined) expect(error.line).toBe(expected.line);
    } else {
      const context = expected.context ?? { name: 'Ann' };
      expect(compileTemplate(text).render(context)).toMatchObject(expected.render ?? {});
    }
  });

  it('leaves Object.prototype alone after every hostile template ran', () => {
    for (const { text } of cases) {
      try {
        compileTemplate(text).render({ name: 'Ann' });
      } catch {
        // The refusals are checked above; here only their side effects matter.
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });
});
