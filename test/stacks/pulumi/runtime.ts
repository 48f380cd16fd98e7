// Pulumi's real Node.js runtime in mock mode, loaded from the SST platform that `sst install` writes
// (.sst/platform/node_modules: @pulumi/pulumi and @pulumi/aws, the versions SST deploys with). The engine is
// replaced by `pulumi.runtime.setMocks`: every resource the stacks/ modules construct is recorded here with
// its resolved inputs, and gets realistic ARNs, so the values one resource takes from another can be checked.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const PARTITION = 'aws';

const platform = fileURLToPath(new URL('../../../.sst/platform/', import.meta.url));
const PULUMI = fileURLToPath(new URL('../../../.sst/platform/node_modules/@pulumi/pulumi/index.js', import.meta.url));
const AWS = fileURLToPath(new URL('../../../.sst/platform/node_modules/@pulumi/aws/index.js', import.meta.url));

/** The part of a Pulumi Output these tests use. */
export interface Output<T> {
  apply<U>(f: (value: T) => U): Output<U>;
}

interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom?: boolean;
}

interface Mocks {
  newResource(args: MockResourceArgs): { id: string | undefined; state: Record<string, unknown> };
  call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown>;
}

/** The part of @pulumi/pulumi these tests use; everything else is handed to the stacks as SST's globals. */
export interface PulumiModule {
  runtime: {
    setMocks(mocks: Mocks, project?: string, stack?: string, preview?: boolean): Promise<void>;
    /** Internal (runtime/settings.js), re-exported by runtime/index.js: resolves when no registration is pending. */
    waitForRPCs?: () => Promise<void>;
  };
  output<T>(value: T): Output<T>;
  all: unknown;
  interpolate: unknown;
}

export interface Registered {
  /** `aws:sfn/stateMachine:StateMachine` */
  type: string;
  /** The Pulumi (logical) name: `PipelineStateMachine`. */
  name: string;
  /** What the resource was given, every Output resolved. */
  inputs: Record<string, unknown>;
  id: string;
  /** What the mock answered: the inputs, plus `arn` (and `url`, `repositoryUrl`...) as AWS would. */
  state: Record<string, unknown>;
}

export interface MockedPulumi {
  pulumi: PulumiModule;
  aws: unknown;
  registered: Registered[];
  /** Data source tokens invoked: `aws:index/getPartition:getPartition`. */
  calls: string[];
  /**
   * Resolves once every resource constructed so far is registered (all inputs resolved); rejects with the
   * first error of an input (an apply that threw: Pulumi then waits forever) or after `timeoutMs`.
   */
  settle(timeoutMs?: number): Promise<void>;
  /** Stops listening for the runtime's failed registrations. */
  dispose(): void;
}

/** Fails (never skips) when `sst install` has not run. */
export function requirePlatform(): void {
  const missing = [PULUMI, AWS].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `${platform} is missing or incomplete (no ${missing.join(', ')}): run \`npm run typecheck:infra\` ` +
        '(scripts/typecheck-infra.sh runs `sst install`, which writes it; offline, about a minute)',
    );
  }
}

const str = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new Error(`mock: ${what} is not a non-empty string`);
  return value;
};

/** The physical name AWS would know the resource by: its `name` input, else a generated one. */
const physicalName = ({ name, inputs }: MockResourceArgs): string =>
  typeof inputs.name === 'string' && inputs.name !== '' ? inputs.name : `${name}-a1b2c3d`;

