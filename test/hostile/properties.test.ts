import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCampaignText, validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { CampaignDefinitionError, TemplateError } from '../../src/campaigns/errors.js';
import { nextRunAfter } from '../../src/campaigns/schedule.js';
import { type CsvItem, CsvReader } from '../../src/csv/csvReader.js';
import { composeMessage } from '../../src/messages/composeMessage.js';
import { isValidE164Digits, normalisePhone } from '../../src/phones/phone.js';
import { compileTemplate } from '../../src/templating/template.js';
import { parseDuration } from '../../src/time/durations.js';
import { wallClockAt } from '../../src/time/timeZones.js';

const now = new Date('2026-11-27T07:00:00Z');

/** Runs `act`; anything thrown must be an instance of `allowed`. */
function throwsOnly(allowed: abstract new (...args: never[]) => Error, act: () => unknown): void {
  try {
    act();
  } catch (error) {
    if (!(error instanceof allowed)) throw error;
  }
}

describe('normalisePhone, for any text', () => {
  it('never throws, and what it accepts is a valid E.164 number that reads back the same', () => {
    const phoneish = fc.stringMatching(/^[+]?[0-9 ()\-.]{0,24}$/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), phoneish), (raw) => {
        const result = normalisePhone(raw, { region: 'RU' });
        if (result.ok) {
          expect(result.digits).toMatch(/^[1-9]\d{6,14}$/);
          expect(isValidE164Digits(result.digits)).toBe(true);
          expect(normalisePhone(`+${result.digits}`, { region: 'RU' })).toEqual({
            ok: true,
            digits: result.digits,
          });
        } else {
          expect(result.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('campaign definitions, for any input', () => {
  const fields = fc.constantFrom(
    'name',
    'kind',
    'transport',
    'template',
    'audience',
    'schedule',
    'offsets',
    'sendWindow',
    'timezone',
    'rateLimit',
    '__proto__',
    'constructor',
  );
  const campaignish = fc.dictionary(fields, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });

  it('validateCampaignDefinition throws nothing but CampaignDefinitionError for any JSON value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), campaignish), (value) => {
        throwsOnly(CampaignDefinitionError, () => validateCampaignDefinition(value, { now }));
      }),
      { numRuns: 400 },
    );
  });

  it('parseCampaignText throws nothing but CampaignDefinitionError for any text, as JSON or YAML', () => {
    const texts = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      campaignish.map((value) => JSON.stringify(value)),
      fc
        .array(fc.constantFrom('[', '{', '&a ', '*a', '!!js/function ', ': ', '\n  ', '- ', '"', "'", 'x'), {
          maxLength: 80,
        })
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(texts, fc.constantFrom('json' as const, 'yaml' as const), (text, format) => {
        throwsOnly(CampaignDefinitionError, () => parseCampaignText(text, format, { now }));
      }),
      { numRuns: 400 },
    );
  });
});

