/** What localiseTimes touches of a page: typed here, as the engine's code is compiled without the DOM's types. */
export interface ConsoleDocument {
  documentElement: { lang: string; getAttribute(name: string): string | null };
  cookie: string;
  querySelectorAll(
    selector: string,
  ): Iterable<{ getAttribute(name: string): string | null; textContent: string | null }>;
}

/**
 * Runs in the viewer's browser (GET /assets/console.js). Until the engine knows the viewer's zone
 * (none chosen in Settings, none reported yet) it renders times in UTC; this tells it the browser's
 * zone in a cookie for the next pages and shows this page's times in that zone now, as the server
 * would have (wallClockText in ui.ts). Self-contained: it is sent as its own source text.
 */
export function localiseTimes(doc: ConsoleDocument): void {
  const root = doc.documentElement;
  if (root.getAttribute('data-zone-source') !== 'default') return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  doc.cookie = `broadcaster_browser_tz=${encodeURIComponent(zone)}; Path=/; Max-Age=31536000; SameSite=Lax`;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  for (const element of doc.querySelectorAll('time[datetime]')) {
    const ms = Date.parse(element.getAttribute('datetime') ?? '');
    if (Number.isNaN(ms)) continue;
    const part: Record<string, string> = {};
    for (const p of format.formatToParts(ms)) part[p.type] = p.value;
    const hour = part.hour === '24' ? '00' : part.hour;
    const date =
      root.lang === 'ru'
        ? `${part.day}.${part.month}.${part.year}`
        : `${part.year}-${part.month}-${part.day}`;
    element.textContent = `${date} ${hour}:${part.minute}`;
  }
  for (const label of doc.querySelectorAll('[data-zone-label]')) label.textContent = zone;
}

/** The script as served: the function's own source, called on the page's document. */
export const CONSOLE_SCRIPT = `(${localiseTimes.toString()})(document);\n`;
