import { describe, expect, it } from 'vitest';
import { deployRoleArn } from '../../aws/deploy-role';
import { mergeRepositoryPolicy } from '../../core/ecr-policy';
import { imageIn } from '../../core/images';
import { arnIn, ecrRegistryHost, iamArnIn, partitionOf } from '../../core/partition';
import { buildSourceOf } from '../../core/pipeline-plan';

describe('partitionOf', () => {
  it.each([
    ['us-east-1', 'aws', 'amazonaws.com'],
    ['eu-west-1', 'aws', 'amazonaws.com'],
    ['cn-north-1', 'aws-cn', 'amazonaws.com.cn'],
    ['cn-northwest-1', 'aws-cn', 'amazonaws.com.cn'],
    ['us-gov-west-1', 'aws-us-gov', 'amazonaws.com'],
    ['us-gov-east-1', 'aws-us-gov', 'amazonaws.com'],
  ])('puts %s in partition %s with endpoints under %s', (region, name, dnsSuffix) => {
    expect(partitionOf(region)).toEqual({ name, dnsSuffix });
  });
});

describe('ARNs and hosts', () => {
  it('spells ARNs with the partition of their region', () => {
    expect(arnIn('cn-north-1', 'sns', '111111111111', 'approvals')).toBe(
      'arn:aws-cn:sns:cn-north-1:111111111111:approvals',
    );
    expect(arnIn('us-gov-west-1', 'ecs', '222222222222', 'service/c/web')).toBe(
      'arn:aws-us-gov:ecs:us-gov-west-1:222222222222:service/c/web',
    );
  });

  it('spells IAM ARNs without a region but with the partition', () => {
    expect(iamArnIn('us-gov-east-1', '222222222222', 'role/crossdeploy-deploy')).toBe(
      'arn:aws-us-gov:iam::222222222222:role/crossdeploy-deploy',
    );
    expect(iamArnIn('us-east-1', '222222222222', 'root')).toBe('arn:aws:iam::222222222222:root');
  });

  it('names the ECR registry host under the region partition domain', () => {
    expect(ecrRegistryHost('111111111111', 'cn-north-1')).toBe('111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn');
    expect(ecrRegistryHost('111111111111', 'eu-west-1')).toBe('111111111111.dkr.ecr.eu-west-1.amazonaws.com');
  });
});

describe('ARNs crossdeploy writes, in China and GovCloud', () => {
  it('grants pulls to account roots of the partition the repository lives in', () => {
    const { policy } = mergeRepositoryPolicy(undefined, { accounts: ['222222222222'] }, 'aws-cn');
    expect(JSON.parse(policy).Statement[0].Principal.AWS).toEqual(['arn:aws-cn:iam::222222222222:root']);
  });

  it('names the deploy role in the partition of the target region', () => {
    expect(deployRoleArn('222222222222', { name: 'crossdeploy-deploy' }, 'us-gov-west-1')).toBe(
      'arn:aws-us-gov:iam::222222222222:role/crossdeploy-deploy',
    );
  });

  it("names a China region's image in its own registry domain", () => {
    const image = {
      repositoryUri: '111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/web',
      digest: 'sha256:ab',
      uri: '',
    };
    expect(imageIn(image, 'cn-northwest-1').uri).toBe(
      '111111111111.dkr.ecr.cn-northwest-1.amazonaws.com.cn/web@sha256:ab',
    );
  });

  it('checks CodeCommit sources out of the China domain', () => {
    expect(buildSourceOf({ codecommit: 'web' }, 'cn-north-1').location).toBe(
      'https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/web',
    );
  });
});
