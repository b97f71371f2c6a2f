import { isIanaTimeZone } from '../time/timeZones.js';
import { type CampaignDefinitionIssue, MAX_REPORTED_ISSUES } from './errors.js';

/** Names (a campaign's, a list's) are read in tables and logs: long enough for any real one. */
export const MAX_NAME_CHARS = 200;

/**
 * Gathers every problem in a definition instead of stopping at the first, with typed readers. It
 * keeps the first MAX_REPORTED_ISSUES, all an error lists, and counts the rest in `omitted`.
 */
export class IssueCollector {
  readonly issues: CampaignDefinitionIssue[] = [];
  omitted = 0;

  add(path: string, message: string): void {
    if (this.issues.length < MAX_REPORTED_ISSUES) this.issues.push({ path, message });
    else this.omitted++;
  }

  expected(path: string, what: string, got: unknown): void {
    this.add(path, `expected ${what}, got ${describe(got)}`);
  }

  /** A plain object whose keys are all known; unknown keys are reported by name. Null when not an object. */
  object(value: unknown, path: string, known: readonly string[]): Record<string, unknown> | null {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.expected(path || 'campaign', 'an object', value);
      return null;
    }
    const record = value as Record<string, unknown>;
    // The allowed names are listed once per object: twenty unknown keys need not carry twenty copies.
    let listedAt: string | null = null;
    for (const key of Object.keys(record)) {
      if (known.includes(key)) continue;
      if (this.issues.length >= MAX_REPORTED_ISSUES) {
        // Not listed, so not worth a suggestion: thousands of unknown keys cost a count each.
        this.omitted++;
        continue;
      }
      const suggestion = closest(key, known);
      const at = join(path, key);
      if (suggestion) this.add(at, `unknown field; did you mean "${suggestion}"?`);
      else if (listedAt === null) {
        this.add(at, `unknown field (allowed: ${known.join(', ')})`);
        listedAt = at;
      } else this.add(at, `unknown field (allowed: as listed at ${listedAt})`);
    }
    return record;
  }

  /** A non-blank string (trimmed) of at most `maxChars`, or null after reporting. */
  text(path: string, value: unknown, what = 'a non-empty string', maxChars = MAX_NAME_CHARS): string | null {
    if (typeof value !== 'string' || value.trim() === '') {
      this.expected(path, what, value);
      return null;
    }
    const text = value.trim();
    if (text.length > maxChars) {
      this.add(path, `is ${text.length} characters long; at most ${maxChars} are allowed`);
      return null;
    }
    return text;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): T | null {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.expected(path, `one of ${allowed.join(', ')}`, value);
    return null;
  }

  /** An IANA zone name; null when absent, false (after reporting) when not a zone. */
  timeZone(path: string, value: unknown): string | null | false {
    if (value === undefined) return null;
    if (isIanaTimeZone(value)) return value;
    const shown = typeof value === 'string' ? JSON.stringify(value) : describe(value);
    this.add(path, `${shown} is not an IANA time zone such as "Europe/Moscow"`);
    return false;
  }

  boolean(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.expected(path, 'true or false', value);
    return fallback;
  }
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** A value as a message shows it: strings quoted (and cut short), containers by kind. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/**
 * The known name a misspelt key most likely meant: same letters in another case, or two edits away.
 * A key three characters longer than every known name is neither, and is not compared at all.
 */
function closest(key: string, known: readonly string[]): string | null {
  if (known.every((candidate) => key.length > candidate.length + 2)) return null;
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of known) {
    if (candidate.toLowerCase() === key.toLowerCase()) return candidate;
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
