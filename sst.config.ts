/// <reference path="./.sst/platform/config.d.ts" />

// crossdeploy's orchestrator in the tools account: the step functions and the three workflows.
// Type-check offline with scripts/typecheck-infra.sh.
export default $config({
  app(input) {
    return {
      name: 'crossdeploy',
      removal: input?.stage === 'prod' ? 'retain' : 'remove',
      home: 'aws',
    };
  },
  async run() {
    const { deployRoleName } = await import('./stacks/config');
    const { createStepFunctions, grantScope } = await import('./stacks/functions');
    const { createStateMachines } = await import('./stacks/state-machines');

    const deployRole = deployRoleName();
    const scope = grantScope(deployRole);
    const functions = createStepFunctions(scope);
    const machines = createStateMachines(functions, scope);

    return {
      deployRole,
      deployEnvironmentStateMachine: machines.DeployEnvironment.arn,
      deployTargetStateMachine: machines.DeployTarget.arn,
      rollbackTargetStateMachine: machines.RollbackTarget.arn,
    };
  },
});
