// The repositories' lifecycle policy (stacks/images.ts), evaluated by ECR's documented rules
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html): rules apply in priority
// order, an image is expired by at most one rule, and an image that matches the tagging requirements of a
// higher-priority rule cannot be expired by a rule with a lower priority.
import { describe, expect, it } from 'vitest';
import { deployedTag } from '../../core/images';
import { DEPLOYED_IMAGES_KEPT, ECR_LIFECYCLE_POLICY, IMAGES_KEPT } from '../../stacks/images';

interface Image {
  digest: string;
  tags: string[];
  pushedAt: number;
}

interface Rule {
  rulePriority: number;
  selection: {
    tagStatus: 'tagged' | 'untagged' | 'any';
    tagPrefixList?: string[];
    countType: string;
    countNumber: number;
  };
  action: { type: string };
}

/** The digests ECR would expire from `images` under `policy` (count rules only, as crossdeploy writes). */
function expired(policy: string, images: Image[]): string[] {
  const rules = (JSON.parse(policy) as { rules: Rule[] }).rules.sort((a, b) => a.rulePriority - b.rulePriority);
  const claimed = new Set<string>();
  const gone = new Set<string>();
  for (const { selection } of rules) {
    expect(selection.countType).toBe('imageCountMoreThan');
    const matching = images
      .filter((image) => !claimed.has(image.digest))
      .filter((image) => {
        if (selection.tagStatus === 'any') return true;
        if (selection.tagStatus === 'untagged') return image.tags.length === 0;
        return (selection.tagPrefixList ?? []).every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)));
      })
      .sort((a, b) => b.pushedAt - a.pushedAt);
    for (const image of matching) claimed.add(image.digest);
    for (const image of matching.slice(selection.countNumber)) gone.add(image.digest);
  }
  return [...gone].sort();
}

const build = (n: number, tags: string[] = [`${n}`.padStart(40, 'c')]): Image => ({
  digest: `sha256:${String(n).padStart(64, '0')}`,
  tags,
  pushedAt: n,
});

describe('ECR lifecycle policy of every repository and replica', () => {
  it('never expires the image prod runs, nor the one its rollback returns to, however many dev builds follow', () => {
    const previous = build(1, ['a'.repeat(40), deployedTag('prod', 'a'.repeat(40))]);
    const current = build(2, ['b'.repeat(40), deployedTag('prod', 'b'.repeat(40)), deployedTag('dev', 'b'.repeat(40))]);
    const devBuilds = Array.from({ length: IMAGES_KEPT + 30 }, (_, i) => build(10 + i));

    const gone = expired(ECR_LIFECYCLE_POLICY, [previous, current, ...devBuilds]);

    expect(gone).not.toContain(previous.digest);
    expect(gone).not.toContain(current.digest);
    // The dev builds beyond the last 50 of them do expire.
    expect(gone).toEqual(
      devBuilds
        .slice(0, 30)
        .map((image) => image.digest)
        .sort(),
    );
  });

  it('bounds the deployed images it keeps, expiring the oldest beyond that', () => {
    const deployed = Array.from({ length: DEPLOYED_IMAGES_KEPT + 2 }, (_, i) =>
      build(i, [deployedTag('prod', `${i}`.padStart(40, 'd'))]),
    );

    expect(expired(ECR_LIFECYCLE_POLICY, deployed)).toEqual([deployed[0]?.digest, deployed[1]?.digest].sort());
  });

  it('puts the rule on any tag status last, as ECR requires', () => {
    const rules = (JSON.parse(ECR_LIFECYCLE_POLICY) as { rules: Rule[] }).rules;
    const any = rules.filter((rule) => rule.selection.tagStatus === 'any');
    expect(any).toHaveLength(1);
    expect(any[0]?.rulePriority).toBe(Math.max(...rules.map((rule) => rule.rulePriority)));
  });
});
