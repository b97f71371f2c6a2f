import type { SandboxContext } from '../context.js';
import { type ApiAnswer, ApiError, success, successList } from '../http.js';
import type { SandboxDialog } from '../models.js';
import { optionalInteger, optionalString, page, readPaging } from '../params.js';
import type { ApiCall, RouteTable } from '../router.js';
import { dialogItem } from '../views.js';

export function addDialogRoutes(routes: RouteTable): void {
  routes
    .add('GET', '/v1/dialogs', listDialogs)
    .add('GET', '/v1/dialogs/:id', (call) => success(dialogItem(existingDialog(call))))
    .add('PUT', '/v1/dialogs/:id', updateDialog);
}

function listDialogs(call: ApiCall): ApiAnswer {
  const paging = readPaging(call.query);
  const operatorId = optionalInteger(call.query.get('operator_id'), 'operator_id');
  const state = call.query.get('state') || undefined;
  if (state !== undefined && state !== 'open' && state !== 'closed') {
    throw ApiError.invalid('state', 'must be open or closed');
  }
  const matched = call.ctx.state.dialogs.filter(
    (d) =>
      (operatorId === undefined || d.operatorId === operatorId) && (state === undefined || d.state === state),
  );
  return successList(page(matched, paging).map(dialogItem), { total: matched.length, ...paging });
}

/** {operator_id, state}: hands the dialog to an operator and/or opens or closes it. */
async function updateDialog(call: ApiCall): Promise<ApiAnswer> {
  const { ctx } = call;
  const dialog = existingDialog(call);
  const body = await call.body();
  const operatorId = optionalInteger(body['operator_id'], 'operator_id');
  const state = optionalString(body['state'], 'state');
  if (operatorId === undefined && state === undefined)
    throw ApiError.invalid('state', 'give operator_id or state');
  if (state !== undefined && state !== 'open' && state !== 'closed') {
    throw ApiError.invalid('state', 'must be open or closed');
  }
  if (operatorId !== undefined && !ctx.state.operator(operatorId)) {
    throw ApiError.invalid('operator_id', `operator ${operatorId} not found`);
  }
  const client = ctx.state.client(dialog.clientId)!;
  if (state === 'open' && dialog.state === 'closed') {
    if (client.openDialog)
      throw ApiError.invalid('state', `client ${client.id} already has open dialog ${client.openDialog.id}`);
    dialog.state = 'open';
    dialog.end = null;
    client.openDialog = dialog;
  }
  if (operatorId !== undefined) dialog.operatorId = operatorId;
  if (state === 'closed' && dialog.state === 'open') {
    dialog.state = 'closed';
    dialog.end = ctx.clock.now();
    if (client.openDialog === dialog) client.openDialog = null;
    notifyChatClosed(ctx, dialog);
    ctx.hooks.dialogClosed(dialog);
  }
  return success(dialogItem(dialog));
}

function notifyChatClosed(ctx: SandboxContext, dialog: SandboxDialog): void {
  const url = ctx.state.company.chatCloseHookUrl;
  if (url === null) return;
  void ctx.webhooks.deliver(url, {
    ...dialogItem(dialog),
    dialog_id: dialog.id,
    client_id: dialog.clientId,
    event_time: ctx.clock.now().toISOString(),
  });
}

function existingDialog(call: ApiCall): SandboxDialog {
  const id = call.ids[0]!;
  const dialog = call.ctx.state.dialog(id);
  if (!dialog) throw ApiError.notFound(`Dialog ${id} not found`);
  return dialog;
}
