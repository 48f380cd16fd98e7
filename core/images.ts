// Where a service's image lives: the repository in the tools account's region, and a replica of it in every
// other region a target of the map runs in. ECS pulls from the target's own region, so a task never needs a
// route to another region's ECR endpoints (VPC endpoints are regional:
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html).

import type { EcrAccess, PinnedImage } from './contracts';
import type { PullGrant } from './ecr-policy';
import type { DeploymentMap } from './map/schema';
import { ecrRegistryHost } from './partition';

/** The shape of ECR's PutReplicationConfiguration `replicationConfiguration`. */
export interface ReplicationConfiguration {
  rules: {
    destinations: { region: string; registryId: string }[];
    repositoryFilters: { filter: string; filterType: 'PREFIX_MATCH' }[];
  }[];
}

/** Every account and region the map deploys a repository's images to, each once, sorted. */
export function repositoryPullers(
  map: Pick<DeploymentMap, 'services' | 'environments'>,
  repository: string,
): { accounts: string[]; regions: string[] } {
  const accounts = new Set<string>();
  const regions = new Set<string>();
  for (const service of Object.values(map.services)) {
    if (service.repository !== repository) continue;
    for (const name of new Set(Object.values(service.branches).flat())) {
      for (const target of (map.environments[name]?.waves ?? []).flatMap((wave) => wave.targets)) {
        accounts.add(target.account);
        for (const region of target.regions) regions.add(region);
      }
    }
  }
  return { accounts: [...accounts].sort(), regions: [...regions].sort() };
}

/**
 * The tools registry's replication rules: each repository goes to every region its targets run in besides
 * the tools account's own (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html).
 * Repositories that go to the same regions share a rule. The SST app writes these, and the local runtime
 * writes the same into moto and replicates by them.
 */
export function replicationRules(
  map: Pick<DeploymentMap, 'orchestrator' | 'services' | 'environments'>,
): ReplicationConfiguration {
  const byDestinations = new Map<string, { regions: string[]; repositories: string[] }>();
  for (const repository of [...new Set(Object.values(map.services).map((s) => s.repository))].sort()) {
    const regions = repositoryPullers(map, repository).regions.filter((r) => r !== map.orchestrator.region);
    if (regions.length === 0) continue;
    const key = regions.join(',');
    const group = byDestinations.get(key) ?? { regions, repositories: [] };
    group.repositories.push(repository);
    byDestinations.set(key, group);
  }
  return {
    rules: [...byDestinations.values()].map(({ regions, repositories }) => ({
      destinations: regions.map((region) => ({ region, registryId: map.orchestrator.account })),
      repositoryFilters: repositories.map((filter) => ({ filter, filterType: 'PREFIX_MATCH' as const })),
    })),
  };
}

/**
 * The same image, pinned by the same digest, in `region`'s registry of the same account: a replica keeps
 * the digest of the image it copies.
 */
export function imageIn<I extends PinnedImage>(image: I, region: string): I {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?)\/(.+)$/.exec(image.repositoryUri);
  if (!match) throw new Error(`"${image.repositoryUri}" is not an ECR private repository URI`);
  const [, account, , , repository] = match;
  const repositoryUri = `${ecrRegistryHost(account as string, region)}/${repository}`;
  return { ...image, repositoryUri, uri: `${repositoryUri}@${image.digest}` };
}

/** An image in an ECR private registry, as a task definition names it: by digest, by tag, or `latest`. */
export interface EcrImageRef {
  account: string;
  region: string;
  repository: string;
  reference: { imageDigest: string } | { imageTag: string };
}

/**
 * `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>` with `@sha256:…`, `:<tag>` or neither; undefined
 * for other registries (public.ecr.aws, Docker Hub).
 */
export function ecrImageOf(uri: string): EcrImageRef | undefined {
  const match =
    /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)(?:@(sha256:[0-9a-f]{64})|:([\w.-]+))?$/.exec(
      uri,
    );
  if (!match) return undefined;
  const [, account = '', region = '', repository = '', imageDigest, imageTag] = match;
  const reference = imageDigest ? { imageDigest } : { imageTag: imageTag ?? 'latest' };
  return { account, region, repository, reference };
}

/** How a repository policy grants the map's accounts pull: by OU paths, by organization, or account by account. */
export function pullGrantOf(ecr: Pick<EcrAccess, 'accounts' | 'principalOrgId' | 'principalOrgPaths'>): PullGrant {
  if (ecr.principalOrgPaths !== undefined) return { principalOrgPaths: [...ecr.principalOrgPaths] };
  if (ecr.principalOrgId !== undefined) return { principalOrgId: ecr.principalOrgId };
  return { accounts: [...ecr.accounts] };
}

/** Tags on an image that runs somewhere start so; the lifecycle policy never counts them among dev builds. */
export const DEPLOYED_TAG_PREFIX = 'deployed-';

/**
 * `deployed-prod-<commit>`: one tag per environment and commit, so the revision a rollback returns to keeps
 * its own tag when a newer one ships. ECR image tags allow 300 characters.
 */
export function deployedTag(environment: string, commit: string): string {
  return `${DEPLOYED_TAG_PREFIX}${environment}-${commit}`.slice(0, 300);
}
