// `crossdeploy env deploy <environment>`: provisions (or updates) an environment's own stack (VPC, cluster,
// roles) in every account and region of its waves, from the template version the map names, through the same
// approval gate, lease, waves and rollback as a service's deploy.

import { SFNClient } from '@aws-sdk/client-sfn';
import type { Sleep } from '../aws/operator';
import { cliCommand } from './command';
import { useLocalEndpoint } from './local-endpoint';
import { type ProvisioningDeps, startProvisioning } from './provisioning';
import { FOLLOW_OPTIONS, followStartedPipeline } from './started-pipeline';

const USAGE = [
  'usage: crossdeploy env deploy ENVIRONMENT [--wait] [--json] [--map FILE]   (default map: crossdeploy.yaml)',
  "Provisions the environment's stack (crossdeploy-env-<environment>) in every account and region of its waves,",
  'from the template version its map entry names (published with `crossdeploy template publish`), through the',
  "environment's approval gate and waves. A failed stack is rolled back by CloudFormation, and its wave with it.",
].join('\n');

export interface EnvDeployDeps extends ProvisioningDeps {
  sleep?: Sleep;
}

export function envCommand(deps: EnvDeployDeps = {}) {
  return cliCommand({
    name: 'env',
    usage: USAGE,
    options: { ...FOLLOW_OPTIONS },
    positionals: true,
    mapErrorExit: 2,
    check: ({ values, positionals }, refuse) => {
      const [action, environment, ...extra] = positionals;
      if (action !== 'deploy') return refuse.because('say what to do: deploy');
      if (!environment || extra.length > 0) return refuse.because('name exactly one environment');
      return { values, environment };
    },
    run: async ({ args: { values, environment }, map, io, refuse }) => {
      if (!map.environments[environment]) {
        return refuse.because(
          `the map has no environment "${environment}" (${Object.keys(map.environments).join(', ')})`,
        );
      }
      await useLocalEndpoint(io.cwd, map);
      const sfn = new SFNClient({ region: map.orchestrator.region });
      const started = await startProvisioning(map, environment, sfn, deps);
      if ('refused' in started) {
        io.err(`crossdeploy env: ${started.refused}`);
        return 1;
      }
      if (!values.json) {
        io.out(
          `provisioning ${environment} from ${started.template}: stack ${started.stack} in ${started.targets} targets`,
        );
        io.out(`  execution ${started.execution}`);
        io.out(`  ${started.consoleLink}`);
      }
      return followStartedPipeline(started, values, { sfn, sleep: deps.sleep, io });
    },
  });
}

export const run = envCommand();
