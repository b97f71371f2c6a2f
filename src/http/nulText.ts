/**
 * The path (`audience.list`, `phones[2]`, '' for the value itself) of the first string or key holding a
 * NUL character, or null. PostgreSQL text cannot hold U+0000, so such a value would fail deep inside a
 * query; found here it is refused naming its field. Iterative, so any nesting depth is safe.
 */
export function nulTextPath(value: unknown): string | null {
  const pending: Array<[unknown, string]> = [[value, '']];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return path;
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => {
        pending.push([item, `${path}[${index}]`]);
      });
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        const at = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return at.replaceAll('\u0000', '\\0');
        pending.push([item, at]);
      }
    }
  }
  return null;
}
