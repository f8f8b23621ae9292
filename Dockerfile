# syntax=docker/dockerfile:1
# DatabaseAI: a Rust builder with the WASM toolchain, then a slim non-root runtime.
#   docker build -t databaseai .
#   docker run -p 8088:8088 -v databaseai_data:/data --read-only --tmpfs /tmp databaseai

FROM rust:1.95-bookworm AS builder
# wasm-bindgen must equal the crate version locked in Cargo.lock; wasm-opt comes from npm's
# binaryen (Debian's is too old for the WASM features rustc emits); cargo-leptos needs a newer
# rustc than 1.95 with --locked, so it is built with nightly. libclang: pg_query's bindgen.
RUN rustup target add wasm32-unknown-unknown \
 && rustup toolchain install nightly --profile minimal \
 && apt-get update && apt-get install -y --no-install-recommends nodejs npm libclang-dev \
 && rm -rf /var/lib/apt/lists/* \
 && npm install -g binaryen@132.0.0 \
 && cargo install wasm-bindgen-cli --version 0.2.130 \
 && cargo +nightly install cargo-leptos --version 0.3.11 --locked --features no_downloads
WORKDIR /src
# The same compile-time flags as scripts/package (lib.sh's export_cargo_leptos_env): without
# `erase_components` the WASM bundle is some 35 % larger.
ENV RUSTFLAGS="--cfg erase_components" \
    LEPTOS_OUTPUT_NAME=databaseai
COPY . .
# BuildKit cache mounts keep the crate registry and the compiled dependencies between builds,
# so a code change recompiles this package only, not ~500 crates. The target directory is a
# cache, so the artefacts are copied out in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo leptos build --release --precompress \
 && mkdir -p /out \
 && cp target/release/databaseai target/release/hash.txt /out/ \
 && cp -r target/site /out/site

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1000 --user-group --no-create-home --home-dir /app databaseai \
 && mkdir -p /app /data && chown 1000:1000 /data
# hash.txt beside the binary names the content-hashed bundle files (served from their
# precompressed brotli and gzip copies, cached by browsers for a year).
COPY --from=builder /out/databaseai /out/hash.txt /app/
COPY --from=builder /out/site /app/site
# Everything the app writes goes to /data (the app store, the key file, SQLite datasources),
# so the root file system can be mounted read-only.
ENV DATABASEAI_BIND=0.0.0.0 \
    DATABASEAI_PORT=8088 \
    DATABASEAI_DATA_DIR=/data \
    LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_OUTPUT_NAME=databaseai \
    RUST_LOG=info
USER 1000:1000
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8088
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8088/api/v1/health || exit 1
ENTRYPOINT ["/app/databaseai"]
