#!/usr/bin/env bash
# Lints every CloudFormation template in stacks/ and the example application stacks with cfn-lint, offline: it uses the resource specs that ship
# with the installed cfn-lint. Never pass --update-specs (it downloads them, and CI has no way out).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null; then
  echo "cfn-lint: not installed (pip install cfn-lint)" >&2
  exit 1
fi

shopt -s nullglob
templates=(stacks/*.yaml stacks/*.yml examples/*/infra/*.yaml)
if [ "${#templates[@]}" -eq 0 ]; then
  echo "cfn-lint: no templates in stacks/" >&2
  exit 1
fi

cfn-lint -- "${templates[@]}"
echo "cfn-lint: ${templates[*]} pass"
