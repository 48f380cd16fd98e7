// The builds: one ECR repository per repository the map's ECS services name, and per service the CodeBuild
// project (and role) that the pipeline's "Build image once" state runs (codebuild:startBuild.sync), or, for an
// application stack, its "Package application stack once" state.
import { logRetention } from './config';
import {
  BUILD_TIMEOUT_MINUTES,
  BUILD_VARIABLES,
  BUILDSPEC,
  buildEnvironmentOf,
  buildLogGroupName,
  ECR_LIFECYCLE_POLICY,
  PACKAGE_BUILDSPEC,
  PACKAGE_VARIABLES,
  packageEnvironment,
  registryHost,
} from './images';
import { type ImageBuild, type OrchestratorNames, type PackageBuild, resourceIds, type ServiceBuild } from './names';
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

/** What the projects write to: the ECS services' repositories, and the artifacts bucket of the application stacks. */
export interface BuildOutputs {
  repositories: Record<string, aws.ecr.Repository>;
  artifacts: aws.s3.Bucket;
}

/**
 * One project per service, each with its own role: a build runs the service's code and test command (an ECS
 * service's in privileged Docker), and may write only that service's images or templates.
 */
export function createBuildProjects(
  scope: $util.Output<GrantScope>,
  names: OrchestratorNames,
  outputs: BuildOutputs,
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
      description: roleDescription(build),
      assumeRolePolicy: scope.apply((where) => buildTrustPolicy(where, build.project)),
    });
    const policy = new aws.iam.RolePolicy(`${id}Policy`, {
      role: role.id,
      policy: scope.apply((where) =>
        JSON.stringify(buildPolicy({ where, build, logGroup: buildLogGroupName(build.project) })),
      ),
    });
    const { description, buildspec, environment, writesTo } =
      build.kind === 'image' ? imageProject(scope, build, outputs) : packageProject(build, outputs);
    return new aws.codebuild.Project(
      id,
      {
        name: build.project,
        description,
        serviceRole: role.arn,
        buildTimeout: BUILD_TIMEOUT_MINUTES,
        // Each build the pipeline starts overrides the source with the service's repository (GITHUB or
        // CODECOMMIT, SourceTypeOverride/SourceLocationOverride) at the pushed commit, and passes this
        // buildspec again (BuildspecOverride).
        source: { type: 'NO_SOURCE', buildspec },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment,
        logsConfig: { cloudwatchLogs: { status: 'ENABLED', groupName: logGroup.name } },
      },
      // CreateProject checks that CodeBuild may assume the role; the policy must be there before the first build.
      { dependsOn: [policy, ...writesTo] },
    );
  });
}

function roleDescription(build: ServiceBuild): string {
  return build.kind === 'image'
    ? `crossdeploy: role of the image build of ${build.service} (push to ${build.repository}, write its logs)`
    : `crossdeploy: role of the template packaging of ${build.service} (store its templates, write its logs)`;
}

/** A project's own arguments, and the resources it writes to, which must exist before its first build. */
interface ProjectOf {
  description: string;
  buildspec: string;
  environment: aws.types.input.codebuild.ProjectEnvironment;
  writesTo: $util.Resource[];
}

function imageProject(scope: $util.Output<GrantScope>, build: ImageBuild, outputs: BuildOutputs): ProjectOf {
  const repository = outputs.repositories[build.repository];
  return {
    description: `crossdeploy: build, test and push one commit of ${build.service}`,
    buildspec: BUILDSPEC,
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
    writesTo: repository ? [repository] : [],
  };
}

function packageProject(build: PackageBuild, outputs: BuildOutputs): ProjectOf {
  return {
    description: `crossdeploy: test and package the template of one commit of ${build.service}`,
    buildspec: PACKAGE_BUILDSPEC,
    environment: {
      ...packageEnvironment(),
      environmentVariables: [
        { name: PACKAGE_VARIABLES.artifacts, type: 'PLAINTEXT', value: outputs.artifacts.bucket },
        // Overridden by every build the pipeline starts; defaults for a build started by hand.
        { name: BUILD_VARIABLES.test, type: 'PLAINTEXT', value: '' },
      ],
    },
    writesTo: [outputs.artifacts],
  };
}
