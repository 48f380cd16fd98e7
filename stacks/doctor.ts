// The role `crossdeploy doctor` runs as: named crossdeploy-<stage>-doctor, so the deploy role's trust
// (OrchestratorRoleNamePattern, crossdeploy-<stage>-*) admits it. Tools-account administrators assume it.
import { stageName } from './config';
import { doctorPolicy, doctorTrustPolicy } from './policies';
import type { GrantScope } from './steps';

export function createDoctorRole(scope: $util.Output<GrantScope>): aws.iam.Role {
  const role = new aws.iam.Role('DoctorRole', {
    name: stageName($app.name, $app.stage, 'doctor', 64),
    description:
      'crossdeploy doctor: assume the deploy role in target accounts, read the ECR repositories and templates',
    // Doctor's own sessions are short (900 s); an operator's session to run it needs no more than an hour.
    maxSessionDuration: 3600,
    assumeRolePolicy: scope.apply((s) => doctorTrustPolicy(s)),
  });
  new aws.iam.RolePolicy('DoctorPolicy', {
    role: role.id,
    policy: scope.apply((s) =>
      JSON.stringify(
        doctorPolicy({
          where: s,
          deployRole: s.deployRole,
          repositories: s.names.repositories,
          templatesTable: s.names.templatesTable,
        }),
      ),
    ),
  });
  return role;
}
