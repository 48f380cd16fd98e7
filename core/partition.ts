// Which AWS partition a region belongs to, and so how its ARNs and endpoints are spelled. China and GovCloud
// regions have partitions of their own: ARNs start `arn:aws-cn:` and `arn:aws-us-gov:`
// (https://docs.aws.amazon.com/general/latest/gr/aws-arns-and-namespaces.html,
// https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/using-govcloud-arns.html), and China's endpoints end
// in `amazonaws.com.cn` (https://docs.amazonaws.cn/en_us/general/latest/gr/rande.html).

export interface Partition {
  /** What an ARN names after `arn:`. */
  name: 'aws' | 'aws-cn' | 'aws-us-gov';
  /** What service endpoints end in, e.g. `111111111111.dkr.ecr.<region>.<dnsSuffix>`. */
  dnsSuffix: 'amazonaws.com' | 'amazonaws.com.cn';
}

export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return { name: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-')) return { name: 'aws-us-gov', dnsSuffix: 'amazonaws.com' };
  return { name: 'aws', dnsSuffix: 'amazonaws.com' };
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`, the partition taken from the region. */
export function arnIn(region: string, service: string, account: string, resource: string): string {
  return `arn:${partitionOf(region).name}:${service}:${region}:${account}:${resource}`;
}

/** An IAM ARN (IAM is global, so it has no region of its own; the partition still comes from one). */
export function iamArnIn(region: string, account: string, resource: string): string {
  return `arn:${partitionOf(region).name}:iam::${account}:${resource}`;
}

/** `111111111111.dkr.ecr.us-east-1.amazonaws.com`: the registry host of an account in a region. */
export function ecrRegistryHost(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.${partitionOf(region).dnsSuffix}`;
}
