/**
 * The path (`audience.list`, `phones[2]`, '' for the value itself) of the first string or key holding a
 * NUL character, or null. PostgreSQL text cannot hold U+0000, so such a value would fail deep inside a
 * query; found here it is refused naming its field. Iterative, so any nesting depth is safe.
 */
export function nulTextPath(value: unknown): string | null {
  // A stack, filled last to first so it is read in document order; a key holding a NUL is its own entry.
  const pending: Array<{ value: unknown; path: string; keyWithNul?: true }> = [{ value, path: '' }];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (current.keyWithNul) return current.path.replaceAll('\u0000', '\\0');
    const { value: item, path } = current;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return path;
    } else if (Array.isArray(item)) {
      for (let index = item.length - 1; index >= 0; index--) {
        pending.push({ value: item[index], path: `${path}[${index}]` });
      }
    } else if (typeof item === 'object' && item !== null) {
      const entries = Object.entries(item);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, child] = entries[index]!;
        const at = path ? `${path}.${key}` : key;
        pending.push(
          key.includes('\u0000') ? { value: child, path: at, keyWithNul: true } : { value: child, path: at },
        );
      }
    }
  }
  return null;
}
