//! The HTTP API over the store (axum on tokio): alerts and their live
//! stream, decisions, the feeds enforcement points pull (CrowdSec, block
//! list, OpenC2), statistics, Prometheus metrics and health. Every endpoint
//! needs a credential; the server runs on its own threads so packet
//! processing never waits on it. With `api.tls_cert` and `api.tls_key` it
//! speaks HTTPS only (`tls`).

pub mod alerts;
pub mod auth;
pub mod crowdsec;
pub mod decisions;
pub mod feeds;
pub mod metrics;
pub mod rules;
pub mod stream;
pub mod tls;

use crate::config::ApiConfig;
use crate::policy::file::ProtectedRange;
use crate::store::{StoreError, open_connection};
use auth::{Credentials, Refusal, Scope};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use rusqlite::Connection;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Counters of a run in this process, for `/metrics` and `/v1/stats`.
#[derive(Debug, Default)]
pub struct LiveCounters {
    pub packets: AtomicU64,
    pub bytes: AtomicU64,
    pub alerts: AtomicU64,
    /// Packet-to-alert latency of a paced or live run.
    pub latency: Arc<crate::pipeline::Latency>,
    /// The rules of the run in this process, for `POST /v1/rules/reload`.
    pub reload: std::sync::OnceLock<Arc<crate::pipeline::RuleReload>>,
}

struct Inner {
    store: PathBuf,
    creds: Credentials,
    sensor: String,
    heartbeat: Duration,
    live: Arc<LiveCounters>,
    protected: Vec<ProtectedRange>,
    pool: Mutex<Vec<Connection>>,
}

/// What every handler shares.
#[derive(Clone)]
pub struct ApiState(Arc<Inner>);

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or unknown credentials")]
    Unauthenticated,
    #[error("this credential may not do that")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    #[error("request body larger than the configured api.max_body")]
    TooLarge,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("store: {0}")]
    Store(String),
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Unauthenticated => ApiError::Unauthenticated,
            Refusal::Forbidden => ApiError::Forbidden,
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadRequest(e.body_text())
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Store(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = axum::Json(serde_json::json!({ "error": self.to_string() }));
        let mut r = (status, body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        r
    }
}

impl ApiState {
    pub fn new(
        cfg: &ApiConfig,
        store: PathBuf,
        sensor: String,
        live: Arc<LiveCounters>,
        protected: Vec<ProtectedRange>,
    ) -> Result<Self, String> {
        let creds = Credentials::new(&cfg.tokens, &cfg.bouncer_keys)?;
        // Opening once validates the path and brings the schema up to date.
        let conn = open_connection(&store).map_err(|e| e.to_string())?;
        Ok(ApiState(Arc::new(Inner {
            store,
            creds,
            sensor,
            heartbeat: Duration::from_secs(cfg.heartbeat_secs.max(1)),
            live,
            protected,
            pool: Mutex::new(vec![conn]),
        })))
    }

    pub fn require(&self, headers: &HeaderMap, scope: Scope) -> Result<auth::Caller, ApiError> {
        Ok(self.0.creds.require(headers, scope)?)
    }

    pub fn require_bouncer(&self, headers: &HeaderMap) -> Result<auth::Caller, ApiError> {
        Ok(self.0.creds.require_bouncer(headers)?)
    }

    pub fn sensor(&self) -> &str {
        &self.0.sensor
    }

    pub fn heartbeat(&self) -> Duration {
        self.0.heartbeat
    }

    pub fn live(&self) -> &LiveCounters {
        &self.0.live
    }

    /// The protected range holding `ip`, if any.
    pub fn protected_by(&self, ip: std::net::IpAddr) -> Option<&str> {
        self.0
            .protected
            .iter()
            .find(|p| p.set.contains(ip))
            .map(|p| p.name.as_str())
    }

    /// Runs `f` on a pooled store connection, off the async threads.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match state.0.pool.lock().ok().and_then(|mut p| p.pop()) {
                Some(c) => c,
                None => open_connection(&state.0.store)?,
            };
            let out = f(&conn);
            if let Ok(mut p) = state.0.pool.lock()
                && p.len() < 8
            {
                p.push(conn);
            }
            out
        })
        .await
        .map_err(|e| ApiError::Store(e.to_string()))?
        .map_err(ApiError::from)
    }
}

