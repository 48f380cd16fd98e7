// The builds: the CodeBuild projects' settings and buildspecs (an ECS service's image, an application stack's
// template), and what the ECR repositories keep.
// Pure (no Pulumi, no SST globals): stacks/build.ts deploys from it, tests check it offline.

import { buildEnvironmentFor } from '../core/build-environment';
import { DEPLOYED_TAG_PREFIX } from '../core/images';
import { ecrRegistryHost } from '../core/partition';
import type { Platform } from '../core/platform';

/**
 * A service's project runs on the CPU of its platforms (core/build-environment.ts; the pipeline passes the
 * same as EnvironmentTypeOverride/ImageOverride); docker builds need privileged mode.
 */
export function buildEnvironmentOf(platforms: readonly Platform[]) {
  const { environmentType, image } = buildEnvironmentFor(platforms);
  return { type: environmentType, computeType: 'BUILD_GENERAL1_SMALL', image, privilegedMode: true } as const;
}

/**
 * An application stack's project: on x86_64, as the pipeline's applicationInput passes (core/pipeline-plan.ts), and
 * not privileged, since packaging runs no Docker; privileged mode is for building Docker images
 * (https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectEnvironment.html).
 */
export function packageEnvironment() {
  const { environmentType, image } = buildEnvironmentFor(['linux/amd64']);
  return { type: environmentType, computeType: 'BUILD_GENERAL1_SMALL', image, privilegedMode: false } as const;
}

/** Minutes before CodeBuild stops a build (the pipeline's build state then fails). */
export const BUILD_TIMEOUT_MINUTES = 60;

/** Where the build logs: CodeBuild's own convention, with a retention the stack sets. */
export const buildLogGroupName = (project: string): string => `/aws/codebuild/${project}`;

/**
 * What the pipeline's "Build image once" state passes (state-machines/pipeline.asl.json) and the project
 * sets: the registry of the tools account.
 */
export const BUILD_VARIABLES = {
  service: 'CROSSDEPLOY_SERVICE',
  repository: 'CROSSDEPLOY_REPOSITORY',
  commit: 'CROSSDEPLOY_COMMIT',
  test: 'CROSSDEPLOY_TEST_COMMAND',
  platforms: 'CROSSDEPLOY_PLATFORMS',
  emulate: 'CROSSDEPLOY_EMULATE',
  registry: 'CROSSDEPLOY_REGISTRY',
} as const;

/** `111111111111.dkr.ecr.us-east-1.amazonaws.com`: the registry the build logs in to and pushes to. */
export const registryHost = (account: string, region: string): string => ecrRegistryHost(account, region);

/** The map's test command, in the repository CodeBuild checked out; `''` (never null) when the map has none. */
const RUN_TEST_COMMAND = `      - |
        if [ -n "\${CROSSDEPLOY_TEST_COMMAND:-}" ]; then
          echo "crossdeploy: testing with: $CROSSDEPLOY_TEST_COMMAND"
          (cd "$CODEBUILD_SRC_DIR" && bash -c "$CROSSDEPLOY_TEST_COMMAND")
        else
          echo "crossdeploy: the map names no test command"
        fi
`;

/**
 * Runs in the service's repository, which CodeBuild checked out at the commit into `CODEBUILD_SRC_DIR` (the
 * pipeline's "Build image once" state overrides the project's source with the map's `source`: GITHUB or
 * CODECOMMIT, and passes this buildspec again as BuildspecOverride, so it is not looked for in the
 * repository). Logs in to ECR, runs the map's test command there when there is one (`''` otherwise, never
 * null: CodeBuild refuses null values), builds the image from the Dockerfile at the repository's root for
 * every platform of the map with buildx (QEMU, registered with binfmt_misc by `tonistiigi/binfmt`, runs the
 * architectures the host's CPU does not: https://docs.docker.com/build/building/multi-platform/) and pushes
 * it tagged with the full commit id, which find-built-image looks up. buildx's `docker-container` driver
 * builds several platforms at once; provenance attestations are off so the index lists only the platforms.
 * A single platform yields a plain manifest: `imagetools create` wraps it in an image index, so the tag
 * always names an index whose `manifests[].platform` say what the image runs on (an index given to it
 * alone is kept as it is). Everything is in one phase (CodeBuild stops a phase at the first command that
 * fails, and `on-failure: ABORT` skips the rest): a failed test or build pushes nothing.
 */
