// crossdeploy arms ECS's circuit breaker and the environment's alarms for its own deployment and disarms them to
// roll back (functions/update-service.ts, functions/roll-back-service.ts). What the team had configured is read
// before that and put back once a rollback has settled, so the service does not drift from the team's own
// infrastructure code.

/** ECS's `DeploymentConfiguration`, read loosely: everything the team set is put back as it was. */
export interface DeploymentConfigurationLike {
  deploymentCircuitBreaker?: { enable?: boolean; rollback?: boolean };
  alarms?: { alarmNames?: string[]; enable?: boolean; rollback?: boolean };
  [field: string]: unknown;
}

/** The configuration as DescribeServices gave it, as plain JSON (the SDK's undefined and null fields dropped). */
export function recordedConfiguration(configuration: object | undefined): DeploymentConfigurationLike {
  return JSON.parse(JSON.stringify(configuration ?? {}, (_, value) => (value === null ? undefined : value)));
}

/**
 * What UpdateService is sent to put the recorded configuration back: the parts crossdeploy changes are always
 * sent, switched off when the team had none, since leaving one out would leave crossdeploy's in place.
 */
export function configurationToRestore(recorded: DeploymentConfigurationLike): DeploymentConfigurationLike {
  return {
    ...recorded,
    deploymentCircuitBreaker: recorded.deploymentCircuitBreaker ?? { enable: false, rollback: false },
    alarms: recorded.alarms ?? { alarmNames: [], enable: false, rollback: false },
  };
}
