// What crossdeploy calls the stacks it deploys in target accounts, and how it watches them: the same for an
// environment's stack and a service's instance, whichever workflow deploys them.

import type { CheckLoop } from '../contracts';

/**
 * How a stack deployment checks its change set and its stack. CloudFormation works in minutes, so checking more
 * often only spends state transitions; environments create VPCs, NAT gateways and load balancers, and service
 * instances listener rules and services that wait for their first tasks: up to an hour.
 */
export const STACK_ROLLOUT: CheckLoop = { intervalSeconds: 15, checks: 240 };

/** https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html: 128 characters. */
export const MAX_STACK_NAME = 128;

/** The environment's stack in every target account and region: `crossdeploy-env-<environment>`. */
export function environmentStackName(environment: string): string {
  return `crossdeploy-env-${environment}`;
}

/**
 * A service's instance in every target account and region of an environment: `crossdeploy-svc-<service>-<environment>`.
 * Names hold hyphens, so two service × environment pairs can meet on one name (`web-api` in `dev`, `web` in
 * `api-dev`): the map loader refuses such a map (core/map/load.ts).
 */
export function serviceStackName(serviceName: string, environment: string): string {
  return `crossdeploy-svc-${serviceName}-${environment}`;
}

/**
 * An application stack in every target account and region of an environment: `crossdeploy-app-<service>-<environment>`
 * (the deploy role may touch `crossdeploy-*` stacks only). Service names are unique in the map and the prefix is
 * not a service instance's, so it meets no other stack of crossdeploy's.
 */
export function applicationStackName(serviceName: string, environment: string): string {
  return `crossdeploy-app-${serviceName}-${environment}`;
}

/**
 * The change set a deployment creates: `crossdeploy-<deploymentId>`, where CloudFormation takes letters, digits and
 * hyphens only, starting with a letter, 128 characters at most
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html). A deployment id
 * may hold an underscore from its branch's name.
 */
export function changeSetNameOf(deploymentId: string): string {
  return `crossdeploy-${deploymentId.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 128);
}
