import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { RequestRateLimiter } from './apiBudget.js';
import type { CompanyWebhooks } from './companyWebhooks.js';
import type { FaultInjector } from './faults.js';
import type { SandboxSettings } from './options.js';
import type { SandboxState } from './state.js';
import type { WebhookDispatcher } from './webhooks.js';

/** Everything the server and its route handlers share; one per sandbox. */
export interface SandboxContext {
  readonly token: string;
  readonly clock: Clock;
  readonly state: SandboxState;
  readonly settings: SandboxSettings;
  readonly faults: FaultInjector;
  readonly rateLimiter: RequestRateLimiter;
  /** The v1.08 single hook's (and chat-close hook's) deliveries. */
  readonly webhooks: WebhookDispatcher;
  /** Today's web hooks (/v1/webhooks): events, deliveries, retries on the sandbox clock. */
  readonly hooks: CompanyWebhooks;
  readonly logger: Logger;
}
