import { describe, expect, it } from 'vitest';
import { withTemplateVersions } from '../../core/map/edit';

const MAP = `# The platform team's map
environments:
  dev:
    # network for every account
    template: { name: network, version: v1.0, inputs: { ClusterName: dev } }
    targets: [{ account: "222222222222", regions: [us-east-1] }]
  prod:
    template:
      name: network
      version: v1.0   # pinned until the review
      inputs: { ClusterName: prod }
`;

describe('withTemplateVersions', () => {
  it('changes only the versions it is given, keeping comments and layout', () => {
    const edited = withTemplateVersions(MAP, [
      { section: 'environments', instance: 'dev', version: 'v1.1' },
      { section: 'environments', instance: 'prod', version: 'v1.1' },
    ]);

    expect(edited).toBe(
      MAP.replace('version: v1.0, inputs', 'version: v1.1, inputs').replace(
        'version: v1.0   # pinned',
        'version: v1.1   # pinned',
      ),
    );
  });

  it('refuses an instance that names no template', () => {
    expect(() => withTemplateVersions(MAP, [{ section: 'environments', instance: 'qa', version: 'v1.1' }])).toThrow(
      'environments.qa names no template to upgrade',
    );
  });
});
