// Where the orchestrator's own resources are, read from the environment the SST app (or the local runtime)
// gives every function. Defaults are the local runtime's names.

export const settings = {
  eventBusName: () => process.env.CROSSDEPLOY_EVENT_BUS_NAME ?? 'crossdeploy',
  deliveriesTable: () => process.env.CROSSDEPLOY_DELIVERIES_TABLE ?? 'crossdeploy-deliveries',
  approvalsTable: () => process.env.CROSSDEPLOY_APPROVALS_TABLE ?? 'crossdeploy-approvals',
  /** Deploy-target executions waiting on their targets' ECS and alarm events (aws/target-waits.ts). */
  waitsTable: () => process.env.CROSSDEPLOY_WAITS_TABLE ?? 'crossdeploy-waits',
  leasesTable: () => process.env.CROSSDEPLOY_LEASES_TABLE ?? 'crossdeploy-leases',
  ledgerTable: () => process.env.CROSSDEPLOY_LEDGER_TABLE ?? 'crossdeploy-ledger',
  templatesTable: () => process.env.CROSSDEPLOY_TEMPLATES_TABLE ?? 'crossdeploy-templates',
  /** Where the pipeline's packaging build stores application stacks' templates (aws/artifacts.ts). */
  artifactsBucket: () => process.env.CROSSDEPLOY_ARTIFACTS_BUCKET ?? 'crossdeploy-artifacts',
  idempotencyTable: () => process.env.CROSSDEPLOY_IDEMPOTENCY_TABLE ?? 'crossdeploy-idempotency',
  /** Optional: an SNS topic that hears every deployment notification. */
  notificationsTopicArn: () => process.env.CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN || undefined,
  /** The Step Functions console's base URL for execution links; the local runtime sets its own console. */
  consoleUrl: () => process.env.CROSSDEPLOY_CONSOLE_URL || undefined,
  pipelineStateMachineArn: () => required('CROSSDEPLOY_PIPELINE_ARN'),
  publicUrl: () => required('CROSSDEPLOY_PUBLIC_URL'),
  mapFile: () => process.env.CROSSDEPLOY_MAP_FILE ?? 'crossdeploy.yaml',
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
