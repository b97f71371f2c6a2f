import { phoneDigits } from '../../contacts/contacts.js';
import { BroadcasterError } from '../../errors.js';
import { parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';
import { exactPositionals } from '../positionals.js';

export const SANDBOX_DEFAULT_TOKEN = 'sandbox-token';
export const SANDBOX_DEFAULT_PORT = 8090;

/** The sandbox could not be reached, or refused the reply: what it said, never the token. */
export class SandboxReplyError extends BroadcasterError {
  constructor(message: string, url: string) {
    super('sandbox_reply_failed', message, { url });
  }
}

/** What the sandbox answers for a reply: the client's message as GET /v1/messages lists it. */
interface RepliedMessage {
  id: number;
  clientId: number;
  type: string;
  text: string | null;
  transport: string;
  channelId: number;
}

/**
 * A client writes to the business on a running sandbox (its POST /sandbox/replies): the sandbox posts
 * the web hook and lists the message in GET /v1/messages, as a real client's reply would be seen.
 */
export async function sandboxReplyCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    phone: { type: 'string' },
    text: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    transport: { type: 'string' },
  });
  exactPositionals('sandbox reply', positionals, []);
  if (values.phone === undefined || values.phone.trim() === '') {
    throw new UsageError('sandbox reply needs --phone, the client who writes');
  }
  if (values.text === undefined || values.text.trim() === '') {
    throw new UsageError('sandbox reply needs --text, what the client writes (e.g. --text СТОП)');
  }
  const phone = phoneDigits(values.phone, ctx.config.phoneRegion, '--phone');
  const base = sandboxUrl(values.url ?? `http://127.0.0.1:${SANDBOX_DEFAULT_PORT}`);
  const url = new URL('/sandbox/replies', base).href;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: values.token ?? SANDBOX_DEFAULT_TOKEN,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        phone,
        text: values.text,
        ...(values.transport === undefined ? {} : { transport: values.transport }),
      }),
    });
  } catch (error) {
    const reason = (error as { cause?: { code?: string; message?: string } }).cause;
    const cause = reason?.code ?? (reason?.message || (error as Error).message);
    throw new SandboxReplyError(
      `no sandbox answers at ${base} (${cause}): start one with \`broadcaster sandbox\`, or give the URL ` +
        '`broadcaster start` printed with --url',
      base,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { data?: RepliedMessage; message?: string };
  if (!response.ok || body.data === undefined) {
    const hint =
      response.status === 401 ? ' (wrong --token?)' : response.status === 404 ? ' (not a sandbox?)' : '';
    throw new SandboxReplyError(
      `the sandbox at ${base} refused the reply: HTTP ${response.status} ${body.message ?? ''}`.trim() + hint,
      base,
    );
  }
  const message = body.data;
  if (values.json) return printJson(ctx.stdout, message);
  ctx.stdout.write(
    `Client ${message.clientId} (+${phone}) wrote "${message.text}" on ${message.transport} ` +
      `(message ${message.id}): sent to the web hook the sandbox has registered, if any, and listed ` +
      'in GET /v1/messages.\n',
  );
}

function sandboxUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url.origin;
  } catch {
    throw new UsageError(
      `--url must be the sandbox's http:// address, e.g. http://127.0.0.1:8090, got "${raw}"`,
    );
  }
}
