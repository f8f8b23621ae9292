# Shared by scripts/run, scripts/test and .ci/run: find or install the toolchain pieces.
# Sourced, not executed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="$ROOT/../shared"
WASM_BINDGEN_VERSION="0.2.130" # must equal the wasm-bindgen crate pinned in Cargo.toml
# Build output lives outside the clone so fresh clones (and CI) reuse the compiled dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/databaseai/target}"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_wasm_target() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then return; fi
  log "adding the wasm32-unknown-unknown target"
  if ! rustup target add wasm32-unknown-unknown; then
    local tarball="$SHARED/toolchain/rust-std-$(rustc --version | awk '{print $2}')-wasm32-unknown-unknown.tar.xz"
    [ -f "$tarball" ] || { echo "cannot install the wasm32 target" >&2; exit 1; }
    tar -xJf "$tarball" -C "$(rustc --print sysroot)/lib/rustlib/"
  fi
}

ensure_cargo_leptos() {
  if command -v cargo-leptos >/dev/null 2>&1; then return; fi
  mkdir -p "$HOME/.cargo/bin"
  if [ -x "$SHARED/bin/cargo-leptos" ]; then
    log "installing cargo-leptos from shared/bin"
    cp "$SHARED/bin/cargo-leptos" "$HOME/.cargo/bin/"
  else
    log "building cargo-leptos 0.3.11 from crates.io (takes a while)"
    if rustup toolchain list | grep -q nightly; then
      cargo +nightly install cargo-leptos --version 0.3.11 --locked --features no_downloads
    else
      cargo install cargo-leptos --version 0.3.11 --features no_downloads
    fi
  fi
}

ensure_wasm_bindgen() {
  if command -v wasm-bindgen >/dev/null 2>&1 && wasm-bindgen --version | grep -q " $WASM_BINDGEN_VERSION\$"; then return; fi
  mkdir -p "$HOME/.cargo/bin"
  if [ -x "$SHARED/bin/wasm-bindgen" ] && "$SHARED/bin/wasm-bindgen" --version | grep -q " $WASM_BINDGEN_VERSION\$"; then
    log "installing wasm-bindgen $WASM_BINDGEN_VERSION from shared/bin"
    cp "$SHARED/bin/wasm-bindgen" "$HOME/.cargo/bin/"
  else
    log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

# wasm-opt for release builds: npm's binaryen (Debian's is too old for the WASM rustc emits).
BINARYEN_VERSION="132.0.0"
ensure_wasm_opt() {
  local dir="$HOME/.cache/databaseai/binaryen-$BINARYEN_VERSION"
  # The package's own bin/ (npm does not always link node_modules/.bin for it).
  if [ ! -x "$dir/node_modules/binaryen/bin/wasm-opt" ]; then
    log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION" >/dev/null)
  fi
  export PATH="$dir/node_modules/binaryen/bin:$PATH"
  wasm-opt --version >/dev/null || { echo "wasm-opt from npm binaryen does not run" >&2; exit 1; }
}

# pg_query (the guard's PostgreSQL parser) compiles libpg_query and runs bindgen, which
# needs libclang.
ensure_libclang() {
  if ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/x86_64-linux-gnu/libclang*.so* 2>/dev/null | grep -q "libclang\(-[0-9.]*\)\?\.so"; then return; fi
  apt_install libclang-dev
}

ensure_build_tools() {
  ensure_libclang
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
}

# twiggy (the WASM code size profiler) for scripts/wasm-cost.
ensure_twiggy() {
  command -v twiggy >/dev/null 2>&1 && return
  log "building twiggy from crates.io"
  cargo install twiggy --locked --quiet
}

apt_install() {
  log "installing $* with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "$@" >/dev/null
}

ensure_chromium() {
  command -v chromium >/dev/null 2>&1 || apt_install chromium
}

ensure_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then return; fi
  log "starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  else
    apt_install postgresql
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && return; sleep 1; done
  echo "PostgreSQL did not start on 127.0.0.1:5432" >&2
  exit 1
}

ensure_mariadb() {
  if mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then return; fi
  log "starting MariaDB"
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 30); do mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && return; sleep 1; done
  echo "MariaDB did not start on 127.0.0.1:3306" >&2
  exit 1
}

ensure_npm_packages() {
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ]; then
    log "installing end-to-end test packages (npm ci)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The compile-time environment cargo-leptos uses for debug builds. leptos reads
# LEPTOS_OUTPUT_NAME with option_env! (it names the WASM file the page loads), so `cargo test`
# must see the same value, or it rebuilds leptos and the binary asks for the wrong file.
export_cargo_leptos_env() {
  export RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=databaseai
}

# The build cache is shared by every checkout (fresh CI clones reuse the compiled
# dependencies), but cargo judges this package's own artifacts by the source paths recorded
# when they were built, which may be another checkout's. Remove only this package's
# artifacts, so what runs is always built from this checkout.
clean_own_artifacts() {
  local front="$CARGO_TARGET_DIR/front"
  cargo clean -q -p databaseai 2>/dev/null || true
  cargo clean -q -p databaseai --release 2>/dev/null || true
  cargo clean -q -p databaseai --target-dir "$front" --target wasm32-unknown-unknown 2>/dev/null || true
  cargo clean -q -p databaseai --target-dir "$front" --target wasm32-unknown-unknown --profile wasm-release 2>/dev/null || true
}
