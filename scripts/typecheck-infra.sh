#!/usr/bin/env bash
# Type-checks the SST app (sst.config.ts and stacks/) offline, against SST's platform types and @pulumi/aws.
#   1. needs the `sst` npm package (a devDependency; installed with --no-save when missing);
#   2. `sst install` writes .sst/platform (config.d.ts, @pulumi/aws); skipped when it is already there for
#      the installed sst version (it takes about a minute; nothing in it needs AWS credentials);
#   3. tsc -p stacks/tsconfig.json: exits non-zero on any type error.
# The pure modules (stacks/config.ts, names.ts, map.ts, arns.ts, steps.ts, triggered.ts, substitutions.ts,
# policies.ts, tables.ts, images.ts) are also type-checked by `npm run typecheck` through test/stacks, with the
# project's stricter options. The Pulumi modules run under test/stacks/app.test.ts with stand-ins, but only
# this script type-checks them against SST and @pulumi/aws.
set -euo pipefail
cd "$(dirname "$0")/.."

SST_VERSION=4.17.1
installed_sst() { node -p "require('./node_modules/sst/package.json').version" 2>/dev/null || true; }

if [ -z "$(installed_sst)" ]; then
  echo "typecheck-infra: sst is not in node_modules; installing sst@${SST_VERSION} (--no-save)" >&2
  npm install --no-save --no-audit --no-fund "sst@${SST_VERSION}"
fi
version="$(installed_sst)"

platform=.sst/platform
if [ -f "${platform}/config.d.ts" ] && [ -f "${platform}/node_modules/@pulumi/aws/package.json" ] &&
  [ "$(cat "${platform}/version" 2>/dev/null)" = "${version}" ]; then
  echo "typecheck-infra: ${platform} is there for sst ${version}; skipping sst install"
else
  echo "typecheck-infra: sst install (sst ${version}): about a minute"
  SST_SKIP_DEPENDENCY_CHECK=1 SST_TELEMETRY_DISABLED=1 SST_STAGE=dev SST_NO_BUN=1 node_modules/.bin/sst install
fi

node_modules/.bin/tsc -p stacks/tsconfig.json
echo "typecheck-infra: sst.config.ts and stacks/ type-check"
