import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import examples from '@octokit/webhooks-examples';
import { describe, expect, it } from 'vitest';
import type { PushEvent } from '../../core/pipeline-types';
import {
  decidePush,
  executionName,
  fitForEventBus,
  InvalidPushEvent,
  MAX_PUSH_DETAIL_BYTES,
  pushFromCodeCommit,
  pushFromGithub,
} from '../../core/push';
import { mapOf, mapYaml } from '../support/map';

type Payload = Record<string, unknown>;

/** A real `push` payload from @octokit/webhooks-examples, picked by what it shows rather than by position. */
function githubPush(matches: (payload: Payload) => boolean): Payload {
  const definition = examples.find((d) => d.name === 'push');
  const found = (definition?.examples as unknown as Payload[] | undefined)?.find(matches);
  if (!found) throw new Error('no such push example in @octokit/webhooks-examples');
  return structuredClone(found);
}

const branchPush = () => githubPush((p) => String(p.ref).startsWith('refs/heads/') && p.deleted === false);
const tagPush = () => githubPush((p) => String(p.ref).startsWith('refs/tags/') && p.deleted === false);
const tagDeletion = () => githubPush((p) => String(p.ref).startsWith('refs/tags/') && p.deleted === true);
/**
 * The examples hold no branch deletion, so this is the real branch push turned into one the way GitHub
 * sends deletions: `deleted: true`, `after` all zeros, no head commit, no commits.
 */