describe('templates, for templates from a small grammar and any context', () => {
  const names = fc.constantFrom(
    'name',
    'firstName',
    'city',
    'appointment.startsAt',
    'appointment.doctor',
    'count',
    'appointment',
    'this',
  );
  const leaf = fc.oneof(
    fc.string({ maxLength: 8 }).map((text) => text.replace(/[{}\\]/g, '')),
    names.map((name) => `{{${name}}}`),
    names.map((name) => `{{upper ${name}}}`),
    names.map((name) => `{{formatDate ${name} 'd MMMM'}}`),
    fc.constantFrom('{{', '}}', '{{#if}}', '{{/if}}', '{{> x}}', '{{lookup this "constructor"}}', '{{else}}'),
  );
  const template: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(names, tie('node')).map(([name, inner]) => `{{#if ${name}}}${inner}{{/if}}`),
      fc.tuple(names, tie('node')).map(([name, inner]) => `{{#unless ${name}}}${inner}{{/unless}}`),
      fc.array(tie('node'), { maxLength: 4 }).map((parts) => parts.join('')),
    ),
  })).node;
  const scalar = fc.oneof(
    fc.string({ minLength: 1, maxLength: 10 }),
    fc.integer(),
    fc.boolean(),
    fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  );
  const context = fc.record(
    {
      name: scalar,
      firstName: scalar,
      city: scalar,
      count: fc.integer(),
      appointment: fc.record({ startsAt: scalar, doctor: scalar }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );

  it('compiling and rendering throw nothing but TemplateError and leave no holes in the text', () => {
    fc.assert(
      fc.property(template, context, (source, ctx) => {
        throwsOnly(TemplateError, () => {
          const result = compileTemplate(source).render(ctx);
          if (result.ok) {
            expect(result.text).not.toContain('[object Object]');
            expect(result.text).not.toContain('undefined');
          } else if (result.problem !== 'render_limit') {
            expect(result.variable).not.toBe('');
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it('never sends a message with an unrendered or empty variable: each one is the value, or the contact is refused naming it', () => {
    const names = ['firstName', 'city', 'discount', 'endsAt', 'code'] as const;
    const plain = (text: string) => !/[{}\\]/.test(text);
    const piece = fc.oneof(
      fc.record({ text: fc.string({ maxLength: 12 }).filter(plain) }),
      fc.record({ variable: fc.constantFrom(...names) }),
    );
    const value = fc.oneof(
      fc.constant(''),
      fc.constant('   '),
      fc.constant(null),
      fc.string({ minLength: 1, maxLength: 10 }).filter(plain),
      fc.integer(),
    );
    const values = fc.dictionary(fc.constantFrom(...names), value);
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), values, values, (pieces, attributes, variables) => {
        const source = pieces.map((p) => ('text' in p ? p.text : `{{${p.variable}}}`)).join('') || 'x';
        const message = composeMessage(
          { name: 'c', transport: 'whatsapp', templateSource: source, variables: variables as never },
          { phone: '79990001122', name: null, timezone: null, attributes },
          { timezone: 'UTC' },
        );
        const given = (bag: Record<string, unknown>, key: string) => {
          const v = bag[key];
          return v === null || v === undefined || (typeof v === 'string' && v.trim() === '') ? undefined : v;
        };
        const rendered = (key: string) => given(variables, key) ?? given(attributes, key);
        const missing = pieces.find((p) => 'variable' in p && rendered(p.variable) === undefined);
        if (missing && 'variable' in missing) {
          expect(message).toEqual({ ok: false, problem: 'missing_variable', variable: missing.variable });
        } else {
          const expected =
            pieces.map((p) => ('text' in p ? p.text : String(rendered(p.variable)))).join('') || 'x';
          expect(message).toMatchObject({ ok: true, text: expected });
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseDuration, for any text', () => {
  it('reads back what it is given in d/h/m/s and returns null for anything else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('', '+', '-'),
        fc.record({ d: fc.nat(400), h: fc.nat(48), m: fc.nat(120), s: fc.nat(120) }, { requiredKeys: [] }),
        (sign, parts) => {
          const units = (['d', 'h', 'm', 's'] as const).filter((unit) => parts[unit] !== undefined);
          const text = sign + units.map((unit) => `${parts[unit]}${unit}`).join('');
          const seconds =
            (parts.d ?? 0) * 86_400 + (parts.h ?? 0) * 3_600 + (parts.m ?? 0) * 60 + (parts.s ?? 0);
          const parsed = parseDuration(text);
          if (units.length === 0) expect(parsed).toBeNull();
          else expect(parsed).toEqual({ seconds: sign === '-' ? -seconds : seconds, signed: sign !== '' });
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const parsed = parseDuration(text);
        if (parsed !== null) {
          expect(Number.isSafeInteger(parsed.seconds)).toBe(true);
          expect(text.trim()).toMatch(/^[+-]?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('nextRunAfter, for cron expressions from a small grammar', () => {
  /** A field as text with the set of values it allows. */
  const field = (min: number, max: number) =>
    fc.oneof(
      fc.constant({ text: '*', allows: (_: number) => true }),
      fc.integer({ min, max }).map((n) => ({ text: String(n), allows: (v: number) => v === n })),
      fc.integer({ min: 2, max: Math.max(2, Math.floor((max - min) / 2)) }).map((step) => ({
        text: `*/${step}`,
        allows: (v: number) => (v - min) % step === 0,
      })),
      fc
        .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
        .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const)
        .map(([a, b]) => ({ text: `${a}-${b}`, allows: (v: number) => v >= a && v <= b })),
    );
  const zone = fc.constantFrom(
    'UTC',
    'Europe/Moscow',
    'America/New_York',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
  );
  const after = fc.date({
    min: new Date('2025-01-01T00:00:00Z'),
    max: new Date('2030-12-31T00:00:00Z'),
    noInvalidDate: true,
  });

  it('returns an instant strictly after `after` whose wall clock in the zone matches every field', () => {
    fc.assert(
      fc.property(
        field(0, 59),
        field(0, 23),
        field(1, 28),
        field(1, 12),
        field(0, 6),
        zone,
        after,
        (minute, hour, day, month, weekday, timezone, from) => {
          const cron = `${minute.text} ${hour.text} ${day.text} ${month.text} ${weekday.text}`;
          const next = nextRunAfter({ cron, timezone }, from);
          expect(next, cron).not.toBeNull();
          const at = next as Date;
          expect(at.getTime()).toBeGreaterThan(from.getTime());
          expect(at.getUTCSeconds()).toBe(0);
          const wall = wallClockAt(at.getTime(), timezone);
          const dow = new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay();
          expect(minute.allows(wall.minute), `${cron} minute ${wall.minute}`).toBe(true);
          expect(hour.allows(wall.hour), `${cron} hour ${wall.hour}`).toBe(true);
          expect(month.allows(wall.month), `${cron} month ${wall.month}`).toBe(true);
          // Cron's rule: when both day fields are restricted, either may match.
          const dayRestricted = day.text !== '*';
          const weekdayRestricted = weekday.text !== '*';
          const dayOk =
            dayRestricted && weekdayRestricted
              ? day.allows(wall.day) || weekday.allows(dow)
              : day.allows(wall.day) && weekday.allows(dow);
          expect(dayOk, `${cron} on ${wall.year}-${wall.month}-${wall.day} (weekday ${dow})`).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the CSV reader, for random rows quoted as a spreadsheet would', () => {
  const cellChars = fc.constantFrom('a', 'Z', '7', ' ', ',', '"', '\n', ';', 'й', '=', '+');
  const cell = fc
    .array(cellChars, { maxLength: 12 })
    .map((chars) => chars.join('').trim())
    .filter((text) => !text.includes('\n\n'));
  const row = fc.tuple(cell, cell, cell).filter((cells) => cells[0] !== '');

  /** Quotes a cell when it holds a delimiter, a quote or a line break, doubling its quotes. */
  const quote = (text: string) => (/[",;\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

  it('gives back every row, cells intact, on the line it starts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 30 }), async (rows) => {
        const lines = ['phone,name,note', ...rows.map((cells) => cells.map(quote).join(','))];
        const text = `${lines.join('\n')}\n`;
        const items: CsvItem[] = [];
        for await (const item of new CsvReader(Readable.from([Buffer.from(text)]))) items.push(item);

        let line = 2;
        const expected = rows.map((cells) => {
          const item = { kind: 'row', line, cells, tooLong: [] };
          line += 1 + cells.join('').split('\n').length - 1;
          return item;
        });
        expect(items.filter((item) => item.kind !== 'header')).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
