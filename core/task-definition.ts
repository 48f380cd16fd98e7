// The next revision is the current one with a single image swapped, so everything else a team tuned by hand
// (secrets, log routing, sidecars, sizes) survives a deployment.

import { ContainerNotFound, InvalidStepInput } from './errors';

/** The fields of an ECS `ContainerDefinition` read here; the rest are carried over untouched. */
export interface ContainerDefinitionLike {
  name?: string;
  image?: string;
}

/** A DescribeTaskDefinition `taskDefinition`, or a template in the RegisterTaskDefinition shape. */
export interface TaskDefinitionLike {
  taskDefinitionArn?: string;
  family?: string;
  containerDefinitions?: ContainerDefinitionLike[];
}

/** RegisterTaskDefinition input: every carried-over field besides the two it requires. */
export interface RegisterTaskDefinitionInputLike {
  family: string;
  containerDefinitions: ContainerDefinitionLike[];
  [field: string]: unknown;
}

export const COMMIT_TAG = 'crossdeploy:commit';
export const DEPLOYMENT_ID_TAG = 'crossdeploy:deployment-id';

// DescribeTaskDefinition returns these, RegisterTaskDefinition rejects them.
const READ_ONLY_FIELDS = new Set([
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
]);

export function deriveTaskDefinition(
  current: TaskDefinitionLike,
  container: string,
  imageUri: string,
): RegisterTaskDefinitionInputLike {
  const source = current.taskDefinitionArn ?? current.family ?? 'template';
  const containers = Array.isArray(current.containerDefinitions) ? current.containerDefinitions : [];
  if (!containers.some((c) => c.name === container)) {
    throw new ContainerNotFound(
      container,
      source,
      containers.flatMap((c) => c.name ?? []),
    );
  }
  const family = current.family ?? (current.taskDefinitionArn && familyOf(current.taskDefinitionArn));
  if (!family) throw new InvalidStepInput('the task definition has neither a family nor a taskDefinitionArn');
  const kept = Object.entries(current).filter(([field]) => !READ_ONLY_FIELDS.has(field));
  return {
    ...withoutEmpty(Object.fromEntries(kept)),
    family,
    containerDefinitions: containers.map((c) =>
      c.name === container ? { ...withoutEmpty(c), image: imageUri } : withoutEmpty(c),
    ),
  };
}

export function revisionTags(commit: string, deploymentId: string): { key: string; value: string }[] {
  return [
    { key: COMMIT_TAG, value: commit },
    { key: DEPLOYMENT_ID_TAG, value: deploymentId },
  ];
}

/** Tag limits of an ECS resource: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html */
export const MAX_TAGS = 50;
const RESERVED_TAG_PREFIX = /^aws:/i;

export interface TagLike {
  key?: string;
  value?: string;
}

/**
 * The tags of the new revision: the ones the team put on the revision the service runs (cost allocation,
 * ownership), later tags winning over earlier ones of the same key, then crossdeploy's own, which win on a
 * conflict. ECS reserves keys and values starting with `aws:` (they cannot be set, and ECS adds them itself),
 * and takes at most 50 tags: the ones that do not fit are dropped and returned, so the step can say so.
 */
export function mergeRevisionTags(
  inherited: readonly TagLike[] | undefined,
  own: readonly { key: string; value: string }[],
): { tags: { key: string; value: string }[]; dropped: string[] } {
  const byKey = new Map<string, string>();
  for (const { key, value = '' } of inherited ?? []) {
    if (!key || RESERVED_TAG_PREFIX.test(key) || RESERVED_TAG_PREFIX.test(value)) continue;
    byKey.delete(key);
    byKey.set(key, value);
  }
  for (const { key } of own) byKey.delete(key);
  const kept = [...byKey].map(([key, value]) => ({ key, value }));
  const room = Math.max(0, MAX_TAGS - own.length);
  return { tags: [...own, ...kept.slice(0, room)], dropped: kept.slice(room).map((tag) => tag.key) };
}

export function deploymentIdOf(tags: { key?: string; value?: string }[] | undefined): string | undefined {
  return tags?.find((tag) => tag.key === DEPLOYMENT_ID_TAG)?.value;
}

/** `arn:aws:ecs:r:a:task-definition/web:7`, `web:7` and `web` all name the family `web`. */
export function familyOf(taskDefinitionArn: string): string {
  const family = taskDefinitionArn.slice(taskDefinitionArn.lastIndexOf('/') + 1).replace(/:\d+$/, '');
  if (family === '' || family.includes(':')) {
    throw new InvalidStepInput(`"${taskDefinitionArn}" is not a task definition ARN`);
  }
  return family;
}

/** A deep copy without undefined and null fields: SDK objects carry both, RegisterTaskDefinition takes neither. */
function withoutEmpty<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutEmpty) as T;
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== undefined && field !== null)
      .map(([key, field]) => [key, withoutEmpty(field)]),
  ) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
