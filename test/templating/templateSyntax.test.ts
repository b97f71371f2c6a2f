import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/templating/templateError.js';
import {
  checkTemplateSyntax,
  locateParseError,
  MAX_TEMPLATE_EXPRESSIONS,
} from '../../src/templating/templateSyntax.js';

const check = (source: string) => checkTemplateSyntax(Handlebars.parse(source));

function refusal(source: string): TemplateError {
  try {
    check(source);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(source)} to be refused`);
}

/** Handlebars' own parse error message for a source it cannot parse. */
function parseMessage(source: string): string {
  try {
    Handlebars.parse(source);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(source)} not to parse`);
}

describe('checkTemplateSyntax', () => {
  it('returns the parsed program and every variable path the template reads, as its parts', () => {
    const program = Handlebars.parse(
      'Hi {{firstName}}, {{appointment.doctor}} at {{formatTime appointment.startsAt "HH:mm"}}',
    );
    const syntax = checkTemplateSyntax(program);
    expect(syntax.program).toBe(program);
    expect(syntax.paths).toContainEqual(['firstName']);
    expect(syntax.paths).toContainEqual(['appointment', 'doctor']);
    expect(syntax.paths).toContainEqual(['appointment', 'startsAt']);
  });

  it('finds paths inside blocks, sub-expressions and triple braces, but not @data or this', () => {
    const { paths } = check(
      '{{#each items}}{{this.title}}{{@index}}{{this}}{{/each}}{{upper (lower city)}}{{{raw}}}',
    );
    expect(paths).toContainEqual(['items']);
    expect(paths).toContainEqual(['title']);
    expect(paths).toContainEqual(['city']);
    expect(paths).toContainEqual(['raw']);
    expect(paths).not.toContainEqual(['index']);
    expect(paths).not.toContainEqual([]);
    expect(check('{{@root.name}}').paths).toEqual([]);
  });

  it('accepts the known helpers with their numbers of arguments, blocks as blocks', () => {
    for (const source of [
      '{{formatDate startsAt}}',
      "{{formatDate startsAt 'd MMMM'}}",
      '{{formatDateTime startsAt}}',
      '{{upper name}}{{lower name}}',
      '{{default nickname "friend"}}',
      '{{lookup row key}}',
      '{{#if vip}}a{{else}}b{{/if}}{{#unless vip}}c{{/unless}}',
      '{{#each items}}{{.}}{{/each}}{{#with a}}{{b}}{{/with}}',
    ]) {
      expect(() => check(source), source).not.toThrow();
    }
  });

  it('takes a bare unknown name for a variable, and refuses it called with arguments as an unknown helper', () => {
    expect(check('{{shout}}').paths).toEqual([['shout']]);
    expect(refusal('Hi\n{{shout name}}')).toMatchObject({
      code: 'template_invalid',
      reason: 'unknown helper "shout"',
      line: 2,
      column: 1,
    });
    expect(refusal('{{shout key=1}}').reason).toBe('unknown helper "shout"');
    expect(refusal('{{upper (shout name)}}')).toMatchObject({ reason: 'unknown helper "shout"', column: 9 });
  });

  it('refuses log, which writes to the console, as an unknown helper', () => {
    expect(refusal('{{log "x"}}').reason).toBe('unknown helper "log"');
  });

  it('refuses a helper given too few or too many arguments, saying how many it takes', () => {
    expect(refusal('{{formatDate}}').reason).toBe('formatDate takes 1 or 2 arguments, got 0');
    expect(refusal('{{formatDate a b c}}').reason).toBe('formatDate takes 1 or 2 arguments, got 3');
    expect(refusal('{{lookup a}}').reason).toBe('lookup takes 2 arguments, got 1');
    expect(refusal('{{upper a b}}').reason).toBe('upper takes 1 argument, got 2');
  });

  it('refuses a block helper used inline and an inline helper used as a block', () => {
    expect(refusal('{{if vip}}').reason).toBe('if is a block helper: {{#if …}}…{{/if}}');
    expect(refusal('{{#upper name}}x{{/upper}}').reason).toBe('upper is not a block helper');
  });

  it('refuses partials and decorators where they stand', () => {
    expect(refusal('x\n  {{> footer}}')).toMatchObject({
      reason: 'partials ({{> name}}) are not supported',
      line: 2,
      column: 3,
    });
    expect(refusal('{{#> layout}}x{{/layout}}').reason).toBe('partials ({{> name}}) are not supported');
    expect(refusal('{{* deco}}').reason).toBe('decorators are not supported');
    expect(refusal('{{#* inline "x"}}y{{/inline}}').reason).toBe('decorators are not supported');
  });

  it('refuses paths through built-in object properties, which render as a hole', () => {
    expect(refusal('{{a.toString}}')).toMatchObject({
      reason: '"a.toString" reads the built-in property "toString", not a variable',
      line: 1,
      column: 3,
    });
    expect(refusal('{{hasOwnProperty}}').reason).toBe(
      '"hasOwnProperty" reads the built-in property "hasOwnProperty", not a variable',
    );
  });

  it(`counts {{…}} expressions and blocks up to ${MAX_TEMPLATE_EXPRESSIONS}, refusing the one too many`, () => {
    const atLimit = '{{a}}'.repeat(MAX_TEMPLATE_EXPRESSIONS - 1) + '{{#if b}}x{{/if}}';
    expect(() => check(atLimit)).not.toThrow();
    const error = refusal(`${'{{a}}'.repeat(MAX_TEMPLATE_EXPRESSIONS)}\n{{b}}`);
    expect(error.reason).toBe(`a template has at most ${MAX_TEMPLATE_EXPRESSIONS} {{…}} expressions`);
    expect(error).toMatchObject({ line: 2, column: 1 });
  });
});

describe('locateParseError', () => {
  it('turns a Handlebars parse error into its expectation, line and 1-based column', () => {
    const source = 'Hello\n  {{name';
    expect(locateParseError(parseMessage(source), source)).toEqual({
      message:
        "syntax error: Expecting 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', got 'INVALID'",
      line: 2,
      column: 5,
    });
  });

  it('finds the column on a line longer than the excerpt Handlebars shows', () => {
    const source = `${'x'.repeat(40)} {{name}`;
    const located = locateParseError(parseMessage(source), source);
    expect(located.line).toBe(1);
    expect(located.column).toBe(48);
    expect(located.message).toMatch(/^syntax error: Expecting .*got 'INVALID'$/);
  });

  it('finds the column when the excerpt runs over from the line before', () => {
    const source = 'line one\nline two {{#if x}}\n{{/if';
    expect(locateParseError(parseMessage(source), source)).toMatchObject({ line: 3, column: 4 });
  });

  it('keeps the message on one line, without a position, when it names no line', () => {
    expect(locateParseError('something odd\nhappened', 'x')).toEqual({
      message: 'something odd happened',
      line: null,
      column: null,
    });
  });

  it('gives the line without a column when there is no caret to read', () => {
    expect(locateParseError('Parse error on line 3:\nsome text', 'a\nb\nc')).toEqual({
      message: 'Parse error on line 3: some text',
      line: 3,
      column: null,
    });
  });
});
