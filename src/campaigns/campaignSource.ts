import { LineCounter, parseDocument } from 'yaml';
import { CampaignDefinitionError, type CampaignDefinitionIssue } from './errors.js';

export type CampaignFormat = 'json' | 'yaml';

/** A campaign's text, parsed, with a way back from a field path to where the user wrote it. */
export interface CampaignSource {
  value: unknown;
  locate(path: string): { line?: number; column?: number };
}

/** Parses JSON or YAML; a syntax error is a CampaignDefinitionError carrying its line and column. */
export function readCampaignSource(text: string, format: CampaignFormat): CampaignSource {
  const body = text.replace(/^\uFEFF/, '');
  // Thousands of nested brackets exhaust the parsers' stack (V8 then aborts the whole process
  // instead of throwing); a campaign is a few levels deep, so refuse before parsing.
  const tooDeep = firstTooDeep(body);
  if (tooDeep) {
    throw new CampaignDefinitionError([
      { path: '', message: `nested more than ${MAX_NESTING} levels deep`, ...tooDeep },
    ]);
  }
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema: `no` stays a string and times stay text for validation to read.
  const document = parseDocument(body, { lineCounter, uniqueKeys: true });
  const locate = (path: string) => (document.errors.length > 0 ? {} : locateIn(document, lineCounter, path));

  if (format === 'json') {
    try {
      return { value: JSON.parse(body), locate };
    } catch (error) {
      throw new CampaignDefinitionError([jsonSyntaxIssue(error as Error, body)]);
    }
  }
  // A tag yaml cannot resolve (`!!js/function`) is kept as plain text with only a warning; a
  // campaign never needs one, so it is refused like a syntax error rather than read as a string.
  const problems = [
    ...document.errors,
    ...document.warnings.filter((warning) => warning.code === 'TAG_RESOLVE_FAILED'),
  ];
  if (problems.length > 0) {
    throw new CampaignDefinitionError(
      problems.map((error): CampaignDefinitionIssue => {
        const position = error.linePos?.[0];
        const message =
          error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
        return { path: '', message: `invalid YAML: ${message}`, line: position?.line, column: position?.col };
      }),
    );
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

const MAX_NESTING = 64;

/**
 * Where brackets first nest deeper than MAX_NESTING (double-quoted strings skipped), or null. YAML's
 * single quotes are not skipped: an apostrophe in a plain value would hide the rest of the text.
 */
function firstTooDeep(text: string): { line: number; column: number } | null {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n') {
      line++;
      lineStart = i + 1;
      inString = false;
    } else if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '[' || char === '{') {
      depth++;
      if (depth > MAX_NESTING) return { line, column: i - lineStart + 1 };
    } else if ((char === ']' || char === '}') && depth > 0) depth--;
  }
  return null;
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
