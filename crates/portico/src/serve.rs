//! `portico serve`: opens the store, loads every deployed stage, starts both listeners, and
//! on SIGINT/SIGTERM stops accepting and lets in-flight requests finish.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use portico_control_plane::{ControlPlane, publish};
use portico_data_plane::DataPlane;
use portico_snapshot::Live;
use portico_store::Store;
use portico_store_sqlite::SqliteStore;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::credentials::{self, Origin};

/// Options of `portico serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Data-plane listen address (invoke URLs).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Control-plane listen address (AWS API Gateway API, `/ping`).
    #[arg(long, default_value = "127.0.0.1:9090")]
    admin_listen: SocketAddr,
    /// Directory of the embedded store and generated credentials.
    #[arg(long, default_value = "./portico-data")]
    data_dir: PathBuf,
    /// Store to use: `sqlite` (embedded, in the data directory) or a `postgres://` URL.
    #[arg(long, default_value = "sqlite")]
    store: String,
    /// Redis URL for shared limits and caches (cluster mode).
    #[arg(long)]
    redis: Option<String>,
    /// OpenAPI documents to import and deploy at start (`FILE[:STAGE]`), repeatable.
    #[arg(long = "import", value_name = "FILE[:STAGE]")]
    import: Vec<String>,
    /// Root credentials as `KEY:SECRET` (else PORTICO_ROOT_ACCESS_KEY_ID and
    /// PORTICO_ROOT_SECRET_ACCESS_KEY, else generated into the data directory).
    #[arg(long, value_name = "KEY:SECRET")]
    root_credentials: Option<String>,
    /// Seconds a client may take to send a request head once it started (slow clients).
    #[arg(long, default_value_t = 30)]
    header_read_timeout: u64,
    /// Seconds an idle keep-alive client connection stays open.
    #[arg(long, default_value_t = 75)]
    keep_alive_timeout: u64,
    /// The AWS region Portico plays: in ARNs, in the credential scope of data-plane SigV4
    /// signatures, in functions' `AWS_REGION`. Kept in the data directory: later starts
    /// reuse it and refuse another [default: us-east-1].
    #[arg(long, env = "PORTICO_REGION")]
    region: Option<String>,
    /// Data-plane worker threads, each with its own event loop (default: one per available CPU).
    #[arg(long)]
    workers: Option<usize>,
    /// A private listener playing an interface VPC endpoint (`vpce-NAME=ADDR`), repeatable:
    /// PRIVATE APIs are served only there, with `aws:SourceVpce` = NAME.
    #[arg(long = "private-listen", value_name = "vpce-NAME=ADDR", value_parser = crate::access::parse_private_listen)]
    private_listen: Vec<crate::access::PrivateListen>,
    /// The endpoint policy of a private listener (`vpce-NAME=FILE`, an IAM policy document);
    /// without one an endpoint allows everything, as AWS's default endpoint policy does.
    #[arg(long = "endpoint-policy", value_name = "vpce-NAME=FILE")]
    endpoint_policy: Vec<String>,
    /// A proxy (address or CIDR block) whose `X-Forwarded-For` is trusted for
    /// `aws:SourceIp` and `$context.identity.sourceIp`, repeatable.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    trusted_proxy: Vec<String>,
    /// The issuer (and key-set URL) of a Cognito user pool or any OIDC provider, for
    /// COGNITO_USER_POOLS authorizers naming its ARN (`ARN=ISSUER[,JWKS_URL]`), repeatable;
    /// without it a pool ARN maps to Cognito's own issuer.
    #[arg(long = "user-pool", value_name = "ARN=ISSUER[,JWKS_URL]", value_parser = parse_user_pool)]
    user_pool: Vec<portico_jwt::Provider>,
    /// Python interpreter that runs `python3.x` functions.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Most function invocations running at once, account-wide (each is one worker process).
    #[arg(long, default_value_t = 64)]
    max_function_workers: usize,
    /// Seconds an idle warm function worker is kept before it is stopped.
    #[arg(long, default_value_t = 300)]
    function_idle_timeout: u64,
    /// Size in MiB at which a function's log is rotated to `{name}.log.1`.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..))]
    function_log_max_mib: u64,
}

