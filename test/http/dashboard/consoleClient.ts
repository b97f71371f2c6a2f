/** A browser-less client of the console: requests that do not follow redirects, logins, CSRF tokens. */
export interface ConsoleClient {
  request(
    path: string,
    options?: {
      cookie?: string;
      form?: Record<string, string>;
      body?: FormData;
      headers?: Record<string, string>;
    },
  ): Promise<Response>;
  /** Logs in with `token` and returns the `name=value` of the session cookie. */
  logIn(token: string): Promise<string>;
  /** The CSRF token of the first form on the page at `path`. */
  csrfOf(cookie: string, path: string): Promise<string>;
}

export function consoleClient(baseUrl: () => string): ConsoleClient {
  const request: ConsoleClient['request'] = (path, options = {}) =>
    fetch(`${baseUrl()}${path}`, {
      method: options.form || options.body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { ...(options.cookie ? { cookie: options.cookie } : {}), ...options.headers },
      ...(options.form ? { body: new URLSearchParams(options.form) } : {}),
      ...(options.body ? { body: options.body } : {}),
    });
  return {
    request,
    async logIn(token) {
      const res = await request('/login', { form: { token, next: '/' } });
      return res.headers.get('set-cookie')!.split(';')[0]!;
    },
    async csrfOf(cookie, path) {
      return /name="csrf" value="([^"]+)"/.exec(await (await request(path, { cookie })).text())![1]!;
    },
  };
}
