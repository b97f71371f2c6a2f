import { startSandbox } from '../../chat2desk/sandbox/index.js';
import type { SandboxOptions } from '../../chat2desk/sandbox/options.js';
import { SANDBOX_PROFILE_NAMES, SANDBOX_PROFILES } from '../../chat2desk/sandbox/profiles.js';
import { SANDBOX_CONTROL_ENDPOINTS } from '../../chat2desk/sandbox/routes/controlEndpoints.js';
import { choiceOption, integerOption, numberOption, parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';
import { SANDBOX_DEFAULT_PORT, SANDBOX_DEFAULT_TOKEN, sandboxReplyCommand } from './sandboxReply.js';

const DEFAULT_TOKEN = SANDBOX_DEFAULT_TOKEN;
const DEFAULT_PORT = SANDBOX_DEFAULT_PORT;

/** The control endpoints as a table, from the list the sandbox registers them from. */
function controlEndpointLines(): string {
  const width = Math.max(...SANDBOX_CONTROL_ENDPOINTS.map((e) => `${e.method} ${e.path}`.length));
  return SANDBOX_CONTROL_ENDPOINTS.map(
    (e) => `  ${`${e.method} ${e.path}`.padEnd(width)}  ${e.body ? `${e.body}: ` : ''}${e.does}`,
  ).join('\n');
}

export const sandboxHelp = `Usage: broadcaster sandbox [options]
       broadcaster sandbox reply --phone P --text TEXT [--url URL] [--token T] [--transport T] [--json]

Runs the Chat2Desk sandbox: a local stand-in for the Chat2Desk API v1 (api.chat2desk.com) that
follows the vendor's manual, for dry runs, tests and benchmarks. Stop it with Ctrl-C.

Profiles:
  --profile friendly          the default: everything allowed, for the demo and a first try
  --profile production        as a real account starts: demo mode (1,000 requests a month), 20
                              requests a second, client creation off (unless --allow-client-creation),
                              GET /v1/messages ignoring offset and order, Viber listed as viber_business
  Options below override the profile's values.

Options:
  --port N                    port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H                    address to bind (default 127.0.0.1)
  --token T                   the API token it accepts (default ${DEFAULT_TOKEN})
  --rate N                    requests per second before it answers 429 (default 0 = no limit)
  --mode M                    API mode: disabled, demo (1000/month), normal (50000/month), unlimited (default)
  --quota N                   monthly request quota, overriding the mode's
  --whatsapp-delay-ms N       delay after creating a WhatsApp client before it may be messaged (default 420000)
  --whatsapp-early hold|refuse  what happens to a message sent before that delay (default hold)
  --no-message-id             answer POST /v1/messages as API v1.08 does, without message_id
  --no-client-creation        refuse POST /v1/clients, as the service does until it is enabled
  --allow-client-creation     accept POST /v1/clients (with --profile production)
  --live-paging               GET /v1/messages ignores offset and order, as the live service is reported to
  --viber-listed-as NAME      list Viber messages as viber, viber_business or viber_public
  --legacy-errors             answer errors with HTTP 200, as old versions of the service do
  --no-webhooks-api           an account without today's web hooks: /v1/webhooks answers 404, only the
                              v1.08 single hook (POST /v1/companies/web_hook) is there
  --fault-seed N              seed for the fault injection below
  --fault-latency-ms N        add latency to every answer
  --fault-5xx-rate R          share of requests answered with a 5xx (0..1)
  --fault-429-rate R          share of requests answered with a spurious 429
  --fault-drop-rate R         share of connections dropped without an answer
  --fault-accept-then-drop-rate R  share of POST /v1/messages accepted, then dropped before answering
  --fault-hang-rate R         share of requests never answered
  --json                      print {"url", "token"} as JSON once listening

reply: acts as a client writing to the business on a RUNNING sandbox (POST /sandbox/replies): the
sandbox sends the message to its registered web hook and lists it in GET /v1/messages, exactly as a
real client's reply. A client not known yet is made.
  --phone P                   the client's phone (read as contacts are: +7 916 123-45-67, 89161234567)
  --text TEXT                 what the client writes, e.g. СТОП
  --url URL                   the sandbox (default http://127.0.0.1:${DEFAULT_PORT}; \`broadcaster start\`
                              without CHAT2DESK_TOKEN prints its built-in sandbox's URL)
  --token T                   the sandbox's token (default ${DEFAULT_TOKEN})
  --transport T               whatsapp, viber, sms, … (default: the client's, else the first channel's)

Control endpoints (Authorization: the same token; README › The Chat2Desk sandbox):
${controlEndpointLines()}

Examples:
  broadcaster sandbox --port 8090
  broadcaster sandbox --profile production --rate 20
  broadcaster sandbox reply --phone "+7 916 123-45-67" --text СТОП
  broadcaster sandbox reply --phone 79161234567 --text "Да, приду" --url http://127.0.0.1:41234 --json`;

export async function sandboxCommand(argv: string[], ctx: CommandContext): Promise<void> {
  if (argv[0] === 'reply') return sandboxReplyCommand(argv.slice(1), ctx);
  const { values, positionals } = parseCommandArgs(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    rate: { type: 'string' },
    mode: { type: 'string' },
    quota: { type: 'string' },
    'whatsapp-delay-ms': { type: 'string' },
    'whatsapp-early': { type: 'string' },
    'no-message-id': { type: 'boolean' },
    'no-client-creation': { type: 'boolean' },
    'allow-client-creation': { type: 'boolean' },
    'live-paging': { type: 'boolean' },
    'viber-listed-as': { type: 'string' },
    profile: { type: 'string' },
    'legacy-errors': { type: 'boolean' },
    'no-webhooks-api': { type: 'boolean' },
    'fault-seed': { type: 'string' },
    'fault-latency-ms': { type: 'string' },
    'fault-5xx-rate': { type: 'string' },
    'fault-429-rate': { type: 'string' },
    'fault-drop-rate': { type: 'string' },
    'fault-accept-then-drop-rate': { type: 'string' },
    'fault-hang-rate': { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`sandbox takes no arguments, got "${positionals.join(' ')}"`);
  if (values.token !== undefined && values.token.trim() === '')
    throw new UsageError('--token must not be empty');
  const rate = (name: string, raw: string | undefined) => numberOption(name, raw, { min: 0, max: 1 });
  if (values['no-client-creation'] && values['allow-client-creation']) {
    throw new UsageError('--no-client-creation and --allow-client-creation contradict each other');
  }
  const profile = choiceOption('profile', values.profile, SANDBOX_PROFILE_NAMES) ?? 'friendly';
  const base: Partial<SandboxOptions> = SANDBOX_PROFILES[profile];

  const sandbox = await startSandbox({
    port: integerOption('port', values.port, { min: 0, max: 65535 }) ?? DEFAULT_PORT,
    host: values.host ?? '127.0.0.1',
    token: values.token ?? DEFAULT_TOKEN,
    requestsPerSecond: numberOption('rate', values.rate, { min: 0 }) ?? base.requestsPerSecond ?? 0,
    mode:
      choiceOption('mode', values.mode, ['disabled', 'demo', 'normal', 'unlimited'] as const) ?? base.mode,
    monthlyQuota: integerOption('quota', values.quota, { min: 0 }),
    whatsappDelayMs: integerOption('whatsapp-delay-ms', values['whatsapp-delay-ms'], { min: 0 }),
    whatsappEarlyMessage: choiceOption('whatsapp-early', values['whatsapp-early'], [
      'hold',
      'refuse',
    ] as const),
    messageIdInAnswer: !values['no-message-id'],
    clientCreationEnabled: values['allow-client-creation']
      ? true
      : !values['no-client-creation'] && (base.clientCreationEnabled ?? true),
    livePaging: Boolean(values['live-paging']) || (base.livePaging ?? false),
    viberListedAs:
      choiceOption('viber-listed-as', values['viber-listed-as'], [
        'viber',
        'viber_business',
        'viber_public',
      ] as const) ?? base.viberListedAs,
    legacyErrorsWithHttp200: Boolean(values['legacy-errors']),
    webhooksApi: !values['no-webhooks-api'],
    faults: {
      seed: integerOption('fault-seed', values['fault-seed']),
      latencyMs: integerOption('fault-latency-ms', values['fault-latency-ms'], { min: 0 }),
      serverErrorRate: rate('fault-5xx-rate', values['fault-5xx-rate']),
      rateLimitRate: rate('fault-429-rate', values['fault-429-rate']),
      dropConnectionRate: rate('fault-drop-rate', values['fault-drop-rate']),
      acceptThenDropRate: rate('fault-accept-then-drop-rate', values['fault-accept-then-drop-rate']),
      hangRate: rate('fault-hang-rate', values['fault-hang-rate']),
    },
    logger: ctx.logger,
  });
  ctx.onExit(() => sandbox.close());

  if (values.json) {
    printJson(ctx.stdout, { url: sandbox.url, token: sandbox.token });
  } else {
    // The token is echoed only when it is the well-known default; a chosen one stays off the screen.
    const token =
      values.token === undefined ? `${DEFAULT_TOKEN} (the default)` : 'the one given with --token';
    ctx.stdout.write(`Chat2Desk sandbox listening on ${sandbox.url}\nAuthorization header: ${token}\n`);
  }
  await ctx.untilStopped();
}