export const BUILDSPEC = `version: 0.2
env:
  shell: bash
phases:
  build:
    on-failure: ABORT
    commands:
      - echo "crossdeploy building $CROSSDEPLOY_SERVICE at $CROSSDEPLOY_COMMIT in $CODEBUILD_SRC_DIR"
      - |
        if [ ! -f "$CODEBUILD_SRC_DIR/Dockerfile" ]; then
          echo "crossdeploy: no Dockerfile at the root of the repository of $CROSSDEPLOY_SERVICE" >&2
          exit 1
        fi
      - aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$CROSSDEPLOY_REGISTRY"
${RUN_TEST_COMMAND}      - |
        if [ -n "\${CROSSDEPLOY_EMULATE:-}" ]; then
          echo "crossdeploy: emulating $CROSSDEPLOY_EMULATE with QEMU"
          docker run --privileged --rm tonistiigi/binfmt --install "$CROSSDEPLOY_EMULATE"
        fi
      - docker buildx create --name crossdeploy --driver docker-container --use
      - docker buildx build --platform "$CROSSDEPLOY_PLATFORMS" --provenance=false --sbom=false --file "$CODEBUILD_SRC_DIR/Dockerfile" --tag "$CROSSDEPLOY_REGISTRY/$CROSSDEPLOY_REPOSITORY:$CROSSDEPLOY_COMMIT" --push "$CODEBUILD_SRC_DIR"
      - docker buildx imagetools create --tag "$CROSSDEPLOY_REGISTRY/$CROSSDEPLOY_REPOSITORY:$CROSSDEPLOY_COMMIT" "$CROSSDEPLOY_REGISTRY/$CROSSDEPLOY_REPOSITORY:$CROSSDEPLOY_COMMIT"
      - docker buildx imagetools inspect "$CROSSDEPLOY_REGISTRY/$CROSSDEPLOY_REPOSITORY:$CROSSDEPLOY_COMMIT"
`;

/** What the packaging build of an application stack is told besides BUILD_VARIABLES' service, commit and test. */
export const PACKAGE_VARIABLES = {
  template: 'CROSSDEPLOY_TEMPLATE',
  artifacts: 'CROSSDEPLOY_ARTIFACTS_BUCKET',
} as const;

/**
 * Where the packaging builds store the templates in the artifacts bucket, `applications/<service>/<commit>/template.yaml`
 * (aws/artifacts.ts applicationTemplateKey): what their roles may write, and the stack steps read.
 */
export const APPLICATIONS_PREFIX = 'applications/';

/**
 * Where each deployment's waves are kept in the artifacts bucket, `deployments/<deploymentId>/wave-<n>/`
 * (aws/wave-store.ts): their targets, their Distributed Maps' results and the targets a failed wave puts back.
 */
export const DEPLOYMENTS_PREFIX = 'deployments/';

/**
 * The buildspec of an application stack (`kind: stack`): runs in the service's repository at the commit like
 * BUILDSPEC, runs the map's test command, and stores the template the map names at
 * `applications/<service>/<commit>/template.yaml` in the artifacts bucket (aws/artifacts.ts), where
 * check-packaged-template and the stack steps read it. A template that is missing stores nothing and fails the build.
 */
export const PACKAGE_BUILDSPEC = `version: 0.2
env:
  shell: bash
phases:
  build:
    on-failure: ABORT
    commands:
      - echo "crossdeploy packaging $CROSSDEPLOY_TEMPLATE of $CROSSDEPLOY_SERVICE at $CROSSDEPLOY_COMMIT"
      - |
        if [ ! -f "$CODEBUILD_SRC_DIR/$CROSSDEPLOY_TEMPLATE" ]; then
          echo "crossdeploy: no $CROSSDEPLOY_TEMPLATE in the repository of $CROSSDEPLOY_SERVICE at $CROSSDEPLOY_COMMIT" >&2
          exit 1
        fi
${RUN_TEST_COMMAND}      - aws s3 cp "$CODEBUILD_SRC_DIR/$CROSSDEPLOY_TEMPLATE" "s3://$CROSSDEPLOY_ARTIFACTS_BUCKET/applications/$CROSSDEPLOY_SERVICE/$CROSSDEPLOY_COMMIT/template.yaml"
`;

/** Images each repository keeps besides those that ran somewhere; older ones expire. */
export const IMAGES_KEPT = 50;

/** Images tagged `deployed-…` each repository keeps: every one that ran in an environment, in practice. */
export const DEPLOYED_IMAGES_KEPT = 1000;

/**
 * ECR lifecycle policy. Rule 1 claims every image crossdeploy tagged as deployed (core/images.ts deployedTag):
 * "An image that matches the tagging requirements of a higher priority rule cannot be expired by a rule with
 * a lower priority" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html), and it
 * expires only beyond DEPLOYED_IMAGES_KEPT of them. Rule 2 keeps the last IMAGES_KEPT of all the others, so
 * a busy dev branch can never expire what prod runs or would roll back to. A rule on `any` must come last.
 */
export const ECR_LIFECYCLE_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: `keep the last ${DEPLOYED_IMAGES_KEPT} images that were deployed somewhere`,
      selection: {
        tagStatus: 'tagged',
        tagPrefixList: [DEPLOYED_TAG_PREFIX],
        countType: 'imageCountMoreThan',
        countNumber: DEPLOYED_IMAGES_KEPT,
      },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: `keep the last ${IMAGES_KEPT} other images`,
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: IMAGES_KEPT },
      action: { type: 'expire' },
    },
  ],
});
