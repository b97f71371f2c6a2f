import { success } from '../http.js';
import type { RouteTable } from '../router.js';

/** GET /gateway/delete_outbox: drops every message accepted but not yet gone out (e.g. held WhatsApp). */
export function addGatewayRoutes(routes: RouteTable): void {
  routes.add('GET', '/gateway/delete_outbox', (call) => {
    const dropped = call.ctx.state.dropHeldMessages();
    return success({ deleted: dropped.length });
  });
}
