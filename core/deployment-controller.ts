// crossdeploy deploys by pointing a service at a new revision with UpdateService and arms ECS's circuit breaker
// and deployment alarms. Both belong to the ECS (rolling update) deployment controller: UpdateService cannot
// change the task definition of a CODE_DEPLOY or EXTERNAL service
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html), and the circuit breaker
// works with the ECS controller only
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html).

export const DEPLOYABLE_CONTROLLER = 'ECS';

/** DescribeServices' `deploymentController.type`; a service created without one has the ECS controller. */
export function controllerOf(service: { deploymentController?: { type?: string | undefined } | undefined }): string {
  return service.deploymentController?.type ?? DEPLOYABLE_CONTROLLER;
}

/** Why crossdeploy cannot deploy a service with this controller. */
export function controllerProblem(controller: string, subject = 'the service'): string {
  return (
    `${subject} uses the ${controller} deployment controller, whose task definition UpdateService cannot ` +
    `change; crossdeploy deploys only services with the ECS (rolling update) deployment controller`
  );
}

/** What the operator can do about it. */
export function controllerFix(controller: string): string {
  const own =
    controller === 'CODE_DEPLOY'
      ? 'keep deploying it with CodeDeploy (CreateDeployment)'
      : `keep deploying it with its ${controller} controller (task sets)`;
  return `${own} and take the target out of the map, or move the service to the ECS deployment controller`;
}
