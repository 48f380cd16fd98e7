// Shared by the handlers behind the HTTP API (payload format 2.0). Unlike a workflow step, an HTTP handler
// never throws at its caller: a bad request is a 4xx it returns, and anything unexpected becomes a logged 500.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { logger, tracer } from './powertools';

export type HttpEvent = APIGatewayProxyEventV2;

/** What a handler reads from the event: a full API Gateway event is one; tests can build just the parts. */
export type HttpRequest = Pick<HttpEvent, 'headers'> & Partial<Omit<HttpEvent, 'headers'>>;

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  cookies?: string[];
}

export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResponse>;

/** API Gateway lowercases header names, but nothing else has to: look them up in any case. */
export function header(request: HttpRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * The body as sent (signatures are computed over it), decoded when API Gateway base64-encoded it. Read as
 * UTF-8, which is byte-exact for the JSON and form bodies handled here.
 */
export function rawBody(request: HttpRequest): string {
  const body = request.body ?? '';
  return request.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/** Fields of an `application/x-www-form-urlencoded` body, as an HTML form posts them. */
export function formFields(request: HttpRequest): URLSearchParams {
  return new URLSearchParams(rawBody(request));
}

// Answers are about one request (a delivery, an approval): no cache may keep or replay them.
const NO_STORE = { 'cache-control': 'no-store' };

export function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
    body: JSON.stringify(value),
  };
}

export function html(statusCode: number, markup: string, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE, ...headers }, body: markup };
}

/**
 * Wires an HTTP API route as a Lambda handler: Powertools context and tracing around `respond`. An error
 * that escapes `respond` is logged and answered with a bare 500, so no internals leak to the caller.
 */
export function httpHandler(route: string, respond: (request: HttpRequest) => Promise<HttpResponse>): HttpHandler {
  const run = async (event: HttpEvent): Promise<HttpResponse> => {
    logger.appendKeys({ route });
    try {
      return await respond(event);
    } catch (error) {
      logger.error('request failed', error as Error);
      return json(500, { error: 'internal error' });
    }
  };
  return middy(run)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer)) as unknown as HttpHandler;
}