const branchDeletion = (): Payload => ({
  ...branchPush(),
  before: branchPush().after,
  after: '0'.repeat(40),
  created: false,
  deleted: true,
  head_commit: null,
  commits: [],
});

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/events/${name}`, import.meta.url)), 'utf8'));

describe('pushFromGithub on real webhook payloads', () => {
  it('normalizes a branch push: branch without refs/heads/, commit, author, message, changed paths', () => {
    expect(pushFromGithub(branchPush(), 'delivery-1')).toStrictEqual({
      push: {
        source: { github: 'Codertocat/Hello-World' },
        branch: 'master',
        commit: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        author: 'Codertocat',
        message: 'Initial commit',
        changedPaths: ['README.md'],
        deliveryId: 'delivery-1',
      },
    });
  });

  it.each([
    ['a tag push', tagPush, /^tag simple-tag: only branches deploy$/],
    ['a tag deletion', tagDeletion, /^tag simple-tag: only branches deploy$/],
    ['a branch deletion', branchDeletion, /^branch master was deleted$/],
  ])('ignores %s and says why', (_what, payload, reason) => {
    const result = pushFromGithub(payload());
    expect(result).toStrictEqual({ ignored: expect.stringMatching(reason) });
  });

  it('treats `after` all zeros as a deletion even without `deleted`', () => {
    const { deleted: _deleted, ...payload } = branchDeletion();
    expect(pushFromGithub(payload)).toStrictEqual({ ignored: 'branch master was deleted' });
  });

  it('unions added, modified and removed paths over all commits, sorted and without repeats', () => {
    const payload = branchPush();
    payload.commits = [
      { added: ['services/web/b.ts'], modified: ['README.md'], removed: [] },
      { added: [], modified: ['services/web/b.ts', '.github/workflows/ci.yml'], removed: ['services/api/a.ts'] },
    ];
    const result = pushFromGithub(payload);
    expect('push' in result && result.push.changedPaths).toStrictEqual([
      '.github/workflows/ci.yml',
      'README.md',
      'services/api/a.ts',
      'services/web/b.ts',
    ]);
  });

  it.each([
    ['the head commit author name', { name: 'Mona Lisa', username: 'octocat', email: 'm@example.com' }, 'Mona Lisa'],
    ['the username without a name', { name: '', username: 'octocat', email: 'm@example.com' }, 'octocat'],
    ['the email without name or username', { name: '', email: 'm@example.com' }, 'm@example.com'],
  ])('takes %s as author', (_what, author, expected) => {
    const payload = branchPush();
    payload.head_commit = { ...(payload.head_commit as Payload), author };
    const result = pushFromGithub(payload);
    expect('push' in result && result.push.author).toBe(expected);
  });

  it('falls back to the pusher and an empty message when there is no head commit', () => {
    const payload = { ...branchPush(), head_commit: null };
    const result = pushFromGithub(payload);
    expect('push' in result && result.push).toMatchObject({ author: 'Codertocat', message: '' });
  });

  it('leaves deliveryId out when none is given', () => {
    const result = pushFromGithub(branchPush());
    expect('push' in result && 'deliveryId' in result.push).toBe(false);
  });

  it('rejects a payload that is not a push, such as a ping', () => {
    const ping = examples.find((d) => d.name === 'ping')?.examples[0];
    expect(() => pushFromGithub(ping)).toThrow(InvalidPushEvent);
    expect(() => pushFromGithub('not json')).toThrow(/not a GitHub push payload/);
  });
});

describe('pushFromCodeCommit on events shaped as AWS documents them', () => {
  it('normalizes a created branch; CodeCommit tells neither message nor paths', () => {
    expect(pushFromCodeCommit(fixture('codecommit-reference-created.json'))).toStrictEqual({
      push: {
        source: { codecommit: 'MyDemoRepo' },
        branch: 'myBranch',
        commit: '3e5983d0c1a8e1f5a7c9b2d4e6f8a0b1c3d5e7f9',
        author: 'Mary_Major',
        message: '',
        changedPaths: [],
      },
    });
  });

  it('normalizes an updated branch and names an assumed-role caller by session and role', () => {
    const result = pushFromCodeCommit(fixture('codecommit-reference-updated.json'));
    expect(result).toStrictEqual({
      push: expect.objectContaining({
        branch: 'myBranch',
        commit: '7f0103fa9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e',
        author: 'Mary_Major (Admin)',
      }),
    });
  });

  it('prefers the displayName session tag over the caller ARN', () => {
    const event = fixture('codecommit-reference-updated.json') as { detail: Payload };
    event.detail.displayName = 'Mary Major';
    const result = pushFromCodeCommit(event);
    expect('push' in result && result.push.author).toBe('Mary Major');
  });

  it.each([
    ['a deleted branch', 'codecommit-reference-deleted.json', 'branch myBranch was deleted'],
    ['a tag', 'codecommit-tag-created.json', 'tag v1.0.0: only branches deploy'],
    [
      'a pull request event',
      'codecommit-pull-request-created.json',
      'CodeCommit Pull Request State Change: only repository state changes deploy',
    ],
  ])('ignores %s and says why', (_what, name, reason) => {
    expect(pushFromCodeCommit(fixture(name))).toStrictEqual({ ignored: reason });
  });

  it('rejects an event that is not from CodeCommit, or a branch change without a commit', () => {
    expect(() => pushFromCodeCommit({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} })).toThrow(
      InvalidPushEvent,
    );
    const event = fixture('codecommit-reference-created.json') as { detail: Payload };
    delete event.detail.commitId;
    expect(() => pushFromCodeCommit(event)).toThrow(/carries no commitId/);
  });
});

const MONOREPO = mapYaml(
  [
    {
      name: 'web',
      source: '{ github: acme/mono }',
      more: ['paths: ["services/web/**"]'],
      branches: '{ main: [dev], production: [dev, prod] }',
    },
    {
      name: 'api',
      source: '{ github: acme/mono }',
      more: ['paths: ["services/api/**", "libs/**"]'],
      branches: '{ main: [dev] }',
    },
    { name: 'legacy', source: '{ codecommit: legacy }', branches: '{ main: [dev] }' },
  ],
  `
  dev:
    targets: [{ account: "222222222222", regions: [us-east-1] }]
  prod:
    targets: [{ account: "333333333333", regions: [us-east-1] }]
