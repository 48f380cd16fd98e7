import { randomUUID } from 'node:crypto';
import { ECRClient } from '@aws-sdk/client-ecr';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { applicationTemplateKey } from '../aws/artifacts';
import { settings } from '../aws/settings';
import { PLATFORMS, type Platform } from '../core/platform';
import { buildImage } from './builder';
import { failureCause } from './execution-quotas';
import { fileAtCommit } from './sources';

interface StartBuildParameters {
  ProjectName: string;
  SourceVersion: string;
  SourceLocationOverride?: string;
  EnvironmentVariablesOverride?: { Name: string; Value: string }[];
}

/**
 * What `codebuild:startBuild.sync` does for crossdeploy, locally: the local builder makes the commit's image
 * and pushes it to ECR, and the task ends with a Build description as CodeBuild's would.
 */
export async function localCodeBuild(parameters: unknown): Promise<unknown> {
  const p = parameters as StartBuildParameters;
  const env = Object.fromEntries((p.EnvironmentVariablesOverride ?? []).map((v) => [v.Name, v.Value]));
  if (env.CROSSDEPLOY_TEMPLATE) return packageTemplate(p, env.CROSSDEPLOY_SERVICE, env.CROSSDEPLOY_TEMPLATE);
  const repository = env.CROSSDEPLOY_REPOSITORY;
  if (!repository) throw new Error('local build: CROSSDEPLOY_REPOSITORY is not among the environment overrides');
  const ecr = new ECRClient({});
  try {
    const image = await buildImage({
      ecr,
      repository,
      commit: p.SourceVersion,
      service: env.CROSSDEPLOY_SERVICE ?? repository,
      platforms: platformsOf(env.CROSSDEPLOY_PLATFORMS),
    });
    return {
      Build: {
        ...succeededBuild(p),
        ExportedEnvironmentVariables: [{ Name: 'IMAGE_DIGEST', Value: image.digest }],
      },
    };
  } finally {
    ecr.destroy();
  }
}

/**
 * What PACKAGE_BUILDSPEC does (stacks/images.ts): the template at the commit, from the clone on this machine, into
 * the artifacts bucket under the key the stack steps read.
 */
async function packageTemplate(p: StartBuildParameters, service: string | undefined, template: string) {
  if (!service) throw new Error('local build: CROSSDEPLOY_SERVICE is not among the environment overrides');
  if (!p.SourceLocationOverride) throw new Error('local build: the build names no SourceLocationOverride');
  let body: string;
  try {
    body = fileAtCommit(p.SourceLocationOverride, p.SourceVersion, template);
  } catch (error) {
    failedBuild(p, (error as Error).message);
  }
  const s3 = new S3Client({});
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: settings.artifactsBucket(),
        Key: applicationTemplateKey({ name: service, version: p.SourceVersion }),
        Body: body,
      }),
    );
  } finally {
    s3.destroy();
  }
  return { Build: succeededBuild(p) };
}

/** The Build description a finished build ends `startBuild.sync` with. */
function succeededBuild(p: StartBuildParameters) {
  return {
    Id: `${p.ProjectName}:${randomUUID()}`,
    BuildStatus: 'SUCCEEDED',
    SourceVersion: p.SourceVersion,
    ResolvedSourceVersion: p.SourceVersion,
  };
}

/**
 * A build whose command failed, as `startBuild.sync` reports it: the task fails with `States.TaskFailed` and the
 * build's description as its cause, the failed phase's context saying why
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-codebuild.html).
 */
function failedBuild(p: StartBuildParameters, reason: string): never {
  const build = {
    Id: `${p.ProjectName}:${randomUUID()}`,
    BuildStatus: 'FAILED',
    SourceVersion: p.SourceVersion,
    Phases: [
      {
        PhaseType: 'BUILD',
        PhaseStatus: 'FAILED',
        Contexts: [{ StatusCode: 'COMMAND_EXECUTION_ERROR', Message: reason }],
      },
    ],
  };
  throw Object.assign(new Error(failureCause(JSON.stringify(build))), { name: 'States.TaskFailed' });
}

/** `docker buildx build --platform` takes a comma-separated list; the buildspec passes it on unchanged. */
function platformsOf(value: string | undefined): Platform[] {
  if (!value) throw new Error('local build: CROSSDEPLOY_PLATFORMS is not among the environment overrides');
  return value.split(',').map((platform) => {
    if (!(PLATFORMS as readonly string[]).includes(platform)) {
      throw new Error(`local build: cannot build for "${platform}" (CROSSDEPLOY_PLATFORMS=${value})`);
    }
    return platform as Platform;
  });
}
