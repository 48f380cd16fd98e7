// The images: one ECR repository per repository the map's services name, and the CodeBuild project that the
// pipeline's "Build image once" state runs (codebuild:startBuild.sync).
import { logRetention, stageName } from './config';
import {
  BUILD_ENVIRONMENT,
  BUILD_TIMEOUT_MINUTES,
  BUILD_VARIABLES,
  BUILDSPEC,
  buildLogGroupName,
  ECR_LIFECYCLE_POLICY,
  registryHost,
} from './images';
import { resourceIds } from './names';
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

export function createBuildProject(
  scope: $util.Output<GrantScope>,
  repositories: Record<string, aws.ecr.Repository>,
): aws.codebuild.Project {
  const project = scope.apply((s) => s.names.buildProject);
  const logGroupName = project.apply(buildLogGroupName);
  const logGroup = new aws.cloudwatch.LogGroup('BuildLogs', {
    name: logGroupName,
    retentionInDays: logRetention($app.stage).days,
  });

  const role = new aws.iam.Role('BuildRole', {
    name: stageName($app.name, $app.stage, 'build-codebuild', 64),
    description: 'crossdeploy: role of the image build (push to the repositories, write its logs)',
    assumeRolePolicy: scope.apply((s) => buildTrustPolicy(s, s.names.buildProject)),
  });
  const policy = new aws.iam.RolePolicy('BuildPolicy', {
    role: role.id,
    policy: scope.apply((s) =>
      JSON.stringify(
        buildPolicy({
          where: s,
          repositories: s.names.repositories,
          codecommitRepositories: s.names.codecommitRepositories,
          logGroup: buildLogGroupName(s.names.buildProject),
        }),
      ),
    ),
  });

  return new aws.codebuild.Project(
    'Build',
    {
      name: project,
      description: 'crossdeploy: build, test and push one commit of one service',
      serviceRole: role.arn,
      buildTimeout: BUILD_TIMEOUT_MINUTES,
      // Each build the pipeline starts overrides the source with the service's repository (GITHUB or
      // CODECOMMIT, SourceTypeOverride/SourceLocationOverride) at the pushed commit; the buildspec stays this one.
      source: { type: 'NO_SOURCE', buildspec: BUILDSPEC },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: {
        ...BUILD_ENVIRONMENT,
        environmentVariables: [
          {
            name: BUILD_VARIABLES.registry,
            type: 'PLAINTEXT',
            value: scope.apply((s) => registryHost(s.account, s.region)),
          },
          // Overridden by every build the pipeline starts; defaults for a build started by hand.
          { name: BUILD_VARIABLES.test, type: 'PLAINTEXT', value: '' },
        ],
      },
      logsConfig: { cloudwatchLogs: { status: 'ENABLED', groupName: logGroup.name } },
    },
    // CreateProject checks that CodeBuild may assume the role; the policy must be there before the first build.
    { dependsOn: [policy, ...Object.values(repositories)] },
  );
}