/// Runs the gateway until a shutdown signal.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    init_logging();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = args.workers {
        runtime.worker_threads(workers.max(1));
    }
    let runtime = runtime
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if args.store != "sqlite" {
        bail!(
            "--store {}: only the embedded store (sqlite) is available in this version; \
             PostgreSQL cluster mode is not built yet",
            args.store
        );
    }
    if let Some(redis) = &args.redis {
        bail!("--redis {redis}: shared limits and caches in Redis are not built yet");
    }
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating data directory {}", args.data_dir.display()))?;
    // First: everything after this names the region in ARNs.
    let region = crate::region::choose(&args.data_dir, args.region.as_deref())?;
    let imports = read_imports(&args.import)?;
    let access = crate::access::config(
        &args.private_listen,
        &args.endpoint_policy,
        &args.trusted_proxy,
    )?;
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&args.data_dir)
            .with_context(|| format!("opening store in {}", args.data_dir.display()))?,
    );
    let given = given_credentials(args.root_credentials.as_deref());
    let (credentials, origin) = credentials::resolve(given.as_deref(), &args.data_dir)?;

    let live = Arc::new(Live::default());
    let gateway_limits = Arc::new(portico_limits::Limits::default());
    let report = publish::load_all(store.as_ref(), &live, &gateway_limits)
        .await
        .context("loading deployed stages")?;
    for (stage, reason) in &report.failed {
        tracing::warn!(stage, reason, "stage cannot be served");
    }
    let function_host = portico_functions::FunctionHost::start(portico_functions::HostConfig {
        data_dir: args.data_dir.clone(),
        region,
        account_id: portico_model::ACCOUNT_ID.to_owned(),
        python: args.python.clone(),
        idle_timeout: std::time::Duration::from_secs(args.function_idle_timeout.max(1)),
        max_workers: args.max_function_workers.max(1),
        log_max_bytes: args.function_log_max_mib.saturating_mul(1 << 20),
        ..portico_functions::HostConfig::default()
    })
    .await
    .context("starting the function host")?;
    let functions = portico_control_plane::lambda::Functions {
        host: function_host.clone(),
        data_dir: args.data_dir.clone(),
    };
    // One set of user pools for the data plane's authorizers and TestInvokeAuthorizer.
    let user_pools = Arc::new(portico_jwt::UserPools::new(args.user_pool.clone()));
    let control_plane = ControlPlane::new(
        store,
        Arc::clone(&live),
        gateway_limits,
        credentials,
        Some(functions),
        Arc::clone(&user_pools),
    );
    portico_control_plane::domains::republish(&control_plane)
        .await
        .context("loading custom domain names")?;
    portico_control_plane::iam::republish(&control_plane)
        .await
        .context("loading IAM users and access keys")?;
    portico_control_plane::lambda::republish(&control_plane)
        .await
        .context("loading functions")?;
    // Before the control plane takes uploads: code of deleted or replaced versions goes.
    match portico_control_plane::lambda::remove_unused_code(&control_plane).await {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "removed unused function code packages"),
        Err(err) => tracing::warn!(error = %err, "removing unused function code failed"),
    }
    let mut imported = Vec::new();
    for (path, stage, bytes) in &imports {
        let report =
            portico_control_plane::openapi::import_and_deploy(&control_plane, bytes, stage)
                .await
                .map_err(|err| anyhow::anyhow!("--import {}: {err}", path.display()))?;
        imported.push(report);
    }

    let workers = args
        .workers
        .unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
        .max(1);
    let data_listeners = portico_data_plane::http1::workers::bind(args.listen, workers)
        .with_context(|| format!("binding data plane to {}", args.listen))?;
    let admin_listener = TcpListener::bind(args.admin_listen)
        .await
        .with_context(|| format!("binding control plane to {}", args.admin_listen))?;
    let mut private_listeners = Vec::with_capacity(args.private_listen.len());
    for (index, listen) in args.private_listen.iter().enumerate() {
        let listeners =
            portico_data_plane::http1::workers::bind(listen.address, 1).with_context(|| {
                format!(
                    "binding private endpoint {} to {}",
                    listen.id, listen.address
                )
            })?;
        private_listeners.push((listen.id.clone(), listeners.private(index)));
    }
    let data_address = data_listeners.local_addr;
    let admin_address = admin_listener
        .local_addr()
        .context("reading control-plane address")?;
    let private_addresses: Vec<(String, SocketAddr)> = private_listeners
        .iter()
        .map(|(id, listeners)| (id.clone(), listeners.local_addr))
        .collect();
    announce(
        &args,
        data_address,
        &private_addresses,
        admin_address,
        live.load().stage_count(),
        control_plane.credentials(),
        origin,
    );
    announce_imports(&imported, data_address);

    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stop.send(true);
    });

    let limits = portico_data_plane::Limits {
        header_read_timeout: std::time::Duration::from_secs(args.header_read_timeout.max(1)),
        keep_alive_timeout: std::time::Duration::from_secs(args.keep_alive_timeout.max(1)),
    };
    control_plane.set_method_tester(Arc::new(crate::test_invoke::DataPlaneTester {
        limits,
        functions: function_host.clone(),
        user_pools: Arc::clone(&user_pools),
    }));
    let data_plane = Arc::new(
        DataPlane::with_limits(Arc::clone(&live), limits)
            .with_access(access)
            .with_functions(function_host.clone())
            .with_user_pools(user_pools),
    );
    let mut data_workers =
        portico_data_plane::http1::workers::start(&data_plane, data_listeners, &stopped)
            .context("starting data-plane workers")?;
    for (id, listeners) in private_listeners {
        data_workers.extend(
            portico_data_plane::http1::workers::start(&data_plane, listeners, &stopped)
                .with_context(|| format!("starting private endpoint {id}"))?,
        );
    }
    let data_task = tokio::task::spawn_blocking(move || {
        for worker in data_workers {
            let _ = worker.join();
        }
    });
    let flusher = portico_control_plane::usage::spawn_flusher(control_plane.clone());
    let code_collector = portico_control_plane::lambda::spawn_code_collector(control_plane.clone());
    let router = portico_control_plane::router(control_plane.clone());
    // The peer address reaches handlers for `aws:SourceIp` in control-plane policies.
    let admin = axum::serve(
        admin_listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signalled(stopped));
    let (admin_result, data_result) = tokio::join!(admin, data_task);
    flusher.abort();
    code_collector.abort();
    // Requests counted since the last tick reach the store before the process exits.
    if let Err(err) = portico_control_plane::usage::flush_all(&control_plane).await {
        tracing::warn!(error = %err, "final usage flush failed");
    }
    function_host.shutdown().await;
    admin_result.context("control plane failed")?;
    data_result.context("data plane failed")?;
    Ok(())
}

