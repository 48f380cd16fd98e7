// The images' copies in other regions: the tools registry's replication rules (core/images.ts, the same rules
// the local runtime follows), and the replica repositories, created here rather than by replication so they
// have the repository's settings. A repository ECR creates while replicating gets only what a repository
// creation template gives it (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html);
// one that exists keeps its own. A lifecycle policy acts only in its own region
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/lp_creation.html), so each replica gets one.
import { replicationRules } from '../core/images';
import { ECR_LIFECYCLE_POLICY } from './images';
import { type MapForStack, type OrchestratorNames, resourceIds } from './names';

export function createReplicas(
  names: Pick<OrchestratorNames, 'repositories' | 'repositoryRegions'>,
  map: MapForStack,
): aws.ecr.ReplicationConfiguration | undefined {
  const providers = new Map<string, aws.Provider>();
  const providerIn = (region: string) => {
    const provider =
      providers.get(region) ?? new aws.Provider(`${resourceIds([region]).get(region)}Provider`, { region });
    providers.set(region, provider);
    return provider;
  };
  const ids = resourceIds(names.repositories);
  const replicas: aws.ecr.Repository[] = [];
  for (const repository of names.repositories) {
    for (const region of names.repositoryRegions[repository] ?? []) {
      if (region === map.orchestrator.region) continue;
      const id = `${ids.get(repository)}Replica${resourceIds([region]).get(region)}`;
      const provider = providerIn(region);
      const replica = new aws.ecr.Repository(
        `${id}Repository`,
        { name: repository, imageScanningConfiguration: { scanOnPush: true }, forceDelete: $app.stage !== 'prod' },
        { provider },
      );
      new aws.ecr.LifecyclePolicy(
        `${id}RepositoryLifecycle`,
        { repository: replica.name, policy: ECR_LIFECYCLE_POLICY },
        { provider },
      );
      replicas.push(replica);
    }
  }
  const { rules } = replicationRules(map);
  if (rules.length === 0) return undefined;
  return new aws.ecr.ReplicationConfiguration(
    'ImageReplication',
    { replicationConfiguration: { rules } },
    // Images pushed before the rules exist are never replicated; replicas land in the repositories above.
    { dependsOn: replicas },
  );
}