`,
);

const push = (overrides: Partial<PushEvent>): PushEvent => ({
  source: { github: 'acme/mono' },
  branch: 'main',
  commit: '0123456789abcdef0123456789abcdef01234567',
  author: 'Mona',
  message: 'change',
  changedPaths: [],
  ...overrides,
});

describe('decidePush', () => {
  const map = mapOf(MONOREPO);

  it('starts only the services whose paths globs match a changed path', () => {
    expect(decidePush(map, push({ changedPaths: ['services/web/src/index.ts', 'README.md'] }))).toStrictEqual([
      { service: 'web', start: true, environments: ['dev'] },
      { service: 'api', start: false, reason: 'no changed path matches paths services/api/**, libs/**' },
    ]);
  });

  it('matches dot files under a glob', () => {
    const decisions = decidePush(map, push({ changedPaths: ['services/web/.env.example'] }));
    expect(decisions.find((d) => d.service === 'web')).toMatchObject({ start: true });
  });

  it('starts every service of the repository when the changed paths are unknown (empty)', () => {
    expect(decidePush(map, push({ changedPaths: [] }))).toStrictEqual([
      { service: 'web', start: true, environments: ['dev'] },
      { service: 'api', start: true, environments: ['dev'] },
    ]);
  });

  it('lists the environments of the branch in map order', () => {
    const decisions = decidePush(map, push({ branch: 'production', changedPaths: ['services/web/a.ts'] }));
    expect(decisions[0]).toStrictEqual({ service: 'web', start: true, environments: ['dev', 'prod'] });
  });

  it('does not start a service for a branch it does not map, and names the mapped ones', () => {
    expect(decidePush(map, push({ branch: 'feature/x', changedPaths: ['services/web/a.ts'] }))).toStrictEqual([
      { service: 'web', start: false, reason: 'branch feature/x deploys nowhere (branches: main, production)' },
      { service: 'api', start: false, reason: 'branch feature/x deploys nowhere (branches: main)' },
    ]);
  });

  it('compares GitHub repositories case-insensitively', () => {
    expect(decidePush(map, push({ source: { github: 'ACME/Mono' } })).map((d) => d.service)).toEqual(['web', 'api']);
  });

  it('decides nothing for a repository no service builds from', () => {
    expect(decidePush(map, push({ source: { github: 'acme/other' } }))).toEqual([]);
    expect(decidePush(map, push({ source: { codecommit: 'mono' } }))).toEqual([]);
  });

  it('matches a CodeCommit push to the service of that repository only', () => {
    expect(decidePush(map, push({ source: { codecommit: 'legacy' } }))).toStrictEqual([
      { service: 'legacy', start: true, environments: ['dev'] },
    ]);
  });
});

describe('executionName', () => {
  const commit = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
  const hash8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

  it('is <service>-<branch>-<commit7>-<hash8>, the same for the same push', () => {
    const name = executionName('web', 'main', commit);
    expect(name).toBe(`web-main-6113728-${hash8(`web\nmain\n${commit}`)}`);
    expect(executionName('web', 'main', commit)).toBe(name);
  });

  it('differs when the service, branch or commit differs', () => {
    const names = new Set([
      executionName('web', 'main', commit),
      executionName('api', 'main', commit),
      executionName('web', 'production', commit),
      executionName('web', 'main', `0${commit.slice(1)}`),
    ]);
    expect(names.size).toBe(4);
  });

  it('replaces characters Step Functions logging does not take in the branch', () => {
    expect(executionName('web', 'feature/JIRA-12 fix_it@2', commit)).toMatch(
      /^web-feature-JIRA-12-fix_it-2-6113728-[0-9a-f]{8}$/,
    );
  });

  it('fits 80 characters by cutting the branch, keeping commit and hash, and stays unique', () => {
    const long = `feature/${'x'.repeat(200)}`;
    const a = executionName('web', `${long}-a`, commit);
    const b = executionName('web', `${long}-b`, commit);
    expect(a).toHaveLength(80);
    expect(a).toMatch(/^web-feature-x+-6113728-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });
});

describe('fitForEventBus', () => {
  it('keeps an ordinary push as it is', () => {
    const small = push({ changedPaths: ['a.ts'] });
    expect(fitForEventBus(small)).toBe(small);
  });

  it('drops the paths of a push too large for one event, which downstream reads as "unknown"', () => {
    const paths = Array.from({ length: 5000 }, (_, i) => `services/web/src/generated/file-${i}-${'x'.repeat(40)}.ts`);
    const fitted = fitForEventBus(push({ changedPaths: paths }));
    expect(fitted.changedPaths).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(MAX_PUSH_DETAIL_BYTES);
  });
});
