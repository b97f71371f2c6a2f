import { describe, expect, it } from 'vitest';
import { BroadcasterError } from '../../src/errors.js';
import { TemplateError } from '../../src/templating/templateError.js';

describe('TemplateError', () => {
  it('starts its message with the file, line and column, and keeps the problem alone as its reason', () => {
    const error = new TemplateError('unclosed {{#if}}', { file: 'welcome.hbs', line: 3, column: 7 });

    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error.name).toBe('TemplateError');
    expect(error.code).toBe('template_invalid');
    expect(error.message).toBe('template welcome.hbs: line 3, column 7: unclosed {{#if}}');
    expect(error.reason).toBe('unclosed {{#if}}');
    expect(error.details).toEqual({ line: 3, column: 7, file: 'welcome.hbs' });
  });

  it('names the line without a column when the column is unknown', () => {
    const error = new TemplateError('unknown helper', { line: 2 });

    expect(error.message).toBe('template: line 2: unknown helper');
    expect(error.column).toBeNull();
    expect(error.file).toBeNull();
  });

  it('says only the problem when there is no position (an inline template)', () => {
    const error = new TemplateError('is too long');

    expect(error.message).toBe('template: is too long');
    expect(error.details).toEqual({ line: null, column: null, file: null });
  });

  it('leaves the column out of the message when there is no line to go with it', () => {
    expect(new TemplateError('bad', { column: 4 }).message).toBe('template: bad');
  });

  it('takes another code and keeps its cause', () => {
    const cause = new Error('ENOENT');
    const error = new TemplateError('not found', { file: 'gone.hbs', code: 'template_not_found' }, { cause });

    expect(error.code).toBe('template_not_found');
    expect(error.message).toBe('template gone.hbs: not found');
    expect(error.cause).toBe(cause);
  });
});
