import { describe, expect, it } from 'vitest';
import { AccountDirectory, type AwsCall, readCall } from '../../local/ecs-scheduler/calls';

const signed = (key: string, region: string, service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${key}/20261102/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`,
});
const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

describe('reading AWS calls off the wire', () => {
  it.each([
    {
      name: 'ECS JSON via x-amz-target',
      url: '/',
      headers: {
        ...signed('ASIAKEY', 'eu-west-1', 'ecs'),
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.UpdateService',
      },
      body: '{}',
      call: { service: 'ecs', operation: 'UpdateService', accessKeyId: 'ASIAKEY', region: 'eu-west-1' },
    },
    {
      name: 'CloudWatch JSON via x-amz-target',
      url: '/',
      headers: {
        ...signed('K', 'us-east-1', 'monitoring'),
        'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
      },
      body: '{}',
      call: { service: 'monitoring', operation: 'DescribeAlarms' },
    },
    {
      name: 'STS query protocol via the Action form field',
      url: '/',
      headers: { ...signed('K', 'us-east-1', 'sts'), ...FORM },
      body: 'Action=AssumeRole&Version=2011-06-15',
      call: { service: 'sts', operation: 'AssumeRole' },
    },
    {
      name: 'query protocol with Action in the query string',
      url: '/?Action=GetCallerIdentity&Version=2011-06-15',
      headers: signed('K', 'us-east-1', 'sts'),
      body: '',
      call: { operation: 'GetCallerIdentity' },
    },
    {
      name: 'Smithy RPC v2 CBOR via the path',
      url: '/service/GraniteServiceVersion20100801/operation/PutMetricData',
      headers: signed('K', 'us-east-1', 'monitoring'),
      body: '',
      call: { operation: 'PutMetricData' },
    },
    {
      name: 'a REST call by method and path',
      method: 'GET',
      url: '/2015-03-31/functions?x=1',
      headers: signed('K', 'us-east-1', 'lambda'),
      body: '',
      call: { operation: 'GET /2015-03-31/functions' },
    },
    {
      name: 'an S3 object read by its operation, whatever its key',
      method: 'GET',
      url: '/crossdeploy-artifacts/deployments/web-dev-1/wave-1/targets.json',
      headers: signed('K', 'us-east-1', 's3'),
      body: '',
      call: { service: 's3', operation: 'GetObject' },
    },
    {
      name: "an S3 call by the SDK's x-id",
      method: 'PUT',
      url: '/crossdeploy-artifacts/deployments/web-dev-1/wave-1/targets.json?x-id=PutObject',
      headers: signed('K', 'us-east-1', 's3'),
      body: '[]',
      call: { operation: 'PutObject' },
    },
    {
      name: 'an S3 object write by its operation',
      method: 'PUT',
      url: '/crossdeploy-artifacts/deployments/web-dev-1/wave-1/run/manifest.json',
      headers: signed('K', 'us-east-1', 's3'),
      body: '{}',
      call: { operation: 'PutObject' },
    },
    {
      name: 'an S3 bucket call by method and bucket',
      method: 'PUT',
      url: '/crossdeploy-artifacts?lifecycle',
      headers: signed('K', 'us-east-1', 's3'),
      body: '',
      call: { operation: 'PUT /crossdeploy-artifacts' },
    },
    {
      name: "moto's account header",
      url: '/',
      headers: {
        ...signed('K', 'us-east-1', 'ecs'),
        'x-amz-target': 'X.ListClusters',
        'x-moto-account-id': '444444444444',
      },
      body: '{}',
      call: { accountHeader: '444444444444' },
    },
  ])('reads $name', ({ method = 'POST', url, headers, body, call }) => {
    expect(readCall(method, url, headers, Buffer.from(body))).toMatchObject(call);
  });

  it('ignores unsigned requests such as moto-api calls', () => {
    expect(readCall('POST', '/moto-api/reset', {}, Buffer.alloc(0))).toBeUndefined();
  });
});

describe('account directory', () => {
  const call = (accessKeyId: string): AwsCall => ({
    service: 'ecs',
    operation: 'ListClusters',
    accessKeyId,
    region: 'us-east-1',
  });
  const assumed = (key: string, account: string) =>
    `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>${key}</AccessKeyId></Credentials>` +
    `<AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/deploy/s</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`;

  it('knows keys from the AssumeRole answers it saw, and asks about any other key only once', async () => {
    const asked: string[] = [];
    const directory = new AccountDirectory(async (c) => {
      asked.push(c.accessKeyId);
      return '123456789012';
    });
    directory.learn(assumed('ASIA222', '222222222222'));

    const accounts = [
      await directory.accountOf(call('ASIA222')),
      await directory.accountOf(call('testing')),
      await directory.accountOf(call('testing')),
    ];

    expect(accounts).toEqual(['222222222222', '123456789012', '123456789012']);
    expect(asked).toEqual(['testing']);
  });

  it('forgets learned keys on reset, as moto does', async () => {
    const directory = new AccountDirectory(async () => undefined);
    directory.learn(assumed('ASIA222', '222222222222'));
    directory.forget();

    expect(await directory.accountOf(call('ASIA222'))).toBeUndefined();
  });

  it('asks again after a failed question instead of remembering the failure', async () => {
    let attempts = 0;
    const directory = new AccountDirectory(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('moto down');
      return '111111111111';
    });

    expect(await directory.accountOf(call('K'))).toBeUndefined();
    expect(await directory.accountOf(call('K'))).toBe('111111111111');
  });
});
