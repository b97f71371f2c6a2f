import { type Document, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { refuseOversizedText } from './documentBounds.js';
import { CampaignDefinitionError, type CampaignDefinitionIssue } from './errors.js';

export type CampaignFormat = 'json' | 'yaml';

/** A campaign's text, parsed, with a way back from a field path to where the user wrote it. */
export interface CampaignSource {
  value: unknown;
  locate(path: string): { line?: number; column?: number };
}

/**
 * Parses JSON or YAML; a syntax error is a CampaignDefinitionError carrying its line and column.
 * Text over the limits of documentBounds.ts is refused before it is parsed.
 */
export function readCampaignSource(text: string, format: CampaignFormat): CampaignSource {
  const body = text.replace(/^\uFEFF/, '');
  // Thousands of nested brackets would exhaust the parsers' stack, tens of thousands of keys their time.
  refuseOversizedText(body);
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema: `no` stays a string and times stay text for validation to read. Repeated
  // keys are found by repeatedKeys: yaml's own check (uniqueKeys) compares each key with every other.
  const document = parseDocument(body, { lineCounter, uniqueKeys: false });
  const repeated = repeatedKeys(document, lineCounter, format);
  const readable = document.errors.length === 0 && repeated.length === 0;
  const locate = (path: string) => (readable ? locateIn(document, lineCounter, path) : {});

  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      throw new CampaignDefinitionError([jsonSyntaxIssue(error as Error, body)]);
    }
    // JSON.parse keeps the last of a repeated key without a word; which one the user meant is theirs to say.
    if (repeated.length > 0) throw new CampaignDefinitionError(repeated);
    return { value, locate };
  }
  // A tag yaml cannot resolve (`!!js/function`) is kept as plain text with only a warning; a
  // campaign never needs one, so it is refused like a syntax error rather than read as a string.
  const problems = [
    ...document.errors,
    ...document.warnings.filter((warning) => warning.code === 'TAG_RESOLVE_FAILED'),
  ];
  if (problems.length > 0 || repeated.length > 0) {
    throw new CampaignDefinitionError([
      ...problems.map((error): CampaignDefinitionIssue => {
        const position = error.linePos?.[0];
        const message =
          error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
        return { path: '', message: `invalid YAML: ${message}`, line: position?.line, column: position?.col };
      }),
      ...repeated,
    ]);
  }
  try {
    return { value: document.toJS({ maxAliasCount: 100 }), locate };
  } catch (error) {
    // yaml refuses alias bombs ("billion laughs") with a ReferenceError: a definition error here.
    throw new CampaignDefinitionError([
      { path: '', message: `invalid YAML: ${(error as Error).message}`, line: 1, column: 1 },
    ]);
  }
}

/**
 * Keys given twice in one mapping, worded as yaml words them, in one pass with a set per mapping.
 * Keys compare as yaml compares them: scalars by value (`1` and `"1"` differ), anything else by identity.
 */
function repeatedKeys(
  document: Document,
  lineCounter: LineCounter,
  format: CampaignFormat,
): CampaignDefinitionIssue[] {
  const issues: CampaignDefinitionIssue[] = [];
  visit(document, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        const range = (pair.key as { range?: [number, number, number] } | null)?.range ?? map.range;
        const position = lineCounter.linePos(range?.[0] ?? 0);
        issues.push({
          path: '',
          message:
            format === 'json'
              ? `invalid JSON: "${String(key)}" is given twice in one object (JSON would keep the last silently)`
              : 'invalid YAML: Map keys must be unique',
          line: position.line,
          column: position.col,
        });
      }
    },
  });
  return issues;
}

function jsonSyntaxIssue(error: Error, text: string): CampaignDefinitionIssue {
  const position = /at position (\d+)/.exec(error.message);
  const offset = position ? Number(position[1]) : text.length;
  const before = text.slice(0, offset).split('\n');
  const message = error.message
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/ \(line \d+ column \d+\)$/, '');
  return {
    path: '',
    message: `invalid JSON: ${message}`,
    line: before.length,
    column: (before[before.length - 1]?.length ?? 0) + 1,
  };
}

/** `offsets[1]` → ['offsets', 1]; `schedule.at` → ['schedule', 'at']. */
function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] === undefined ? (match[1] ?? '') : Number(match[2]));
  }
  return segments;
}

/** The node at the path, or its nearest ancestor that exists (a missing field points at its parent). */
function locateIn(document: ReturnType<typeof parseDocument>, lineCounter: LineCounter, path: string) {
  const segments = pathSegments(path);
  for (let length = segments.length; length > 0; length--) {
    const node = document.getIn(segments.slice(0, length), true) as
      | { range?: [number, number, number] }
      | undefined;
    if (node?.range) {
      const position = lineCounter.linePos(node.range[0]);
      return { line: position.line, column: position.col };
    }
  }
  return {};
}