/** ARN, id and the other attributes AWS returns, for the resource types the stacks create. */
function answer(args: MockResourceArgs): { id: string; state: Record<string, unknown> } {
  const where = `${REGION}:${ACCOUNT}`;
  const name = physicalName(args);
  const arn = (service: string, resource: string) => `arn:${PARTITION}:${service}:${where}:${resource}`;
  switch (args.type) {
    case 'aws:sfn/stateMachine:StateMachine':
      return { id: arn('states', `stateMachine:${name}`), state: { arn: arn('states', `stateMachine:${name}`) } };
    case 'aws:iam/role:Role':
      return { id: name, state: { arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`, uniqueId: 'AROAMOCK' } };
    case 'aws:iam/rolePolicy:RolePolicy':
      return { id: `${str(args.inputs.role, `${args.name}.role`)}:${name}`, state: {} };
    case 'aws:sqs/queue:Queue': {
      const url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
      return { id: url, state: { arn: arn('sqs', name), url } };
    }
    case 'aws:sns/topic:Topic':
      return { id: arn('sns', name), state: { arn: arn('sns', name) } };
    case 'aws:cloudwatch/eventBus:EventBus':
      return { id: name, state: { arn: arn('events', `event-bus/${name}`) } };
    case 'aws:cloudwatch/eventRule:EventRule': {
      const bus = args.inputs.eventBusName;
      const rule = bus === undefined || bus === 'default' ? `rule/${name}` : `rule/${str(bus, 'bus')}/${name}`;
      return { id: name, state: { arn: arn('events', rule) } };
    }
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { id: name, state: { arn: arn('logs', `log-group:${name}`) } };
    case 'aws:codebuild/project:Project':
      return { id: name, state: { arn: arn('codebuild', `project/${name}`) } };
    case 'aws:ecr/repository:Repository':
      return {
        id: name,
        state: {
          arn: arn('ecr', `repository/${name}`),
          registryId: ACCOUNT,
          repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${name}`,
        },
      };
    case 'aws:s3/bucket:Bucket': {
      const bucket = str(args.inputs.bucket, `${args.name}.bucket`);
      return { id: bucket, state: { arn: `arn:${PARTITION}:s3:::${bucket}`, bucket } };
    }
    case 'aws:dynamodb/table:Table':
      return { id: name, state: { arn: arn('dynamodb', `table/${name}`) } };
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return { id: name, state: { arn: arn('cloudwatch', `alarm:${name}`) } };
    case 'aws:cloudformation/stackSet:StackSet':
      return { id: name, state: { arn: arn('cloudformation', `stackset/${name}:0a1b2c3d`), stackSetId: name } };
    default:
      return { id: `${args.name}-id`, state: {} };
  }
}

/** Data sources the stacks read: the tools account, region and partition. Anything else is an error. */
function call(token: string): Record<string, unknown> {
  switch (token) {
    case 'aws:index/getPartition:getPartition':
      return { id: PARTITION, partition: PARTITION, dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws' };
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return {
        id: ACCOUNT,
        accountId: ACCOUNT,
        arn: `arn:${PARTITION}:iam::${ACCOUNT}:user/test`,
        userId: 'AIDAMOCK',
      };
    case 'aws:index/getRegion:getRegion':
      return { id: REGION, region: REGION, name: REGION, endpoint: `ec2.${REGION}.amazonaws.com` };
    default:
      throw new Error(`mock: unexpected data source ${token}`);
  }
}

/**
 * Loads @pulumi/pulumi and @pulumi/aws from .sst/platform (CommonJS, by absolute path, so @pulumi/aws finds
 * the same @pulumi/pulumi instance) and puts the runtime in mock mode, as stage `stack` of `project`.
 */
export async function mockPulumi(project: string, stack: string): Promise<MockedPulumi> {
  requirePlatform();
  const require = createRequire(PULUMI);
  const pulumi = require(PULUMI) as PulumiModule;
  const registered: Registered[] = [];
  const calls: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, state } = answer(args);
        registered.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          id,
          state: { ...args.inputs, ...state },
        });
        return { id, state: { ...args.inputs, ...state } };
      },
      call(args) {
        calls.push(args.token);
        return call(args.token);
      },
    },
    project,
    stack,
    false,
  );
  // After setMocks: @pulumi/aws reads its configuration when it loads.
  const aws = require(AWS) as unknown;
  const waitForRPCs = pulumi.runtime.waitForRPCs;
  if (typeof waitForRPCs !== 'function') {
    throw new Error('@pulumi/pulumi no longer exports runtime.waitForRPCs: update test/stacks/pulumi/runtime.ts');
  }

  // A registration whose inputs fail surfaces only as an unhandled rejection, and its dependents never settle.
  const failures: Error[] = [];
  let fail: ((error: Error) => void) | undefined;
  const onRejection = (reason: unknown) => {
    const error = new Error(
      `a resource could not be registered: ${reason instanceof Error ? reason.message : String(reason)}`,
      {
        cause: reason,
      },
    );
    failures.push(error);
    fail?.(error);
  };
  process.on('unhandledRejection', onRejection);

  const quiet = async () => {
    // Registrations queue behind their inputs' applies; wait until nothing is pending.
    await waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
    await waitForRPCs();
  };
  return {
    pulumi,
    aws,
    registered,
    calls,
    settle: async (timeoutMs = 10_000) => {
      let timer: NodeJS.Timeout | undefined;
      const failed = new Promise<never>((_, reject) => {
        fail = reject;
        if (failures[0]) reject(failures[0]);
        timer = setTimeout(
          () => reject(new Error(`resources still waiting for their inputs after ${timeoutMs} ms (a cycle?)`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([quiet(), failed]);
      } finally {
        clearTimeout(timer);
        fail = undefined;
      }
    },
    dispose: () => {
      process.off('unhandledRejection', onRejection);
    },
  };
}
