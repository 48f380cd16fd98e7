// The images: one ECR repository per repository the map's services name, and per service the CodeBuild
// project (and role) that the pipeline's "Build image once" state runs (codebuild:startBuild.sync).
import { logRetention } from './config';
import {
  BUILD_TIMEOUT_MINUTES,
  BUILD_VARIABLES,
  BUILDSPEC,
  buildEnvironmentOf,
  buildLogGroupName,
  ECR_LIFECYCLE_POLICY,
  registryHost,
} from './images';
import { type OrchestratorNames, resourceIds } from './names';
import { buildPolicy, buildTrustPolicy } from './policies';
import type { GrantScope } from './steps';

export function createRepositories(repositories: string[]): Record<string, aws.ecr.Repository> {
  const created: Record<string, aws.ecr.Repository> = {};
  for (const [repository, id] of resourceIds(repositories)) {
    const repo = new aws.ecr.Repository(`${id}Repository`, {
      name: repository,
      imageScanningConfiguration: { scanOnPush: true },
      // A removed dev stage takes its images along; prod keeps them (and `removal: retain` keeps the repo).
      forceDelete: $app.stage !== 'prod',
    });
    new aws.ecr.LifecyclePolicy(`${id}RepositoryLifecycle`, { repository: repo.name, policy: ECR_LIFECYCLE_POLICY });
    created[repository] = repo;
  }
  return created;
}

/**
 * One project per service, each with its own role: a build runs the service's code and test command in
 * privileged Docker, and may push only that service's repository.
 */
export function createBuildProjects(
  scope: $util.Output<GrantScope>,
  names: OrchestratorNames,
  repositories: Record<string, aws.ecr.Repository>,
): aws.codebuild.Project[] {
  const ids = resourceIds(names.builds.map((build) => build.service));
  return names.builds.map((build) => {
    const id = `${ids.get(build.service)}Build`;
    const logGroup = new aws.cloudwatch.LogGroup(`${id}Logs`, {
      name: buildLogGroupName(build.project),
      retentionInDays: logRetention($app.stage).days,
    });
    const role = new aws.iam.Role(`${id}Role`, {
      name: build.role,
      description: `crossdeploy: role of the image build of ${build.service} (push to ${build.repository}, write its logs)`,
      assumeRolePolicy: scope.apply((where) => buildTrustPolicy(where, build.project)),
    });
    const policy = new aws.iam.RolePolicy(`${id}Policy`, {
      role: role.id,
      policy: scope.apply((where) =>
        JSON.stringify(buildPolicy({ where, build, logGroup: buildLogGroupName(build.project) })),
      ),
    });
    const repository = repositories[build.repository];
    return new aws.codebuild.Project(
      id,
      {
        name: build.project,
        description: `crossdeploy: build, test and push one commit of ${build.service}`,
        serviceRole: role.arn,
        buildTimeout: BUILD_TIMEOUT_MINUTES,
        // Each build the pipeline starts overrides the source with the service's repository (GITHUB or
        // CODECOMMIT, SourceTypeOverride/SourceLocationOverride) at the pushed commit, and passes this
        // buildspec again (BuildspecOverride).
        source: { type: 'NO_SOURCE', buildspec: BUILDSPEC },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: {
          ...buildEnvironmentOf(build.platforms),
          environmentVariables: [
            {
              name: BUILD_VARIABLES.registry,
              type: 'PLAINTEXT',
              value: scope.apply((where) => registryHost(where.account, where.region)),
            },
            // Overridden by every build the pipeline starts; defaults for a build started by hand.
            { name: BUILD_VARIABLES.test, type: 'PLAINTEXT', value: '' },
          ],
        },
        logsConfig: { cloudwatchLogs: { status: 'ENABLED', groupName: logGroup.name } },
      },
      // CreateProject checks that CodeBuild may assume the role; the policy must be there before the first build.
      { dependsOn: repository ? [policy, repository] : [policy] },
    );
  });
}
