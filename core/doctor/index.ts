// `crossdeploy doctor`'s decisions, pure like the rest of core/: aws/doctor-checks.ts asks AWS and hands the
// answers to these checks, so every verdict and fix is table-tested without AWS. This file only names the API.

export { alarmsOutcome } from './alarms';
export {
  applicationAlarmsOutcome,
  applicationEnvironmentStackOutcome,
  applicationStackOutcome,
} from './application-stack';
export {
  type CallFailure,
  CHECKS,
  type CheckName,
  type CheckResult,
  NEEDS_ROLE,
  NEEDS_SERVICE,
  type Outcome,
  skipped,
} from './checks';
export { deployRoleCallFailed, roleOutcome } from './deploy-role';
export { ecrPullOutcomes, type PolicyRead } from './ecr-pull';
export type { StackRead } from './environment-stack';
export { type PassedRole, passRoleOutcome, passRolePolicyUnreadable } from './pass-role';
export { type DoctorRow, exitCodeOf, type Fix, fixesOf, summaryOf, toRow } from './report';
export { type ServiceLookup, serviceOutcome } from './service';
export {
  awaitingInstance,
  environmentStackOutcome,
  pendingAlarmsOutcome,
  pendingInstance,
  pendingServiceOutcome,
  type TemplateRead,
  templateOutcome,
} from './service-instance';
export { liveContainers, livePlatform, type Revision, templateRoles, templateSources } from './sources';
export {
  type DoctorFilter,
  type DoctorTarget,
  doctorTargets,
  type ServiceInstanceRef,
  type StackDoctorTarget,
  stackDoctorTargets,
  type TargetPlace,
} from './targets';
export {
  type ContainerSource,
  containerOutcome,
  noTaskDefinition,
  type PlatformSource,
  platformOutcome,
} from './task-definition';
