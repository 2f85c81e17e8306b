#!/usr/bin/env bash
# What CI runs for the admin (meant to be called from .ci/run):
# install, check, unit tests, rebuild and compare with the committed bundle,
# then the browser tests against a relais binary (RELAIS_BIN, else the
# release or debug build in ../target).
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund
npm run typecheck
npm run lint
npm test

npm run build
if ! git diff --quiet --exit-code -- dist || [ -n "$(git ls-files --others --exclude-standard -- dist)" ]; then
  echo "admin/dist differs from the sources: run 'npm run build' in admin/ and commit dist/" >&2
  git status --short -- dist >&2
  exit 1
fi

if [ "${ADMIN_E2E:-1}" = 1 ]; then
  command -v "${CHROMIUM:-/usr/bin/chromium}" >/dev/null || { echo "no Chromium: apt-get install -y chromium fonts-noto-core" >&2; exit 1; }
  npm run e2e
fi
