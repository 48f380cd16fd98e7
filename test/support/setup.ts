// No test talks to AWS: the files that call AWS's APIs talk to moto (test/support/moto.ts), which this file does not
// start, so the unit tests run without it; AWS calls fail fast on what moto does not implement.
process.env.AWS_MAX_ATTEMPTS = '1';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// A file starts with no secret parameters named: the ones an earlier file stored went with its moto state.
for (const variable of [
  'CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM',
  'CROSSDEPLOY_LINK_SIGNING_KEY_PARAM',
  'CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM',
]) {
  delete process.env[variable];
}
