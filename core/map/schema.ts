// The deployment map (`crossdeploy.yaml`) as a zod schema. Objects are strict so a typo'd key is an error
// rather than a silently ignored setting. Parsing also normalizes: durations become seconds, `targets`
// becomes a single wave, `deployRole` always has the object form, and defaults are filled in.

import { z } from 'zod';
import type { DeployRole, TargetRef } from '../contracts';
import { DURATION_PATTERN, durationProblem, parseDuration } from '../duration';
import { grantPolicyLength, REPOSITORY_POLICY_MAX_LENGTH } from '../ecr-policy';
import { describeTarget } from '../errors';
import { isObject } from '../json';
import { DEFAULT_PLATFORMS, PLATFORMS } from '../platform';
import { TEMPLATE_NAME } from '../templates/catalog';
import { VERSION_PATTERN } from '../templates/version';
import { privateProbeMessage, privateProbeReason } from './probe-url';

/** Used for the `targets` shorthand and for waves that leave these out. */
const DEFAULT_MAX_CONCURRENCY = 10;
const DEFAULT_FAILURE_TOLERANCE = 0;

/** Service and environment names end up in resource names and execution names, so they stay plain. */
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const Name = z.string().regex(NAME, 'names use lowercase letters, digits and hyphens');

const AccountId = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `account IDs must be quoted strings: write "${issue.input}" in quotes ` +
          '(unquoted, YAML reads a number and drops any leading zeros)'
        : undefined,
  })
  .regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');

const Region = z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, {
  error: (issue) => `"${issue.input}" is not an AWS region like us-east-1`,
});

const Duration = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : durationProblem(issue.input)) })
  .regex(DURATION_PATTERN, { error: (issue) => durationProblem(issue.input) })
  .transform(parseDuration);

const Timeout = Duration.refine((seconds) => seconds > 0, 'a timeout must be longer than 0s');

const Target = z.strictObject({
  account: AccountId,
  regions: z.array(Region).min(1, 'list at least one region'),
  /** Overrides the service's cluster in this target. */
  cluster: z.string().min(1).optional(),
  /** Overrides the service's ECS service name in this target. */
  service: z.string().min(1).optional(),
});

const Targets = z.array(Target).min(1, 'list at least one target');

/** The most targets of one wave that deploy at once. */
const MAX_WAVE_CONCURRENCY = 1000;

/**
 * `25%`: a share of the wave's targets, turned into a count once the wave's targets are known (normalizeWave). Its
 * field says what it takes when it is neither a count nor such a percentage.
 */
const Percentage = (min: number) =>
  z
    .string()
    .regex(/^\d{1,3}%$/)
    .transform((text) => Number(text.slice(0, -1)))
    .refine((percent) => percent >= min && percent <= 100)
    .transform((percent) => ({ percent }));

const Wave = z.strictObject({
  targets: Targets,
  /** How many targets deploy at once: a count, or a percentage of the wave's targets (at least one). */
  maxConcurrency: z
    .union([z.int().min(1).max(MAX_WAVE_CONCURRENCY), Percentage(1)], {
      error: `a count from 1 to ${MAX_WAVE_CONCURRENCY}, or a percentage of the wave's targets from 1% to 100%`,
    })
    .default(DEFAULT_MAX_CONCURRENCY),
  /** How many targets may fail before the wave does: a count, or a percentage of the wave's targets. */
  failureTolerance: z
    .union([z.int().min(0), Percentage(0)], {
      error: "a count of targets, or a percentage of the wave's targets from 0% to 100%",
    })
    .default(DEFAULT_FAILURE_TOLERANCE),
});

/**
 * A template a platform team publishes (`crossdeploy template check`): its name, its version, and the inputs its
 * `schema.json` declares; the loader checks the inputs against that schema.
 */
const TemplateRef = z.strictObject({
  name: z.string().regex(TEMPLATE_NAME, 'must be a template name (lower-case letters, digits and hyphens)'),
  version: z.string().regex(VERSION_PATTERN, 'must be a template version like v1.0'),
  inputs: z.record(z.string(), z.unknown()).default({}),
});

