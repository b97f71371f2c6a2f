import { RouteTable } from '../router.js';
import { addClientRoutes } from './clients.js';
import { addCompanyRoutes } from './companies.js';
import { addControlRoutes } from './control.js';
import { addDialogRoutes } from './dialogs.js';
import { addDirectoryRoutes } from './directory.js';
import { addGatewayRoutes } from './gateway.js';
import { addMessageRoutes } from './messages.js';
import { addQuestionRoutes } from './questions.js';
import { addWebhookRoutes } from './webhooks.js';

/** Every call of the Chat2Desk API v1 (manual v1.08, plus today's /v1/webhooks) the sandbox answers. */
export function apiRoutes(): RouteTable {
  const routes = new RouteTable();
  addMessageRoutes(routes);
  addClientRoutes(routes);
  addCompanyRoutes(routes);
  addDialogRoutes(routes);
  addDirectoryRoutes(routes);
  addQuestionRoutes(routes);
  addGatewayRoutes(routes);
  addWebhookRoutes(routes);
  return routes;
}

export function controlRoutes(): RouteTable {
  const routes = new RouteTable();
  addControlRoutes(routes);
  return routes;
}
