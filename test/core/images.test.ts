import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ecrImageOf, imageIn, replicationRules, repositoryPullers } from '../../core/images';
import { loadMapFile } from '../../core/map/load';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const image = {
  repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/team/web',
  digest: DIGEST,
  uri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/team/web@${DIGEST}`,
};

const mapOf = (file: string) => loadMapFile(fileURLToPath(new URL(file, import.meta.url)));

describe('imageIn', () => {
  it("names the same digest in the target region's registry of the tools account", () => {
    expect(imageIn(image, 'eu-west-1')).toEqual({
      repositoryUri: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/team/web',
      digest: DIGEST,
      uri: `111111111111.dkr.ecr.eu-west-1.amazonaws.com/team/web@${DIGEST}`,
    });
  });

  it('keeps the image as it is in its own region', () => {
    expect(imageIn(image, 'us-east-1')).toEqual(image);
  });

  it("uses a China region's own domain", () => {
    expect(imageIn(image, 'cn-north-1').uri).toBe(
      `111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/team/web@${DIGEST}`,
    );
  });

  it('refuses an image outside ECR private registries', () => {
    expect(() => imageIn({ ...image, repositoryUri: 'public.ecr.aws/nginx/nginx' }, 'eu-west-1')).toThrow(
      /not an ECR private repository URI/,
    );
  });
});

describe('replicationRules', () => {
  it("replicates the example map's repository to every target region besides the tools account's", () => {
    expect(replicationRules(mapOf('../../crossdeploy.yaml'))).toEqual({
      rules: [
        {
          destinations: [{ region: 'eu-west-1', registryId: '111111111111' }],
          repositoryFilters: [{ filter: 'web', filterType: 'PREFIX_MATCH' }],
        },
      ],
    });
  });

  it('replicates each repository only to the regions its own targets run in', () => {
    const map = mapOf('../fixtures/maps/valid.yaml');

    expect(repositoryPullers(map, 'acme/api')).toEqual({
      accounts: ['222222222222', '333333333333', '444444444444'],
      regions: ['ap-southeast-2', 'eu-west-1', 'us-east-1'],
    });
    expect(replicationRules(map).rules).toEqual([
      {
        destinations: [
          { region: 'ap-southeast-2', registryId: '111111111111' },
          { region: 'eu-west-1', registryId: '111111111111' },
        ],
        repositoryFilters: [{ filter: 'acme/api', filterType: 'PREFIX_MATCH' }],
      },
    ]);
  });
});

describe('ecrImageOf', () => {
  const DIGEST = `sha256:${'cd'.repeat(32)}`;

  it('reads private ECR image URIs by digest, by tag or as latest, and leaves other registries alone', () => {
    expect(ecrImageOf(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/web@${DIGEST}`)).toEqual({
      account: '111111111111',
      region: 'eu-west-1',
      repository: 'web',
      reference: { imageDigest: DIGEST },
    });
    expect(ecrImageOf('111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/team/web:v2')?.reference).toEqual({
      imageTag: 'v2',
    });
    expect(ecrImageOf('111111111111.dkr.ecr.us-east-1.amazonaws.com/web')?.reference).toEqual({ imageTag: 'latest' });
    expect(ecrImageOf('public.ecr.aws/nginx/nginx:1.27')).toBeUndefined();
  });
});
