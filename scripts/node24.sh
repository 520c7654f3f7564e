#!/usr/bin/env bash
# Runs a command with Node.js 24 first on PATH and the locked dependencies installed.
# Machines here ship an older node; npm run under it silently resolves older
# graphile-worker and fastify-metrics, so Node 24 comes from the npm registry's
# official binary package into a cache folder shared by every clone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${HAVEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/haven}"
WANT="$(cat "$ROOT/.nvmrc")"
WANT_MAJOR="${WANT%%.*}"

have_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$have_major" != "$WANT_MAJOR" ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "node24.sh: no Node.js package for $(uname -m); install Node.js $WANT_MAJOR" >&2; exit 1 ;;
  esac
  dir="$CACHE/node-$WANT-$arch"
  bin="$dir/node_modules/node-linux-$arch/bin"
  if [ ! -x "$bin/node" ]; then
    echo "node24.sh: fetching Node.js $WANT (npm package node-linux-$arch) into $dir" >&2
    npm install --silent --prefix "$dir" --no-save --no-package-lock "node-linux-$arch@$WANT" >&2
  fi
  export PATH="$bin:$PATH"
fi

# Reinstall only when the manifest or lockfile changed since the last install.
cd "$ROOT"
stamp="node_modules/.haven-install-stamp"
want_stamp="$(node --version) $(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
  echo "node24.sh: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
  # tap compiles its plugin set at install time; rebuild it without the TypeScript
  # plugin (package.json "tap.plugin"), so test files run on Node's type stripping.
  node_modules/.bin/tap build >&2
  echo "$want_stamp" > "$stamp"
fi

exec "$@"
