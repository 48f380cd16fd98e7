// ECR's cross-region replication, which moto stores (PutReplicationConfiguration) but never carries out. An
// image pushed where a replication rule applies is copied to each destination region the way ECR does it:
// later, with the same manifest, digest and tag (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html).
// "Later" is the first look at the destination: that look still misses the replica, the next one finds it,
// so a deployment that must wait for its replica does wait, on every run alike.

import type { Where } from './faults';
import { type MotoApi, MotoError } from './moto-api';

interface PutImageRequest {
  repositoryName?: string;
  imageManifest?: string;
  imageManifestMediaType?: string;
  imageTag?: string;
  imageDigest?: string;
}

interface ReplicationRule {
  destinations?: { region?: string; registryId?: string }[];
  repositoryFilters?: { filter?: string; filterType?: string }[];
}

interface PendingReplica {
  to: Where;
  image: PutImageRequest & { repositoryName: string };
}

/** The ECR calls after which a look at a repository has happened. */
const LOOKS = new Set(['DescribeImages', 'BatchGetImage', 'ListImages']);

export class Replication {
  #pending: PendingReplica[] = [];

  constructor(private readonly moto: MotoApi) {}

  reset(): void {
    this.#pending = [];
  }

  /** Called with every ECR call once moto has answered it: pushes that succeeded, and looks that did or did not. */
  async after(where: Where, operation: string, request: unknown, succeeded: boolean): Promise<void> {
    const body = (request ?? {}) as PutImageRequest;
    if (operation === 'PutImage' && succeeded && body.repositoryName && body.imageManifest) {
      await this.#pushed(where, { ...body, repositoryName: body.repositoryName });
    } else if (LOOKS.has(operation) && body.repositoryName) {
      await this.#looked(where, body.repositoryName);
    }
  }

  /** Only rules in place when the image is pushed replicate it, as in ECR. */
  async #pushed(from: Where, image: PendingReplica['image']): Promise<void> {
    const { replicationConfiguration } = await this.moto.ecr<{
      replicationConfiguration?: { rules?: ReplicationRule[] };
    }>(from, 'DescribeRegistry', {});
    for (const rule of replicationConfiguration?.rules ?? []) {
      const matches = (rule.repositoryFilters ?? []).some(
        (f) => f.filterType === 'PREFIX_MATCH' && f.filter !== undefined && image.repositoryName.startsWith(f.filter),
      );
      // A rule without filters replicates every repository.
      if (!matches && (rule.repositoryFilters ?? []).length > 0) continue;
      for (const destination of rule.destinations ?? []) {
        const to = { account: destination.registryId ?? from.account, region: destination.region ?? from.region };
        if (to.account === from.account && to.region === from.region) continue;
        this.#pending.push({ to, image });
      }
    }
  }

  async #looked(where: Where, repositoryName: string): Promise<void> {
    const due = this.#pending.filter(
      (p) =>
        p.to.account === where.account && p.to.region === where.region && p.image.repositoryName === repositoryName,
    );
    this.#pending = this.#pending.filter((p) => !due.includes(p));
    for (const { to, image } of due) {
      await ignoring('RepositoryAlreadyExistsException', () =>
        this.moto.ecr(to, 'CreateRepository', { repositoryName: image.repositoryName }),
      );
      await ignoring('ImageAlreadyExistsException', () =>
        this.moto.ecr(to, 'PutImage', {
          repositoryName: image.repositoryName,
          imageManifest: image.imageManifest,
          ...(image.imageManifestMediaType && { imageManifestMediaType: image.imageManifestMediaType }),
          ...(image.imageTag && { imageTag: image.imageTag }),
          ...(image.imageDigest && { imageDigest: image.imageDigest }),
        }),
      );
    }
  }
}

async function ignoring(code: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof MotoError && error.code === code)) throw error;
  }
}
