// The local runtime runs the Lambda handlers in-process, so it runs on the Node major Lambda runs them on
// (nodejs22.x, https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html). The project's `node`
// devDependency puts Node 22 first on the PATH of every npm script and of `npx`. aws-local-stepfunctions
// also needs Promise.withResolvers (Node 22): on an older Node every Task would fail with a TypeError that a
// States.ALL Catch swallows silently, so refuse to start instead.

export const LAMBDA_NODE_MAJOR = 22;

/** The local runtime was started on a Node older than the one Lambda runs the handlers on. */
export class UnsupportedNodeVersion extends Error {
  override name = 'UnsupportedNodeVersion' as const;
  constructor(readonly version: string) {
    super(
      `the local runtime runs on Node ${LAMBDA_NODE_MAJOR} (Lambda's nodejs${LAMBDA_NODE_MAJOR}.x), this is Node ${version}. ` +
        `Run it through npm, which puts the project's Node ${LAMBDA_NODE_MAJOR} first on the PATH: ` +
        '`npx crossdeploy <command>`, `npm run demo`, `npm test`.',
    );
  }
}

export function requireLambdaNode(version: string = process.versions.node): void {
  const major = Number(version.split('.')[0]);
  if (major < LAMBDA_NODE_MAJOR) throw new UnsupportedNodeVersion(version);
}

requireLambdaNode();