const EnvironmentInput = z
  .strictObject({
    /** The environment template its targets are provisioned from (VPC, cluster, roles). */
    template: TemplateRef.optional(),
    /** Shorthand for one wave with the default concurrency and no failure tolerance. */
    targets: Targets.optional(),
    waves: z.array(Wave).min(1, 'list at least one wave').optional(),
    bake: Duration.prefault('0s'),
    health: z
      .strictObject({
        alarms: z.array(z.string().min(1)).prefault([]),
        probe: z
          .url({ protocol: /^https?$/, error: 'probe must be an http(s) URL' })
          .superRefine((url, ctx) => {
            const reason = privateProbeReason(url);
            if (reason) ctx.addIssue({ code: 'custom', message: privateProbeMessage(reason) });
          })
          .optional(),
      })
      .prefault({}),
    approval: z
      .strictObject({
        topic: z.string().min(1),
        timeout: Timeout.prefault('24h'),
        /**
         * Who may roll back without waiting for an approver (`crossdeploy rollback --skip-approval`): IAM
         * principal ARNs as the caller's identity says them, `*` matching any run of characters.
         */
        skipAllowed: z.array(z.string().min(1)).default([]),
      })
      .optional(),
    rollout: z.strictObject({ timeout: Timeout.prefault('30m') }).prefault({}),
    /** What a newer commit does to a deployment still running in this environment. */
    concurrency: z.enum(['superseded', 'queued']).default('superseded'),
  })
  .superRefine((env, ctx) => {
    if (env.targets && env.waves) {
      ctx.addIssue({ code: 'custom', message: 'use either targets (one wave) or waves, not both' });
    } else if (!env.targets && !env.waves) {
      ctx.addIssue({ code: 'custom', message: 'list the targets, or waves of targets' });
    }
  });

const Source = z
  .strictObject({
    github: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'write the GitHub repository as owner/repo')
      .optional(),
    /**
     * The CodeConnections (GitHub App) connection that CodeBuild's source credential names, when it is one;
     * the service's build role may then use it.
     */
    connection: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:(?:codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/,
        'must be a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)',
      )
      .optional(),
    codecommit: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'must be a CodeCommit repository name')
      .optional(),
  })
  .transform((source, ctx): { github: string; connection?: string } | { codecommit: string } => {
    if (source.github !== undefined && source.codecommit === undefined) {
      return source.connection === undefined
        ? { github: source.github }
        : { github: source.github, connection: source.connection };
    }
    if (source.connection !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['connection'], message: 'a connection goes with a github source only' });
      return z.NEVER;
    }
    if (source.codecommit !== undefined && source.github === undefined) return { codecommit: source.codecommit };
    ctx.addIssue({
      code: 'custom',
      message: 'source must be exactly one of { github: owner/repo } or { codecommit: repo-name }',
    });
    return z.NEVER;
  });

const Platforms = z
  .array(
    z.enum(PLATFORMS, {
      error: (issue) => `"${String(issue.input)}" is not a platform crossdeploy builds (use ${PLATFORMS.join(' or ')})`,
    }),
  )
  .min(1, `list at least one platform (${PLATFORMS.join(', ')})`)
  .superRefine((platforms, ctx) => {
    platforms.forEach((platform, index) => {
      if (platforms.indexOf(platform) < index) {
        ctx.addIssue({ code: 'custom', path: [index], message: `platform "${platform}" is listed twice` });
      }
    });
  })
  .default([...DEFAULT_PLATFORMS]);

const Branches = z
  .record(z.string().min(1), z.array(Name).min(1, 'list at least one environment'))
  .refine((branches) => Object.keys(branches).length > 0, 'map at least one branch to environments');

const ServiceSchema = z.strictObject({
  /** An ECS service (the default): each push builds an image and rolls it out. */
  kind: z.literal('ecs').optional(),
  source: Source,
  /** The service template each target's service instance is created from. */
  template: TemplateRef.optional(),
  /** ECR repository in the orchestrator account. */
  repository: z
    .string()
    .regex(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'must be an ECR repository name'),
  /** The container whose image each deploy replaces. */
  container: z.string().min(1),
  cluster: z.string().min(1),
  service: z.string().min(1),
  /** Branch -> environments it deploys to, in order. */
  branches: Branches,
  /** Path of a task definition template (JSON), relative to the map file. */
  taskDefinition: z.string().min(1).optional(),
  paths: z.array(z.string().min(1)).optional(),
  test: z.string().min(1).optional(),
  /**
   * What the image is built for: every target's task definition must run on one of them. Two platforms
   * build one multi-platform image index.
   */
  platforms: Platforms,
});

/** A path inside the repository: relative, `/`-separated, never leaving it. */
const RepositoryPath = z
  .string()
  .min(1)
  .refine(
    (path) => !path.startsWith('/') && !path.split('/').some((part) => part === '..' || part === ''),
    'must be a path inside the repository, like infra/template.yaml',
  );

/**
 * An application stack: a CloudFormation template kept in the service's own repository (a Lambda function and its
 * role, say). Each push deploys the template at the pushed commit to the stack `crossdeploy-app-<service>-<env>` of
 * every target, in the environment's waves, with its gates, alarms and rollback.
 */
