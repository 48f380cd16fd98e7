import { partitionOf } from '../core/partition';
import { stateMachineArn } from '../stacks/arns';
import { type MapForStack, orchestratorNames, stateMachineNameOf } from '../stacks/names';

// How commands run by people (not the functions, which get ARNs from the SST app) find the orchestrator's
// resources: the map names its account and region, the stage names the rest.

const APP_NAME = 'crossdeploy';

/** The stage the commands talk to: `CROSSDEPLOY_STAGE`, else `local` when an endpoint is in use. */
export function stageInUse(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const stage = env.CROSSDEPLOY_STAGE?.trim();
  if (stage) return stage;
  if (env.AWS_ENDPOINT_URL) return 'local';
  throw new Error('set CROSSDEPLOY_STAGE to the stage you deployed (`npx sst deploy --stage NAME`)');
}

/** `arn:<partition>:states:<region>:<account>:stateMachine:crossdeploy-<stage>-<file>`. */
export function stateMachineArnOf(
  orchestrator: { account: string; region: string },
  stage: string,
  file: 'pipeline' | 'deploy-environment' | 'deploy-target' | 'deploy-stack' | 'rollback-target' | 'rollback-stack',
): string {
  const partition = partitionOf(orchestrator.region).name;
  return stateMachineArn({ partition, ...orchestrator }, stateMachineNameOf(APP_NAME, stage, file));
}

/**
 * The settings (`aws/settings.ts`) under which the functions of a deployed stage run, for commands that read
 * the same tables and bus from outside it.
 */
export function stageSettings(stage: string, map: MapForStack): Record<string, string> {
  const names = orchestratorNames(APP_NAME, stage, map);
  return {
    CROSSDEPLOY_EVENT_BUS_NAME: names.eventBus,
    CROSSDEPLOY_DELIVERIES_TABLE: names.deliveriesTable,
    CROSSDEPLOY_APPROVALS_TABLE: names.approvalsTable,
    CROSSDEPLOY_LEASES_TABLE: names.leasesTable,
    CROSSDEPLOY_LEDGER_TABLE: names.ledgerTable,
    CROSSDEPLOY_TEMPLATES_TABLE: names.templatesTable,
    CROSSDEPLOY_IDEMPOTENCY_TABLE: names.idempotencyTable,
  };
}
