/**
 * What a child process of the embedded PostgreSQL (initdb, postgres, `id`, `useradd`) may see of the
 * engine's environment: enough to find programs and to pick a locale and a time zone. The engine's
 * environment holds CHAT2DESK_TOKEN, API_TOKEN and DATABASE_URL, and a long-lived child's environment
 * stays readable in /proc/<pid>/environ, so nothing else is passed on.
 */
const FORWARDED = /^(PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TZDIR)$/;

/** Lives beside the configuration, the only other reader of the environment: it filters, never configures. */
export function childEnvironment(
  extra: Record<string, string> = {},
  parent: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && FORWARDED.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}