/// `--user-pool ARN=ISSUER[,JWKS_URL]`; the key set defaults to the issuer's
/// `/.well-known/jwks.json`.
fn parse_user_pool(value: &str) -> Result<portico_jwt::Provider, String> {
    let (arn, rest) = value
        .split_once('=')
        .ok_or("expected ARN=ISSUER[,JWKS_URL]")?;
    let (issuer, jwks_url) = match rest.split_once(',') {
        Some((issuer, jwks_url)) => (issuer, Some(jwks_url)),
        None => (rest, None),
    };
    if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
        return Err(format!("issuer {issuer} is not an http(s) URL"));
    }
    let mut provider = portico_jwt::Provider::from_issuer(issuer);
    provider.arn = arn.to_owned();
    if let Some(jwks_url) = jwks_url {
        provider.jwks_url = jwks_url.to_owned();
    }
    Ok(provider)
}

/// Reads every `--import FILE[:STAGE]` document up front, so a missing file fails the start.
fn read_imports(specs: &[String]) -> anyhow::Result<Vec<(PathBuf, String, Vec<u8>)>> {
    specs
        .iter()
        .map(|spec| {
            let (path, stage) = split_import_spec(spec);
            let bytes = std::fs::read(&path)
                .with_context(|| format!("--import: reading {}", path.display()))?;
            Ok((path, stage, bytes))
        })
        .collect()
}

