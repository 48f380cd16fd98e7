// Where the orchestrator's own resources are, read from the environment the SST app (or the local runtime)
// gives every function. Defaults are the local runtime's names.

export const settings = {
  eventBusName: () => process.env.CROSSDEPLOY_EVENT_BUS_NAME ?? 'crossdeploy',
  deliveriesTable: () => process.env.CROSSDEPLOY_DELIVERIES_TABLE ?? 'crossdeploy-deliveries',
  approvalsTable: () => process.env.CROSSDEPLOY_APPROVALS_TABLE ?? 'crossdeploy-approvals',
  leasesTable: () => process.env.CROSSDEPLOY_LEASES_TABLE ?? 'crossdeploy-leases',
  pipelineStateMachineArn: () => required('CROSSDEPLOY_PIPELINE_ARN'),
  publicUrl: () => required('CROSSDEPLOY_PUBLIC_URL'),
  mapFile: () => process.env.CROSSDEPLOY_MAP_FILE ?? 'crossdeploy.yaml',
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
