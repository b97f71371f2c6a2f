/** Reads a REST timestamp ("2016-01-11T19:45:05 UTC") or an ISO one; undefined if neither. */
export function parseChat2DeskTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const iso = value.trim().replace(/ UTC$/, 'Z').replace(' ', 'T');
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
