import { describe, expect, it } from 'vitest';
import { catalogOf, incompatibleMinors } from '../../../core/templates/catalog';
import type { InputSchema } from '../../../core/templates/inputs';
import { formatVersion, type TemplateVersion } from '../../../core/templates/version';

const files = (...versions: string[]) => versions.flatMap((v) => [`${v}/template.yaml`, `${v}/schema.json`]);

describe('catalogOf', () => {
  it('lists each template with its versions, oldest first', () => {
    const catalog = catalogOf([
      ...files('services/web/v1.10', 'services/web/v1.2', 'services/web/v2.0'),
      ...files('environments/apps/v1.0'),
    ]);
    expect(catalog.problems).toEqual([]);
    expect(catalog.templates.map((t) => [t.kind, t.name, t.versions.map(formatVersion)])).toEqual([
      ['environments', 'apps', ['v1.0']],
      ['services', 'web', ['v1.2', 'v1.10', 'v2.0']],
    ]);
  });

  it.each([
    [
      'a file outside a version',
      'services/web/README.md',
      'templates live at <environments|services>/<name>/vN.M/<file>',
    ],
    ['an unknown kind', 'pipelines/web/v1.0/template.yaml', 'templates live at'],
    ['a version that is not vN.M', 'services/web/1.0/template.yaml', '"1.0" is not a template version'],
    ['a name with capitals', 'services/Web/v1.0/template.yaml', '"Web" is not a template name'],
    [
      'a third file in a version',
      'services/web/v1.0/params.json',
      'a version holds template.yaml and schema.json only',
    ],
  ])('refuses %s, naming the path', (_, path, problem) => {
    const { problems } = catalogOf([...files('services/web/v1.0'), path]);
    expect(problems).toEqual([expect.stringContaining(`${path}: ${problem}`)]);
  });

  it('says which file a version is missing', () => {
    expect(catalogOf(['services/web/v1.0/template.yaml']).problems).toEqual([
      'services/web/v1.0: schema.json is missing',
    ]);
  });
});

describe('incompatibleMinors', () => {
  const port = (minimum: number): InputSchema => ({
    type: 'object',
    properties: { port: { type: 'integer', minimum } },
  });
  const schemas: Record<string, InputSchema> = {
    'v1.0': port(1),
    'v1.1': port(1024),
    'v2.0': port(2048),
    'v2.1': port(1),
  };
  const schemaOf = (version: TemplateVersion) => schemas[formatVersion(version)] as InputSchema;
  const { templates } = catalogOf(
    files('services/web/v1.0', 'services/web/v1.1', 'services/web/v2.0', 'services/web/v2.1'),
  );

  it('refuses a minor that breaks the minor before it, and lets a major change what it likes', () => {
    const [web] = templates;
    if (!web) throw new Error('fixture');
    expect(incompatibleMinors(web, schemaOf)).toEqual([
      'services/web/v1.1: input "port" accepts less: minimum 1 → 1024 since v1.0 (a minor version keeps its major\'s inputs; publish v2.0 instead)',
    ]);
  });
});
