import { CampaignDefinitionError } from './errors.js';

/*
 * How much a campaign document may hold, checked before anything parses or validates it: parsers
 * and validators work per character, per nesting level and per key, and within these limits a
 * document is read in milliseconds. A real campaign is far smaller: a few dozen keys, a template of
 * at most MAX_TEMPLATE_CHARS (40,960) characters and at most 100 variables of 1,000.
 */

/** The longest campaign text, in characters (UTF-16 units, as every other limit here counts). */
export const MAX_CAMPAIGN_CHARS = 262_144;
/** Brackets nested deeper than this exhaust the parsers' stack (V8 then aborts the process). */
const MAX_CAMPAIGN_NESTING = 64;
/** Keys and list items in a campaign, all levels together. */
export const MAX_CAMPAIGN_ENTRIES = 2_000;

/**
 * Refuses campaign text over the limits, in one pass over it. Keys and items are estimated from the
 * marks that make them (`key:`, `- `, `,` between list items) outside double-quoted strings: near
 * the exact count for JSON and block YAML, more when plain text holds such marks, less for YAML flow
 * mappings of keys without values — which the exact count of the parsed value then catches.
 */
export function refuseOversizedText(text: string): void {
  if (text.length > MAX_CAMPAIGN_CHARS) {
    throw new CampaignDefinitionError([
      { path: '', message: `the campaign has ${text.length} characters; at most ${MAX_CAMPAIGN_CHARS}` },
    ]);
  }
  const scan = scanStructure(text);
  if (scan.tooDeep) {
    throw new CampaignDefinitionError([
      { path: '', message: `nested more than ${MAX_CAMPAIGN_NESTING} levels deep`, ...scan.tooDeep },
    ]);
  }
  if (scan.entries > MAX_CAMPAIGN_ENTRIES) throw tooManyEntries();
}

/** Refuses a campaign file that cannot be within MAX_CAMPAIGN_CHARS, by its size, before reading it. */
export function refuseOversizedFile(bytes: number): void {
  // A UTF-16 unit takes at most three bytes of UTF-8; the text itself is measured once read.
  if (bytes <= 3 * MAX_CAMPAIGN_CHARS) return;
  throw new CampaignDefinitionError([
    {
      path: '',
      message: `the file has ${bytes} bytes; a campaign has at most ${MAX_CAMPAIGN_CHARS} characters`,
    },
  ]);
}

/** Refuses a parsed campaign (a JSON body, YAML with its aliases expanded) over MAX_CAMPAIGN_ENTRIES. */
export function refuseOversizedValue(value: unknown): void {
  if (countEntries(value, MAX_CAMPAIGN_ENTRIES) > MAX_CAMPAIGN_ENTRIES) throw tooManyEntries();
}

function tooManyEntries(): CampaignDefinitionError {
  return new CampaignDefinitionError([
    {
      path: '',
      message: `has more than ${MAX_CAMPAIGN_ENTRIES} keys and list items; a campaign needs a few dozen`,
    },
  ]);
}

/**
 * Object keys and array items at every level, counted until past `limit` (so a huge or circular
 * value costs no more than the limit).
 */
function countEntries(value: unknown, limit: number): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && count <= limit) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null) continue;
    const children = Array.isArray(next) ? next : Object.values(next);
    count += children.length;
    for (const child of children) pending.push(child);
  }
  return count;
}

interface TextStructure {
  /** Where brackets first nest deeper than MAX_CAMPAIGN_NESTING. */
  tooDeep: { line: number; column: number } | null;
  /** Marks of keys and items seen (see refuseOversizedText). */
  entries: number;
}

/**
 * One pass over the text, double-quoted strings skipped. YAML's single quotes are not skipped: an
 * apostrophe in a plain value would hide the rest of the text.
 */
function scanStructure(text: string): TextStructure {
  /** The brackets open at this point of the text, innermost last. */
  const open: string[] = [];
  let entries = 0;
  let line = 1;
  let lineStart = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\n') {
      line++;
      lineStart = i + 1;
      inString = false;
    } else if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '[' || char === '{') {
      open.push(char);
      if (open.length > MAX_CAMPAIGN_NESTING) {
        return { tooDeep: { line, column: i - lineStart + 1 }, entries };
      }
    } else if (char === ']' || char === '}') open.pop();
    else if (char === ':') {
      if (endsToken(text, i) || text[i - 1] === '"' || text[i - 1] === "'") entries++;
    } else if (char === ',') {
      if (open[open.length - 1] === '[') entries++;
    } else if ((char === '-' || char === '?') && endsToken(text, i) && startsToken(text, i, lineStart)) {
      entries++;
    }
  }
  return { tooDeep: null, entries };
}

/** The mark at `i` is followed by whitespace or the end: YAML's indicators are. */
function endsToken(text: string, i: number): boolean {
  const next = text[i + 1];
  return next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r';
}

/** The mark at `i` begins its line or follows whitespace: YAML's `- ` and `? ` are. */
function startsToken(text: string, i: number, lineStart: number): boolean {
  const previous = text[i - 1];
  return i === lineStart || previous === ' ' || previous === '\t';
}
