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
  if (document.errors.length > 0) {
    throw new CampaignDefinitionError(
      document.errors.map((error): CampaignDefinitionIssue => {
        const position = error.linePos?.[0];
        const message =
          error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
        return { path: '', message: `invalid YAML: ${message}`, line: position?.line, column: position?.col };
      }),
    );
  }
  return { value: document.toJS({ maxAliasCount: 100 }), locate };
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
