#!/usr/bin/env bash
# Installs what the build and tests need beyond the .NET 10 SDK on Debian 12:
#   - PostgreSQL server binaries, for LocalPostgresServer (the embedded default database and the tests);
#   - sqlfluff, for linting the warehouse SQL;
#   - s3rver (npm, pinned), a local S3 stand-in, kept in <repo>/.tools/node so nothing is global;
#   - chromium and chromium-driver, the headless browser the report tests open the HTML report in.
# Safe to rerun: whatever is already there is left alone, and apt-get update runs at most once,
# only when a package is actually missing. Prints one line per component.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_tools="$repo_root/.tools/node"
s3rver_version="3.7.1"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Output goes to a log that is shown only on failure, so a green run stays short.
quietly() {
    if ! "$@" >>"$log" 2>&1; then
        echo "install-prereqs: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
    as_root=(sudo)
fi

postgres_bin() {
    # Highest major first, as LocalPostgresServer picks it.
    local initdb
    initdb="$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -t/ -k5,5 -V -r | head -n 1)"
    [[ -x "$initdb" ]] && dirname "$initdb"
}

s3rver_installed_version() {
    local manifest="$node_tools/node_modules/s3rver/package.json"
    [[ -f "$manifest" && -x "$node_tools/node_modules/.bin/s3rver" ]] && command -v node >/dev/null 2>&1 || return 0
    node -p 'require(process.argv[1]).version' "$manifest" 2>/dev/null || true
}

# ---- Work out what is missing --------------------------------------------------------------

apt_packages=()
status_postgres="already present"
status_sqlfluff="already present"
status_node="already present"
status_s3rver="already present"
status_chromium="already present"

if [[ -z "$(postgres_bin)" ]]; then
    apt_packages+=(postgresql)
    status_postgres="installed"
fi

if ! command -v sqlfluff >/dev/null 2>&1; then
    apt_packages+=(sqlfluff)
    status_sqlfluff="installed"
fi

if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    apt_packages+=(chromium chromium-driver)
    status_chromium="installed"
fi

need_s3rver=false
if [[ "$(s3rver_installed_version)" != "$s3rver_version" ]]; then
    need_s3rver=true
    status_s3rver="installed"
    # Debian packages node and npm separately; a NodeSource node already carries npm.
    if ! command -v node >/dev/null 2>&1; then
        apt_packages+=(nodejs)
        status_node="installed"
    fi
    if ! command -v npm >/dev/null 2>&1; then
        apt_packages+=(npm)
        status_node="installed"
    fi
fi

# ---- Install --------------------------------------------------------------------------------

if ((${#apt_packages[@]} > 0)); then
    if [[ "$(id -u)" -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
        echo "install-prereqs: need root (or sudo) to install: ${apt_packages[*]}" >&2
        exit 1
    fi
    quietly "${as_root[@]}" apt-get update -qq
    quietly "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${apt_packages[@]}"
fi

if [[ "$need_s3rver" == true ]]; then
    mkdir -p "$node_tools"
    quietly npm install --prefix "$node_tools" --save-exact --no-audit --no-fund \
        --no-update-notifier --loglevel=error "s3rver@$s3rver_version"
fi

# ---- Verify and report ----------------------------------------------------------------------

pg_bin="$(postgres_bin || true)"
if [[ -z "$pg_bin" ]]; then
    echo "install-prereqs: PostgreSQL server binaries still missing under /usr/lib/postgresql/*/bin" >&2
    exit 1
fi
if ! command -v sqlfluff >/dev/null 2>&1; then
    echo "install-prereqs: sqlfluff still not on PATH" >&2
    exit 1
fi
if [[ "$(s3rver_installed_version)" != "$s3rver_version" ]]; then
    echo "install-prereqs: s3rver $s3rver_version not found in $node_tools" >&2
    exit 1
fi

if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    echo "install-prereqs: /usr/bin/chromium or /usr/bin/chromedriver still missing" >&2
    exit 1
fi

echo "postgresql: $status_postgres ($pg_bin)"
echo "sqlfluff: $status_sqlfluff ($(command -v sqlfluff))"
if [[ "$need_s3rver" == true ]]; then
    echo "node/npm: $status_node (node $(node --version), npm $(npm --version))"
fi
echo "chromium: $status_chromium ($(/usr/bin/chromium --version 2>/dev/null | head -n 1))"
echo "s3rver: $status_s3rver ($s3rver_version, ${node_tools#"$repo_root"/}/node_modules/.bin/s3rver)"
