import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { DeployRole, DeployTarget } from '../core/contracts';
import { type AssumeOptions, assumeDeployRole, forgetDeployRoleCredentials } from './deploy-role';

export interface TargetClients {
  ecs: ECSClient;
  cloudwatch: CloudWatchClient;
  cloudformation: CloudFormationClient;
}

export type TargetClientFactory = (target: Pick<DeployTarget, 'account' | 'region'>, role: DeployRole) => TargetClients;

// A warm Lambda reuses its clients across invocations, as AWS recommends: one set per account, region and role.
const reused = new Map<string, TargetClients>();

/**
 * Clients whose every call runs as the deploy role in the target account and region. Credentials are
 * resolved on first use through the shared cache, so building clients costs no AWS call.
 */
export function targetClientFactory(options: AssumeOptions = {}): TargetClientFactory {
  const shareable = Object.keys(options).length === 0;
  return (target, role) => {
    const key = `${target.account}|${target.region}|${role.name}|${role.externalId ?? ''}`;
    const existing = shareable ? reused.get(key) : undefined;
    if (existing) return existing;
    const credentials = () => assumeDeployRole(target, role, options);
    const clients = {
      ecs: new ECSClient({ region: target.region, credentials }),
      cloudwatch: new CloudWatchClient({ region: target.region, credentials }),
      cloudformation: new CloudFormationClient({ region: target.region, credentials }),
    };
    if (shareable) reused.set(key, clients);
    return clients;
  };
}

/** Forgets reused clients and cached credentials: the AWS endpoint behind them was reset or replaced. */
export function forgetTargetSessions(): void {
  for (const clients of reused.values()) {
    clients.ecs.destroy();
    clients.cloudwatch.destroy();
    clients.cloudformation.destroy();
  }
  reused.clear();
  forgetDeployRoleCredentials();
}
