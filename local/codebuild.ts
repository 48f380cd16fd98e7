import { randomUUID } from 'node:crypto';
import { ECRClient } from '@aws-sdk/client-ecr';
import { PLATFORMS, type Platform } from '../core/platform';
import { buildImage } from './builder';

interface StartBuildParameters {
  ProjectName: string;
  SourceVersion: string;
  EnvironmentVariablesOverride?: { Name: string; Value: string }[];
}

/**
 * What `codebuild:startBuild.sync` does for crossdeploy, locally: the local builder makes the commit's image
 * and pushes it to ECR, and the task ends with a Build description as CodeBuild's would.
 */
export async function localCodeBuild(parameters: unknown): Promise<unknown> {
  const p = parameters as StartBuildParameters;
  const env = Object.fromEntries((p.EnvironmentVariablesOverride ?? []).map((v) => [v.Name, v.Value]));
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
        Id: `${p.ProjectName}:${randomUUID()}`,
        BuildStatus: 'SUCCEEDED',
        SourceVersion: p.SourceVersion,
        ResolvedSourceVersion: p.SourceVersion,
        ExportedEnvironmentVariables: [{ Name: 'IMAGE_DIGEST', Value: image.digest }],
      },
    };
  } finally {
    ecr.destroy();
  }
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