const ApplicationStackSchema = z.strictObject({
  kind: z.literal('stack'),
  source: Source,
  stack: z.strictObject({
    /** Where the template is in the repository. */
    template: RepositoryPath,
    /** Values of the template's parameters; the environment's stack outputs fill the ones it declares too. */
    parameters: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).default({}),
  }),
  branches: Branches,
  paths: z.array(z.string().min(1)).optional(),
  test: z.string().min(1).optional(),
});

const ServiceEntry = z.discriminatedUnion('kind', [ServiceSchema, ApplicationStackSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'kind is ecs (an ECS service, the default) or stack (an application stack from its repository)'
      : undefined,
});

const RoleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name');

const DeployRoleInput = z.union(
  [
    RoleName,
    z.strictObject({
      name: RoleName,
      externalId: z
        .string()
        .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be an STS external ID')
        .optional(),
    }),
  ],
  { error: 'deployRole is a role name, or { name: role-name, externalId: ... }' },
);

const Ecr = z
  .strictObject({
    registryPolicy: z
      .never({
        error:
          'ecr.registryPolicy was removed: it granted the target accounts ecr:ReplicateImage and ' +
          'ecr:CreateRepository on the tools registry, which gives them no pull and lets them write images into it. ' +
          'Delete the key: images now reach other regions by ECR replication, and the repository policy grants pulls',
      })
      .optional(),
    /** Grant pull access to the whole AWS Organization instead of listing target accounts. */
    principalOrgId: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, 'must be an AWS Organizations ID like o-a1b2c3d4e5')
      .optional(),
    /** Grant pull access to the accounts under these OU paths (`o-…/r-…/ou-…/`), instead of listing accounts. */
    principalOrgPaths: z
      .array(
        z
          .string()
          .regex(
            /^o-[a-z0-9]{10,32}\/r-[a-z0-9]{4,32}\/(?:ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}\/)*$/,
            'must be an OU path like o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/',
          ),
      )
      .min(1)
      .optional(),
  })
  .prefault({});

/** How the target-account stack reaches every account of the named OUs (a service-managed StackSet). */
const Bootstrap = z
  .strictObject({
    organizationalUnits: z
      .array(
        z
          .string()
          .regex(
            /^(?:ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/,
            'must be an OU id (ou-...) or root id (r-...)',
          ),
      )
      .min(1),
    /** The deploy role (global) is created in the first. */
    regions: z.array(Region).min(1, 'list at least one region'),
    /** Defaults to ecr.principalOrgId. */
    organizationId: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/)
      .optional(),
    serviceNamePrefix: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
    clusterNamePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{0,255}$/)
      .optional(),
    taskRoleArnPattern: z.string().regex(/^arn:aws[a-z-]*:iam::(\d{12}|\*):role\/[\w+=,.@/-]+[\w+=,.@/*-]*$/),
    /** Absent: the account's ecsTaskExecutionRole. */
    executionRoleArnPattern: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::(\d{12}|\*):role\/[\w+=,.@/-]+[\w+=,.@/*-]*$/)
      .optional(),
    /** The managed policies CloudFormation creates crossdeploy's stacks with in target accounts; none: no stacks. */
    stackExecutionPolicyArns: z
      .array(
        z.string().regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/, 'must be a managed policy ARN'),
      )
      .default([]),
    maxConcurrentPercentage: z.int().min(1).max(100).default(25),
    failureTolerancePercentage: z.int().min(0).max(100).default(0),
    callAs: z.enum(['SELF', 'DELEGATED_ADMIN']).default('DELEGATED_ADMIN'),
  })
  .optional();

const nonEmpty = (record: Record<string, unknown>) => Object.keys(record).length > 0;

const MapShape = z.strictObject(
  {
    orchestrator: z.strictObject({ account: AccountId, region: Region }),
    services: z.record(Name, ServiceEntry).refine(nonEmpty, 'define at least one service'),
    environments: z.record(Name, EnvironmentInput).refine(nonEmpty, 'define at least one environment'),
    /** Role assumed in each target account. */
    deployRole: DeployRoleInput,
    ecr: Ecr,
    bootstrap: Bootstrap,
    /** The platform team's templates folder, relative to the map file. */
    templates: z.string().min(1).default('templates'),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'the map must be a YAML mapping of settings' : undefined) },
);

type MapShape = z.output<typeof MapShape>;
type EnvironmentInput = z.output<typeof EnvironmentInput>;
type Path = Array<string | number>;

