/**
 * Durations as users write them in a campaign: `24h`, `15m`, `1h30m`, `2d`, `45s`, with an optional
 * leading sign (`-24h`: before an appointment starts, `+1h`: after). Units go from largest to smallest.
 */
const DURATION = /^([+-])?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

const UNITS = [
  { suffix: 'd', seconds: 86_400 },
  { suffix: 'h', seconds: 3_600 },
  { suffix: 'm', seconds: 60 },
  { suffix: 's', seconds: 1 },
] as const;

export interface ParsedDuration {
  /** Signed, in seconds. */
  seconds: number;
  /** Whether the text carried an explicit `+` or `-`. */
  signed: boolean;
}

/** null when the text is not a duration. */
export function parseDuration(text: string): ParsedDuration | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const [, sign, ...amounts] = match;
  if (amounts.every((amount) => amount === undefined)) return null;
  let seconds = 0;
  amounts.forEach((amount, i) => {
    if (amount !== undefined) seconds += Number(amount) * (UNITS[i]?.seconds ?? 0);
  });
  if (!Number.isSafeInteger(seconds)) return null;
  return { seconds: sign === '-' ? -seconds : seconds, signed: sign !== undefined };
}

/** Text `parseDuration` reads back as `seconds`, in hours at most (`-24h`, as people write reminders); signed adds `+` to positive values. */
export function formatDuration(seconds: number, options: { signed?: boolean } = {}): string {
  const sign = seconds < 0 ? '-' : options.signed && seconds > 0 ? '+' : '';
  let rest = Math.abs(Math.trunc(seconds));
  if (rest === 0) return '0m';
  let text = '';
  for (const unit of UNITS.slice(1)) {
    const amount = Math.floor(rest / unit.seconds);
    if (amount > 0) text += `${amount}${unit.suffix}`;
    rest -= amount * unit.seconds;
  }
  return sign + text;
}
