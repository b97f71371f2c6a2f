import { type ApiAnswer, ApiError, success } from '../http.js';
import { acceptOutgoingMessage } from '../outbox.js';
import { requiredInteger } from '../params.js';
import { QUESTIONS } from '../referenceData.js';
import type { ApiCall, RouteTable } from '../router.js';

/** Script menus: GET /v1/questions/<id>/send?client_id= sends a menu item to a client. */
export function addQuestionRoutes(routes: RouteTable): void {
  routes.add('GET', '/v1/questions/:id/send', sendQuestion);
}

function sendQuestion(call: ApiCall): ApiAnswer {
  const id = call.ids[0]!;
  const question = QUESTIONS.find((q) => q.id === id);
  if (!question) throw ApiError.notFound(`Question ${id} not found`);
  const clientId = requiredInteger(call.query.get('client_id'), 'client_id');
  const message = acceptOutgoingMessage(
    call.ctx,
    { clientId, text: question.text, attachment: question.image, type: 'to_client', openDialog: true },
    call.ctx.state.nextRequestId(),
  );
  call.ctx.state.client(clientId)!.questionsSent.push({ question, at: message.acceptedAt });
  return success({ question_id: question.id, client_id: clientId, message_id: message.id });
}
