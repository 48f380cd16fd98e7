import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CfnResource, parseTemplate, resolveTemplate } from '../../core/iam/cfn-template';
import { TARGET_ACCOUNT_TEMPLATE } from '../../core/iam/target-account';

const template = parseTemplate(
  readFileSync(fileURLToPath(new URL(`../../${TARGET_ACCOUNT_TEMPLATE}`, import.meta.url)), 'utf8'),
);

/**
 * The resources the target-account template creates in `account` (us-east-1) when bootstrapped for web's
 * orchestrator 111111111111 in organization o-a1b2c3d4e5, with `parameters` given on top of those.
 */
export function targetAccountResources(
  account: string,
  parameters: Record<string, string> = {},
): Record<string, CfnResource> {
  return resolveTemplate(template, {
    account,
    region: 'us-east-1',
    parameters: {
      OrchestratorAccountId: '111111111111',
      OrganizationId: 'o-a1b2c3d4e5',
      ServiceNamePrefix: 'web',
      TaskRoleArnPattern: 'arn:aws:iam::*:role/web-*',
      OrchestratorEventBusArn: 'arn:aws:events:us-east-1:111111111111:event-bus/crossdeploy-prod',
      ...parameters,
    },
  }).resources;
}
