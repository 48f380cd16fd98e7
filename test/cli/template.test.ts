import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run as template } from '../../cli/template';
import { capture } from '../support/cli';

const FIXTURES = fileURLToPath(new URL('../fixtures/templates', import.meta.url));

/** A copy of the fixture templates folder, changed by `change`, in a folder of its own. */
function templatesFolder(change: (dir: string) => void = () => {}): string {
  const root = mkdtempSync(join(tmpdir(), 'crossdeploy-templates-'));
  cpSync(FIXTURES, join(root, 'templates'), { recursive: true });
  change(join(root, 'templates'));
  return root;
}

describe('crossdeploy template check', () => {
  it('lists each template with its versions when every version is valid', async () => {
    const { io, out, err } = capture(templatesFolder());
    expect(await template(['check'], io)).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([
      'environments/apps  v1.0',
      'services/web  v1.0 v1.1',
      'templates is valid: 2 templates, 3 versions',
    ]);
  });

  it('refuses a minor that breaks the inputs of the minor before it, saying to publish a major', async () => {
    const root = templatesFolder((dir) =>
      writeFileSync(
        join(dir, 'services/web/v1.1/schema.json'),
        JSON.stringify({ type: 'object', required: ['Port'], properties: { Port: { type: 'string' } } }),
      ),
    );
    const { io, err } = capture(root);
    expect(await template(['check'], io)).toBe(1);
    expect(err).toEqual([
      'templates/services/web/v1.1: input "Port" changed type from "integer" to "string" since v1.0 (a minor version keeps its major\'s inputs; publish v2.0 instead)',
    ]);
  });

  it("passes cfn-lint's findings on, with the file and line", async () => {
    const root = templatesFolder((dir) =>
      writeFileSync(
        join(dir, 'environments/apps/v1.0/template.yaml'),
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Thing:\n    Type: AWS::Nope::Thing\n',
      ),
    );
    const { io, err } = capture(root);
    expect(await template(['check'], io)).toBe(1);
    expect(err).toEqual([expect.stringMatching(/^templates\/environments\/apps\/v1\.0\/template\.yaml:4: E3006 /)]);
  });

  it('refuses a version missing its schema and a schema that is not one', async () => {
    const root = templatesFolder((dir) => {
      writeFileSync(join(dir, 'services/web/v1.1/schema.json'), '{"type": "string"}');
      writeFileSync(join(dir, 'environments/apps/v1.0/schema.json.bak'), '');
    });
    const { io, err } = capture(root);
    expect(await template(['check'], io)).toBe(1);
    expect(err).toEqual([
      'templates/environments/apps/v1.0/schema.json.bak: a version holds template.yaml and schema.json only',
      'templates/services/web/v1.1/schema.json: a template\'s inputs are a JSON Schema with type "object" and properties',
    ]);
  });

  it('reports a version missing its schema once, and checks the rest without it', async () => {
    const root = templatesFolder((dir) => rmSync(join(dir, 'services/web/v1.1/schema.json')));
    const { io, err } = capture(root);
    expect(await template(['check'], io)).toBe(1);
    expect(err).toEqual(['templates/services/web/v1.1: schema.json is missing']);
  });

  it("refuses a template over CloudFormation's TemplateBody limit of 51,200 bytes", async () => {
    const root = templatesFolder((dir) => {
      const path = join(dir, 'services/web/v1.0/template.yaml');
      writeFileSync(path, `${readFileSync(path, 'utf8')}#${'-'.repeat(51_200)}\n`);
    });
    const { io, err } = capture(root);
    expect(await template(['check'], io)).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /^templates\/services\/web\/v1\.0\/template\.yaml: 51,\d{3} bytes, over the 51,200 bytes of CloudFormation's TemplateBody limit/,
      ),
    ]);
  });

  it.each([
    [[], 2, 'crossdeploy template: say what to do: check, publish or upgrade'],
    [['lint'], 2, 'crossdeploy template: say what to do: check, publish or upgrade'],
    [['check', 'publish'], 2, 'crossdeploy template: say what to do: check, publish or upgrade'],
    [['check', '--dir', 'nowhere'], 1, 'crossdeploy template: no templates folder at nowhere'],
  ])('refuses %j with exit %i', async (args, code, message) => {
    const { io, err } = capture(templatesFolder());
    expect(await template(args, io)).toBe(code);
    expect(err[0]).toBe(message);
  });
});