/// `FILE[:STAGE]`; a colon followed by something path-like belongs to the file name.
fn split_import_spec(spec: &str) -> (PathBuf, String) {
    match spec.rsplit_once(':') {
        Some((file, stage))
            if !file.is_empty()
                && !stage.is_empty()
                && stage
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            (PathBuf::from(file), stage.to_owned())
        }
        _ => (PathBuf::from(spec), "dev".to_owned()),
    }
}

/// Prints what `--import` created or updated and how to call it.
fn announce_imports(imports: &[portico_control_plane::openapi::ImportReport], data: SocketAddr) {
    let mut out = std::io::stdout().lock();
    for report in imports {
        let verb = if report.updated {
            "Updated"
        } else {
            "Imported"
        };
        let _ = writeln!(
            out,
            "\n{verb} \"{}\" as API {}, deployed to stage {}:",
            report.name, report.api_id, report.stage
        );
        let port = data.port();
        for (method, path) in report.methods.iter().take(20) {
            let _ = writeln!(
                out,
                "  {method:7} http://{}.execute-api.localhost:{port}/{}{path}",
                report.api_id, report.stage
            );
        }
        if report.methods.len() > 20 {
            let _ = writeln!(out, "  … and {} more", report.methods.len() - 20);
        }
        for warning in &report.warnings {
            let _ = writeln!(out, "  warning: {warning}");
        }
    }
    let _ = out.flush();
}

/// Credentials from the environment when not given on the command line.
fn given_credentials(flag: Option<&str>) -> Option<String> {
    if let Some(flag) = flag {
        return Some(flag.to_owned());
    }
    let key = std::env::var("PORTICO_ROOT_ACCESS_KEY_ID").ok()?;
    let secret = std::env::var("PORTICO_ROOT_SECRET_ACCESS_KEY").ok()?;
    Some(format!("{key}:{secret}"))
}

async fn signalled(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

async fn wait_for_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// Prints where Portico listens (tests read these lines) and, once, generated credentials.
fn announce(
    args: &ServeArgs,
    data: SocketAddr,
    private: &[(String, SocketAddr)],
    admin: SocketAddr,
    stages: usize,
    credentials: &portico_control_plane::RootCredentials,
    origin: Origin,
) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Portico {} is running.", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "  Data plane:    http://{data}");
    for (id, address) in private {
        let _ = writeln!(out, "  Private endpoint {id}: http://{address}");
    }
    let _ = writeln!(out, "  Control plane: http://{admin}");
    let _ = writeln!(
        out,
        "  Data dir:      {} (embedded SQLite store)",
        args.data_dir.display()
    );
    let _ = writeln!(out, "  Region:        {}", portico_model::region());
    let _ = writeln!(out, "  Stages served: {stages}");
    let _ = writeln!(out);
    let _ = writeln!(out, "Invoke a deployed stage:");
    let _ = writeln!(
        out,
        "  curl -H 'Host: API_ID.execute-api.localhost' http://{data}/STAGE/PATH"
    );
    let _ = writeln!(
        out,
        "  curl http://{data}/restapis/API_ID/STAGE/_user_request_/PATH"
    );
    let _ = writeln!(out, "Manage APIs:");
    let _ = writeln!(
        out,
        "  aws --endpoint-url http://{admin} apigateway get-rest-apis"
    );
    if origin == Origin::Generated {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Root credentials (generated now, saved in {}; shown only this once):",
            args.data_dir.join(credentials::FILE_NAME).display()
        );
        let _ = writeln!(
            out,
            "  export AWS_ACCESS_KEY_ID={}",
            credentials.access_key_id
        );
        let _ = writeln!(
            out,
            "  export AWS_SECRET_ACCESS_KEY={}",
            credentials.secret_access_key
        );
        let _ = writeln!(
            out,
            "  export AWS_DEFAULT_REGION={}",
            portico_model::region()
        );
    }
    let _ = out.flush();
}
