import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { TransportsHelp } from '../chat2desk/types.js';
import { attachmentKind } from '../messages/attachment.js';
import type { Chat2DeskGate } from './chat2deskGate.js';

/** The account's transports change rarely: GET /v1/help/transports is asked at most once an hour. */
export const TRANSPORTS_HELP_TTL_MS = 60 * 60_000;

/**
 * Which kinds of file each transport takes to a client, from Chat2Desk's GET /v1/help/transports,
 * asked through the gate (it is a request like any other) and kept for an hour. Asked by the worker
 * before it admits a message with an attachment, so a file the transport cannot carry skips the
 * recipient with its reason instead of failing at Chat2Desk.
 */
export class TransportCapabilities {
  readonly #client: Pick<Chat2DeskClient, 'getTransports'>;
  readonly #gate: Pick<Chat2DeskGate, 'call'>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #help: { answer: TransportsHelp; at: number } | undefined;
  #asking: Promise<TransportsHelp> | undefined;

  constructor(options: {
    client: Pick<Chat2DeskClient, 'getTransports'>;
    gate: Pick<Chat2DeskGate, 'call'>;
    ttlMs?: number;
    now?: () => number;
  }) {
    this.#client = options.client;
    this.#gate = options.gate;
    this.#ttlMs = options.ttlMs ?? TRANSPORTS_HELP_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Why `transport` cannot send this file to a client, or null when it can (or cannot be told). */
  async attachmentRefusal(transport: string, attachmentUrl: string): Promise<string | null> {
    const kind = attachmentKind(attachmentUrl);
    if (kind === null) return `the kind of file cannot be told from its URL ${attachmentUrl}`;
    const help = await this.#transportsHelp();
    const outgoing = help[transport]?.to_client as Record<string, unknown> | undefined;
    // A transport the help does not list (a newer name) is left to Chat2Desk to accept or refuse.
    if (!outgoing) return null;
    const support = outgoing[kind];
    if (support === 'yes' || support === true || support === 1 || support === '1') return null;
    return `${transport} does not take ${kind} files to a client (Chat2Desk's transports help)`;
  }

  async #transportsHelp(): Promise<TransportsHelp> {
    if (this.#help && this.#now() - this.#help.at < this.#ttlMs) return this.#help.answer;
    // Many deliveries ask at once after a start: one request answers them all.
    this.#asking ??= this.#gate
      .call(() => this.#client.getTransports())
      .then((answer) => {
        this.#help = { answer, at: this.#now() };
        return answer;
      })
      .finally(() => {
        this.#asking = undefined;
      });
    return this.#asking;
  }
}

const perClient = new WeakMap<object, TransportCapabilities>();

/** The process's one TransportCapabilities for this Chat2Desk client (its cache shared by its workers). */
export function transportCapabilitiesOf(client: Chat2DeskClient, gate: Chat2DeskGate): TransportCapabilities {
  let capabilities = perClient.get(client);
  if (!capabilities) {
    capabilities = new TransportCapabilities({ client, gate });
    perClient.set(client, capabilities);
  }
  return capabilities;
}
