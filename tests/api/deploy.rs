//! The container and cluster files, checked statically (no Docker engine or cluster here):
//! non-root, read-only root file system, probes and ports that match what the app serves.
use serde_norway::Value;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Value {
    serde_norway::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Dockerfile instructions as (KEYWORD, arguments), continuation lines joined.
fn dockerfile() -> Vec<(String, String)> {
    let text = read("Dockerfile").replace("\\\n", " ");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (k.to_ascii_uppercase(), rest.trim().to_string())
        })
        .collect()
}

#[test]
fn dockerfile_builds_in_stages_and_runs_as_a_non_root_user_with_a_health_check() {
    let steps = dockerfile();
    let stages: Vec<&String> = steps.iter().filter(|(k, _)| k == "FROM").map(|(_, a)| a).collect();
    assert!(stages.len() >= 2, "multi-stage: {stages:?}");
    assert!(stages.last().unwrap().starts_with("debian:bookworm-slim"), "slim Debian runtime");
    let runtime = &steps[steps.iter().rposition(|(k, _)| k == "FROM").unwrap()..];
    let last = |kw: &str| runtime.iter().rev().find(|(k, _)| k == kw).map(|(_, a)| a.clone()).unwrap_or_default();
    assert_eq!(last("USER"), "1000:1000");
    assert_eq!(last("EXPOSE"), "8088");
    assert!(last("HEALTHCHECK").contains("http://127.0.0.1:8088/api/v1/health"), "{}", last("HEALTHCHECK"));
    assert!(last("VOLUME").contains("/data"));
    let env = runtime.iter().filter(|(k, _)| k == "ENV").map(|(_, a)| a.as_str()).collect::<Vec<_>>().join(" ");
    assert!(env.contains("DATABASEAI_DATA_DIR=/data") && env.contains("DATABASEAI_BIND=0.0.0.0"));
    for word in ["SECRET_KEY", "API_KEY", "PASSWORD", "DATABASE_URL"] {
        assert!(!env.contains(word), "no secrets baked into the image: {word}");
    }
    let builder = steps.iter().filter(|(k, _)| k == "RUN").map(|(_, a)| a.as_str()).collect::<Vec<_>>().join(" ");
    for tool in ["wasm32-unknown-unknown", "wasm-bindgen-cli --version 0.2.130", "cargo-leptos", "binaryen", "cargo leptos build --release"] {
        assert!(builder.contains(tool), "builder installs/uses {tool}");
    }
    let ignored = read(".dockerignore");
    for entry in ["target", "data", ".env", "end2end/node_modules"] {
        assert!(ignored.lines().any(|l| l.trim() == entry), ".dockerignore lists {entry}");
    }
}

/// The image's build uses the compile-time flags `scripts/package` uses (one source: lib.sh),
/// so the container ships the same small WASM bundle, and keeps compiled dependencies in a
/// BuildKit cache so a code change does not rebuild them.
#[test]
fn the_image_builds_like_the_release_package_and_caches_dependencies() {
    let lib = read("scripts/lib.sh");
    // `RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=databaseai`
    let exported = lib.lines().map(str::trim).find_map(|l| l.strip_prefix("export RUSTFLAGS=")).expect("lib.sh exports the release flags");
    let (flags, other) = exported.rsplit_once(' ').unwrap();
    let steps = dockerfile();
    let builder = &steps[..steps.iter().rposition(|(k, _)| k == "FROM").unwrap()];
    let env = builder.iter().filter(|(k, _)| k == "ENV").map(|(_, a)| a.as_str()).collect::<Vec<_>>().join(" ");
    assert!(env.contains(&format!("RUSTFLAGS={flags}")) && env.contains(other), "the builder sets {exported}: {env}");
    let build = builder.iter().find(|(k, a)| k == "RUN" && a.contains("cargo leptos build --release")).map(|(_, a)| a.as_str()).unwrap();
    // The same build command as the tarball (precompressed, content-hashed bundle files) ...
    let package = read("scripts/package");
    let package_build = package.lines().map(str::trim).find(|l| l.starts_with("cargo leptos build")).expect("scripts/package builds");
    assert!(build.contains(&format!("{package_build} ")), "the image builds as scripts/package does ({package_build}): {build}");
    // ... and hash.txt beside the binary, where leptos looks for the hashed names.
    let runtime = &steps[steps.iter().rposition(|(k, _)| k == "FROM").unwrap()..];
    let copies_hashes = runtime.iter().any(|(k, a)| k == "COPY" && a.contains("hash.txt") && a.contains("/out/databaseai") && a.trim_end().ends_with("/app/"));
    assert!(copies_hashes, "the runtime copies the binary and hash.txt into /app/");
    for cache in ["--mount=type=cache,target=/usr/local/cargo/registry", "--mount=type=cache,target=/src/target"] {
        assert!(build.contains(cache), "the build step mounts {cache}: {build}");
    }
    assert!(read("Dockerfile").starts_with("# syntax=docker/dockerfile:1"), "cache mounts need the BuildKit syntax line");
}

