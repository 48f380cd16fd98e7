// The HTTP API: GitHub's webhook and the approval pages (stacks/triggered.ts routes).
import { logRetention } from './config';
import type { TriggeredFunctions } from './functions';
import { httpRoutes } from './triggered';

/** Created before the functions: request-approval signs links with its URL (`CROSSDEPLOY_PUBLIC_URL`). */
export function createApi(): sst.aws.ApiGatewayV2 {
  return new sst.aws.ApiGatewayV2('Api', {
    // GitHub posts server to server, approvers open links: no browser script calls this API cross-origin.
    cors: false,
    accessLog: { retention: logRetention($app.stage).name },
  });
}

/** Each route to its function, by ARN: one function serves both approval routes (GET shows, POST decides). */
export function routeApi(api: sst.aws.ApiGatewayV2, functions: TriggeredFunctions): void {
  for (const { route, function: spec } of httpRoutes()) api.route(route, functions[spec.id].arn);
}
