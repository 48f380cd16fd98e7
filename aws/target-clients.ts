import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { DeployRole, DeployTarget } from '../core/types';
import { type AssumeOptions, assumeDeployRole } from './deploy-role';

export interface TargetClients {
  ecs: ECSClient;
  cloudwatch: CloudWatchClient;
}

export type TargetClientFactory = (target: DeployTarget, role: DeployRole) => TargetClients;

/**
 * Clients whose every call runs as the deploy role in the target account and region. Credentials are
 * resolved on first use through the shared cache, so building clients costs no AWS call.
 */
export function targetClientFactory(options: AssumeOptions = {}): TargetClientFactory {
  return (target, role) => {
    const credentials = () => assumeDeployRole(target.account, role, options);
    return {
      ecs: new ECSClient({ region: target.region, credentials }),
      cloudwatch: new CloudWatchClient({ region: target.region, credentials }),
    };
  };
}
