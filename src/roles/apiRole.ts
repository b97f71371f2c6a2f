import type { FastifyInstance } from 'fastify';
import { stopVocabularyOf } from '../delivery/optOut.js';
import { buildHttpServer } from '../http/server.js';
import type { EngineParts } from './engineParts.js';

/** The api role: the HTTP server (API, dashboard, web hook receiver, /metrics), listening. */
export async function startApiRole(parts: EngineParts): Promise<{ http: FastifyInstance; httpUrl: string }> {
  const http = buildEngineHttpServer(parts);
  const host = listeningHost(parts);
  let httpUrl: string;
  try {
    httpUrl = await http.listen({ port: parts.config.http.port, host });
  } catch (error) {
    // A port in use, say: what was built (its plugins and hooks) is closed before the error goes up.
    await http.close();
    throw error;
  }
  parts.addStop(() => http.close());
  return { http, httpUrl };
}

function buildEngineHttpServer(parts: EngineParts): FastifyInstance {
  const { config, chat2desk } = parts;
  return buildHttpServer({
    sql: parts.db.sql,
    clock: parts.clock,
    logger: parts.logger,
    webhookSecret: parts.webhookSecret,
    chat2deskToken: chat2desk.token,
    webhookSignatures: config.webhookSignatures,
    stopVocabulary: stopVocabularyOf(config.optOutKeywords),
    confirmOptOut: config.optOutConfirmationText !== undefined,
    publicUrl: config.publicUrl,
    allowedHosts: config.http.allowedHosts,
    trustProxy: config.http.trustProxy,
    db: parts.db,
    apiToken: config.http.apiToken,
    viewerToken: config.http.viewerToken,
    defaultTimezone: config.defaultTimezone,
    phoneRegion: config.phoneRegion,
    requestsPerSecond: config.chat2desk.requestsPerSecond,
    chat2desk: {
      client: chat2desk.client,
      gate: chat2desk.gate,
      whatsappDelayMs: config.whatsappNewClientDelayMs,
    },
    metrics: { registry: chat2desk.registry },
    dashboard: true,
  });
}

/** Without an API token the API must not be reachable from other machines; says which it is. */
function listeningHost({ config, logger }: EngineParts): string {
  const host = config.http.apiToken ? '0.0.0.0' : '127.0.0.1';
  if (!config.http.apiToken) {
    logger.warn({ host }, 'API_TOKEN is not set: the HTTP API listens on 127.0.0.1 only');
  } else {
    logger.info(
      { host, allowedHosts: config.http.allowedHosts },
      'the HTTP API listens on every interface behind API_TOKEN; requests by a name other than localhost, ' +
        "PUBLIC_URL's host or ALLOWED_HOSTS are refused (421)",
    );
  }
  return host;
}
