/** Where progress goes: stderr, so stdout keeps only the result (a table, JSON or CSV) for pipes. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** What is being done, e.g. "Importing contacts.csv". */
  label: string;
  /** `off` for --json: a script reading stdout wants nothing else, and stderr is for the one-line error. */
  mode: 'auto' | 'off';
  /** How `done` and `total` read: a count, or bytes (shown as KB, MB…). Default count. */
  unit?: 'count' | 'bytes';
  /** What `items` of an update counts (e.g. "rows"): shown with how many a second since the start. */
  itemName?: string;
  /** Plain (non-terminal) output: at most one line this often. Default 2000 ms. */
  plainEveryMs?: number;
  /** Real time in ms, for throttling only. Default Date.now. */
  now?: () => number;
}

export interface ProgressUpdate {
  done: number;
  /** Unknown (null) while it cannot be told: the bar then shows only the count. */
  total: number | null;
  /** Shown after the numbers, e.g. "paused". */
  detail?: string;
  /** Things done so far, when they are not what `done` measures (rows of a file read by bytes). */
  items?: number;
}

export interface Progress {
  update(update: ProgressUpdate): void;
  /** Leaves the terminal on a fresh line; prints nothing on plain output. */
  finish(): void;
}

const BAR_WIDTH = 30;
/** A terminal is redrawn at most this often, so a fast import does not spend its time drawing. */
const TTY_EVERY_MS = 100;

/**
 * A progress bar redrawn in place on a terminal; on anything else (a pipe, a CI log) a plain line
 * now and then, since carriage returns would pile up there; nothing at all when off.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream, label } = options;
  const now = options.now ?? Date.now;
  if (options.mode === 'off') return { update() {}, finish() {} };
  const tty = stream.isTTY === true;
  const unit = options.unit ?? 'count';
  const every = tty ? TTY_EVERY_MS : (options.plainEveryMs ?? 2000);
  // A terminal shows the bar at once; plain output waits a whole interval, so quick work prints nothing.
  let lastAt = tty ? Number.NEGATIVE_INFINITY : now();
  let last: ProgressUpdate | undefined;
  let drawn = false;
  let lastPlain = '';
  const startedAt = now();
  const withRate = (update: ProgressUpdate): ProgressUpdate => {
    if (options.itemName === undefined || update.items === undefined) return update;
    const seconds = (now() - startedAt) / 1000;
    const rate =
      seconds > 0 ? ` (${formatCount(Math.round(update.items / seconds))} ${options.itemName}/s)` : '';
    const items = `${formatCount(update.items)} ${options.itemName}${rate}`;
    return { ...update, detail: update.detail ? `${items}  ${update.detail}` : items };
  };

  const draw = (latest: ProgressUpdate) => {
    const update = withRate(latest);
    if (tty) {
      const width = Math.max(20, (stream.columns ?? 80) - 1);
      stream.write(`\r${progressLine(label, update, { unit }).slice(0, width).padEnd(width)}`);
      drawn = true;
      return;
    }
    const line = progressLine(label, update, { bar: false, unit });
    if (line !== lastPlain) stream.write(`${line}\n`);
    lastPlain = line;
  };

  return {
    update(update) {
      last = update;
      const at = now();
      if (at - lastAt < every) return;
      lastAt = at;
      draw(update);
    },
    finish() {
      if (!tty) return;
      if (last) draw(last);
      if (drawn) stream.write('\n');
    },
  };
}

/** `Importing contacts.csv [#########.....................]  30%  3,000/10,000  rows read: 2,950` */
export function progressLine(
  label: string,
  update: ProgressUpdate,
  options: { bar?: boolean; unit?: 'count' | 'bytes' } = {},
): string {
  const parts = [label];
  const { done, total } = update;
  const amount = options.unit === 'bytes' ? formatBytes : formatCount;
  if (total !== null && total > 0) {
    const ratio = Math.min(1, Math.max(0, done / total));
    if (options.bar !== false) {
      const filled = Math.round(ratio * BAR_WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
    }
    parts.push(`${String(Math.floor(ratio * 100)).padStart(3)}%`, `${amount(done)}/${amount(total)}`);
  } else {
    parts.push(amount(done));
  }
  if (update.detail) parts.push(update.detail);
  return parts.join('  ');
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** 512 → "512 B", 1_536 → "1.5 KB", 10_485_760 → "10.0 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