/// Every route.
pub fn router(state: ApiState, max_body: usize) -> Router {
    Router::new()
        .route("/healthz", get(metrics::healthz))
        .route("/metrics", get(metrics::prometheus))
        .route("/v1/stats", get(metrics::stats))
        .route("/v1/alerts", get(alerts::list))
        .route("/v1/alerts/stream", get(stream::alerts))
        .route("/v1/decisions", get(decisions::list_or_crowdsec).post(decisions::add))
        .route("/v1/decisions/stream", get(crowdsec::stream))
        .route("/v1/decisions/{id}", delete(decisions::revoke))
        .route("/v1/check", get(decisions::check))
        .route("/v1/feeds/blocklist.txt", get(feeds::blocklist))
        .route("/v1/feeds/openc2", get(feeds::openc2))
        .route("/v1/rules/reload", axum::routing::post(rules::reload))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("api: {0}")]
    Config(String),
    #[error("api: cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("api: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// Plain HTTP until `stopped` completes; then the answers in progress get
/// the same drain time as over TLS. Alert streams never end by themselves,
/// so without the bound one open stream would hold the stop forever.
async fn serve_plain(
    listener: tokio::net::TcpListener,
    app: Router,
    stopped: impl Future<Output = ()> + Send + 'static,
) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
        stopped.await;
        let _ = stop_tx.send(true);
    });
    let mut stop_rx = stop_rx;
    let drained = async move {
        let _ = stop_rx.wait_for(|stopped| *stopped).await;
        tokio::time::sleep(tls::DRAIN).await;
    };
    tokio::select! {
        served = serve => if let Err(e) = served {
            tracing::error!("api: {e}");
        },
        () = drained => tracing::info!("api: connections still open {:?} after the stop (alert streams): closing them", tls::DRAIN),
    }
}

/// A running API server.
pub struct ApiServer {
    pub addr: SocketAddr,
    /// Whether it speaks HTTPS.
    pub tls: bool,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ApiServer {
    /// Binds `cfg.listen` and serves the store at `store` on a thread of its own.
    pub fn start(
        cfg: &ApiConfig,
        store: PathBuf,
        sensor: String,
        live: Arc<LiveCounters>,
        protected: Vec<ProtectedRange>,
    ) -> Result<Self, ServeError> {
        if cfg.tokens.is_empty() && cfg.bouncer_keys.is_empty() {
            return Err(ServeError::Config(
                "no api.tokens or api.bouncer_keys configured: nobody could call it".into(),
            ));
        }
        let tls = match cfg.tls_files().map_err(ServeError::Config)? {
            Some((cert, key)) => Some(tls::server_config(cert, key)?),
            None => None,
        };
        let state = ApiState::new(cfg, store, sensor, live, protected).map_err(ServeError::Config)?;
        let listener = std::net::TcpListener::bind(&cfg.listen).map_err(|source| ServeError::Bind {
            addr: cfg.listen.clone(),
            source,
        })?;
        listener.set_nonblocking(true).map_err(ServeError::Runtime)?;
        let addr = listener.local_addr().map_err(ServeError::Runtime)?;
        if !addr.ip().is_loopback() && tls.is_none() {
            tracing::warn!(
                %addr,
                "the API listens beyond loopback without TLS: set api.tls_cert and api.tls_key, or put it behind a TLS proxy"
            );
        }
        let https = tls.is_some();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("vigie-api")
            .enable_all()
            .build()
            .map_err(ServeError::Runtime)?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = router(state, usize::try_from(cfg.max_body.0).unwrap_or(usize::MAX));
        let thread = std::thread::Builder::new()
            .name("vigie-api".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!("api: {e}");
                            return;
                        }
                    };
                    let stopped = async {
                        let _ = rx.await;
                    };
                    match tls {
                        Some(config) => tls::serve(listener, config, app, stopped).await,
                        None => serve_plain(listener, app, stopped).await,
                    }
                });
                // Streams still open must not hold the process.
                runtime.shutdown_timeout(Duration::from_millis(200));
            })
            .map_err(ServeError::Runtime)?;
        tracing::info!(%addr, tls = https, "api listening");
        Ok(ApiServer {
            addr,
            tls: https,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// Stops accepting, lets requests in flight finish, and returns.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Blocks until SIGINT or SIGTERM (Ctrl-C on other systems).
pub fn wait_for_signal() {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return;
    };
    rt.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    });
}