export const DeploymentMapSchema = MapShape.superRefine(checkReferences, { when: () => true })
  .transform(normalize)
  .superRefine(checkPolicySize)
  .superRefine(checkStackExecutionRole)
  .meta({ title: 'crossdeploy deployment map' });

export type SourceRef = z.output<typeof Source>;
export type Target = z.output<typeof Target>;
export type Wave = ReturnType<typeof normalizeWave>;
/** Always in wave form; `bake`, `approval.timeout` and `rollout.timeout` are in seconds. */
export type Environment = ReturnType<typeof normalizeEnvironment>;
export type Service = z.output<typeof ServiceSchema> & {
  /** The parsed `taskDefinition` file, filled in by the loader. */
  taskDefinitionTemplate?: Record<string, unknown>;
};
export type ApplicationStack = z.output<typeof ApplicationStackSchema>;
/**
 * The map's `services`, split by kind when it is loaded: `services` holds the ECS services, `applications` the
 * application stacks, so what reads ECS settings never meets a stack.
 */
export type DeploymentMap = Omit<z.output<typeof DeploymentMapSchema>, 'services' | 'applications'> & {
  services: Record<string, Service>;
  applications: Record<string, ApplicationStack>;
};

/** `environments.prod.waves[0].targets[1]`; keys that are not plain words are quoted: `branches["release/1.0"]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][\w-]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/** The segments of a path as formatPath writes it: `branches["release/1.0"][0]` is `branches`, `release/1.0`, 0. */
export function parsePath(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  const segment = /(?:^|\.)([A-Za-z_][\w-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  while (segment.lastIndex < path.length) {
    const match = segment.exec(path);
    if (!match) throw new Error(`"${path}" is not a path of the map`);
    const [, key, index, quoted] = match;
    segments.push(key ?? (index === undefined ? (JSON.parse(quoted as string) as string) : Number(index)));
  }
  return segments;
}

function normalize(map: MapShape) {
  const deployRole: DeployRole = typeof map.deployRole === 'string' ? { name: map.deployRole } : map.deployRole;
  const environments = Object.fromEntries(
    Object.entries(map.environments).map(([name, env]) => [name, normalizeEnvironment(env)]),
  );
  const services: Record<string, z.output<typeof ServiceSchema>> = {};
  const applications: Record<string, ApplicationStack> = {};
  for (const [name, entry] of Object.entries(map.services)) {
    if (entry.kind === 'stack') applications[name] = entry;
    else services[name] = entry;
  }
  return { ...map, services, applications, deployRole, environments };
}

function normalizeEnvironment({ targets, waves, ...settings }: EnvironmentInput) {
  const shorthand = {
    targets: targets ?? [],
    maxConcurrency: DEFAULT_MAX_CONCURRENCY,
    failureTolerance: DEFAULT_FAILURE_TOLERANCE,
  };
  return { ...settings, waves: (waves ?? [shorthand]).map(normalizeWave) };
}

/**
 * A wave's percentages as counts of its targets, as StackSets counts MaxConcurrentPercentage and
 * FailureTolerancePercentage: rounded down, and a concurrency that would round down to zero is one
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html).
 */
function normalizeWave(wave: z.output<typeof Wave>) {
  const size = wave.targets.reduce((count, target) => count + target.regions.length, 0);
  const share = (value: number | { percent: number }) =>
    typeof value === 'number' ? value : Math.floor((size * value.percent) / 100);
  return {
    ...wave,
    maxConcurrency: Math.min(MAX_WAVE_CONCURRENCY, Math.max(1, share(wave.maxConcurrency))),
    failureTolerance: share(wave.failureTolerance),
  };
}

// Runs on the map as written (`targets` or `waves`), so paths point at what the author wrote, and runs even
// when other parts are malformed, so one mistake does not hide the rest: hence it reads `unknown`.
function checkReferences(map: unknown, ctx: z.RefinementCtx): void {
  const { services, environments } = fields(map);
  const known = Object.keys(fields(environments));
  for (const [serviceName, service] of Object.entries(fields(services))) {
    for (const [branch, list] of Object.entries(fields(fields(service).branches))) {
      items(list).forEach((name, index) => {
        // Malformed names already have their own error.
        if (typeof name !== 'string' || !NAME.test(name)) return;
        const path = ['services', serviceName, 'branches', branch, index];
        if (!known.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `unknown environment "${name}" (environments: ${known.join(', ')})`,
          });
        } else if (items(list).indexOf(name) < index) {
          ctx.addIssue({ code: 'custom', path, message: `environment "${name}" is listed twice for this branch` });
        }
      });
    }
  }
  for (const [name, env] of Object.entries(fields(environments))) {
    const deployers = Object.values(fields(services))
      .map(fields)
      .filter((service) => Object.values(fields(service.branches)).some((list) => items(list).includes(name)))
      .map((service) => ({ cluster: text(service.cluster), service: text(service.service) }));
    checkDuplicateTargets(name, fields(env), deployers, ctx);
  }
}

