import { describe, expect, it } from 'vitest';
import { changeSetNameOf } from '../../../core/stacks/names';

describe('changeSetNameOf', () => {
  it.each([
    ['a deployment id as it is', 'web-main-3f2a9c1-ab12cd34-dev', 'crossdeploy-web-main-3f2a9c1-ab12cd34-dev'],
    [
      "a branch's underscore as a hyphen",
      'web-feature_x-3f2a9c1-ab12cd34-dev',
      'crossdeploy-web-feature-x-3f2a9c1-ab12cd34-dev',
    ],
    ['a rollback of it', 'env-dev-v1-0-ab12cd34-rollback', 'crossdeploy-env-dev-v1-0-ab12cd34-rollback'],
    ['at most 128 characters', 'x'.repeat(200), `crossdeploy-${'x'.repeat(116)}`],
  ])('names %s', (_, deploymentId, name) => {
    expect(changeSetNameOf(deploymentId)).toBe(name);
    expect(changeSetNameOf(deploymentId)).toMatch(/^[A-Za-z][-A-Za-z0-9]{0,127}$/);
  });
});
