// Where an operator looks at one execution: the Step Functions console in AWS, the local console otherwise.

/**
 * The console page of an execution. `localConsole` is the base URL of `crossdeploy local`'s console; without
 * it the link goes to the AWS console of the execution's region (China and GovCloud have their own hosts).
 */
export function executionLink(executionArn: string, localConsole?: string): string {
  if (localConsole) return `${localConsole.replace(/\/$/, '')}/?execution=${encodeURIComponent(executionArn)}`;
  const [, partition = 'aws', , region = 'us-east-1'] = executionArn.split(':');
  const host =
    partition === 'aws-cn'
      ? `${region}.console.amazonaws.cn`
      : partition === 'aws-us-gov'
        ? `${region}.console.amazonaws-us-gov.com`
        : `${region}.console.aws.amazon.com`;
  return `https://${host}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}