#[test]
fn compose_runs_the_app_on_a_healthy_postgres_store_with_secrets_from_env() {
    let compose = yaml("docker-compose.yml");
    let services = &compose["services"];
    let pg = &services["postgres"];
    assert!(pg["healthcheck"]["test"][1].as_str().unwrap().contains("pg_isready"));
    assert!(pg["volumes"][0].as_str().unwrap().starts_with("postgres_data:"));
    let app = &services["app"];
    assert_eq!(app["depends_on"]["postgres"]["condition"], "service_healthy");
    assert_eq!(app["ports"][0], "8088:8088");
    assert_eq!(app["user"], "1000:1000");
    assert_eq!(app["read_only"], true);
    let env = &app["environment"];
    assert!(env["DATABASE_URL"].as_str().unwrap().starts_with("postgres://") && env["DATABASE_URL"].as_str().unwrap().contains("@postgres:5432/"));
    for secret in ["DATABASEAI_SECRET_KEY", "DATABASEAI_LLM_API_KEY"] {
        assert!(env[secret].as_str().unwrap().starts_with("${"), "{secret} comes from .env");
    }
    assert_eq!(services["llm"]["profiles"][0], "local-llm");
    assert!(compose["volumes"].get("postgres_data").is_some());
    assert!(compose["networks"].get("backend").is_some());
    assert!(read(".gitignore").lines().any(|l| l.trim() == ".env"), ".env is never committed");
}

#[test]
fn kubernetes_runs_three_hardened_replicas_with_probes_that_match_the_app() {
    let kustomization = yaml("deploy/k8s/kustomization.yaml");
    let resources: Vec<String> =
        kustomization["resources"].as_sequence().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
    for file in &resources {
        yaml(&format!("deploy/k8s/{file}"));
    }
    let deployment = yaml("deploy/k8s/deployment.yaml");
    assert_eq!(deployment["spec"]["replicas"], 3);
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 1000);
    let container = &pod["containers"][0];
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(container["securityContext"]["allowPrivilegeEscalation"], false);
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/api/v1/health");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/api/v1/live");
    assert_eq!(container["ports"][0]["containerPort"], 8088);
    for kind in ["requests", "limits"] {
        assert!(container["resources"][kind]["memory"].is_string() && container["resources"][kind]["cpu"].is_string());
    }
    let mounts: Vec<&str> = container["volumeMounts"].as_sequence().unwrap().iter().map(|m| m["mountPath"].as_str().unwrap()).collect();
    assert!(mounts.contains(&"/data") && mounts.contains(&"/tmp"), "writable paths on a read-only root: {mounts:?}");

    let config = yaml("deploy/k8s/configmap.yaml");
    assert_eq!(config["data"]["DATABASEAI_PORT"], "8088");
    let metrics_port: u64 = config["data"]["DATABASEAI_METRICS_PORT"].as_str().unwrap().parse().unwrap();
    assert!(container["ports"].as_sequence().unwrap().iter().any(|p| p["containerPort"] == metrics_port));
    let secret = yaml("deploy/k8s/secret.yaml");
    assert!(secret["stringData"].get("DATABASEAI_SECRET_KEY").is_some() && config["data"].get("DATABASEAI_SECRET_KEY").is_none());

    let service = yaml("deploy/k8s/service.yaml");
    assert_eq!(service["spec"]["ports"].as_sequence().unwrap().len(), 1, "metrics stay off the Service");
    assert_eq!(service["spec"]["ports"][0]["targetPort"], "http");
    let ingress = yaml("deploy/k8s/ingress.yaml");
    let paths: Vec<&str> = ingress["spec"]["rules"][0]["http"]["paths"].as_sequence().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/api", "/"]);
}