// A target is its account, region, cluster and service once the service's defaults apply, and those
// differ per service; an environment no service deploys to is compared on what it says itself.
function checkDuplicateTargets(
  name: string,
  env: Record<string, unknown>,
  deployers: ReadonlyArray<Partial<Pick<TargetRef, 'cluster' | 'service'>>>,
  ctx: z.RefinementCtx,
): void {
  const lists: Array<{ path: Path; targets: unknown[] }> = Array.isArray(env.targets)
    ? [{ path: ['environments', name, 'targets'], targets: env.targets }]
    : items(env.waves).map((wave, index) => ({
        path: ['environments', name, 'waves', index, 'targets'],
        targets: items(fields(wave).targets),
      }));
  const reported = new Set<string>();
  for (const defaults of deployers.length > 0 ? deployers : [{}]) {
    const seen = new Map<string, Path>();
    for (const list of lists) {
      list.targets.map(fields).forEach((target, targetIndex) => {
        const account = text(target.account);
        if (account === undefined) return;
        items(target.regions).forEach((region, regionIndex) => {
          if (typeof region !== 'string') return;
          const ref: Partial<TargetRef> = {
            account,
            region,
            cluster: text(target.cluster) ?? defaults.cluster,
            service: text(target.service) ?? defaults.service,
          };
          const key = JSON.stringify([ref.account, ref.region, ref.cluster, ref.service]);
          const path = [...list.path, targetIndex, 'regions', regionIndex];
          const first = seen.get(key);
          if (!first) {
            seen.set(key, path);
          } else if (!reported.has(formatPath(path))) {
            reported.add(formatPath(path));
            ctx.addIssue({
              code: 'custom',
              path,
              message: `duplicate target (${describeTarget(ref)}): already listed at ${formatPath(first)}`,
            });
          }
        });
      });
    }
  }
}

// A grant that lists accounts adds one ARN per account to the repository policy, which ECR caps at 10,240
// characters (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SetRepositoryPolicy.html).
function checkPolicySize(map: ReturnType<typeof normalize>, ctx: z.RefinementCtx): void {
  if (map.ecr.principalOrgId !== undefined || map.ecr.principalOrgPaths !== undefined) return;
  for (const repository of new Set(Object.values(map.services).map((s) => s.repository))) {
    const accounts = new Set<string>();
    for (const service of Object.values(map.services).filter((s) => s.repository === repository)) {
      for (const name of new Set(Object.values(service.branches).flat())) {
        for (const wave of map.environments[name]?.waves ?? []) for (const t of wave.targets) accounts.add(t.account);
      }
    }
    if (accounts.size === 0) continue;
    const length = grantPolicyLength({ accounts: [...accounts] });
    if (length <= REPOSITORY_POLICY_MAX_LENGTH) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['ecr'],
      message:
        `repository "${repository}" is deployed to ${accounts.size} accounts: a pull grant naming each makes a ` +
        `repository policy of ${length} characters, and ECR accepts at most ${REPOSITORY_POLICY_MAX_LENGTH}. ` +
        'Set ecr.principalOrgId (or ecr.principalOrgPaths) to grant by organization',
    });
  }
}

// CloudFormation creates every stack crossdeploy deploys as the target's stack execution role, which the bootstrap
// creates only from the managed policies it is given (stacks/target-account.yaml): without them every stack
// deployment fails at its first change set (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html).
function checkStackExecutionRole(map: ReturnType<typeof normalize>, ctx: z.RefinementCtx): void {
  if (!map.bootstrap || map.bootstrap.stackExecutionPolicyArns.length > 0) return;
  const stacks = [
    ...Object.entries(map.environments)
      .filter(([, env]) => env.template)
      .map(([name]) => `environment ${name} names a template`),
    ...Object.entries(map.services)
      .filter(([, service]) => service.template)
      .map(([name]) => `service ${name} names a template`),
    ...Object.keys(map.applications).map((name) => `${name} is an application stack`),
  ];
  if (stacks.length === 0) return;
  ctx.addIssue({
    code: 'custom',
    path: ['bootstrap', 'stackExecutionPolicyArns'],
    message:
      `the map deploys stacks (${stacks.join('; ')}), but the bootstrap gives the target accounts no stack ` +
      'execution role, so every stack deployment would fail: list the managed policies CloudFormation may create ' +
      'their resources with',
  });
}

function fields(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

function items(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
