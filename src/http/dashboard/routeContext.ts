import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from './session.js';
import type { Ui } from './ui.js';

/** What every room of the console borrows from the dashboard around it: its session gates and the viewer's Ui. */
export interface ConsoleGates {
  /** The session of a page request, or a redirect to /login (then null). */
  pageSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null>;
  /** The session of a page only an admin may see; a viewer gets the read-only page (403). */
  adminPageSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null>;
  /** A form post that changes something: an admin's, with the form's CSRF token; else answered 403. */
  changeSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null>;
  csrfToken(session: Session): string;
  uiOf(request: FastifyRequest): Ui;
}
