//! The web view's HTTP server: the embedded page, a JSON API over the [`Store`], and a
//! server-sent event stream that says when something changed. Loopback by default; it serves
//! only what the receiver already showed on the terminal.

use super::assets;
use super::query::{self, TraceFilter};
use super::store::Store;
use bytes::Bytes;
use futures_util::StreamExt;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use serde::Serialize;
use serde_json::json;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The address `serve --ui` listens on when none is given.
pub const DEFAULT_UI_LISTEN: &str = "127.0.0.1:8686";
/// How often the event stream looks for changes: the page's list updates at most this often.
const EVENT_INTERVAL: Duration = Duration::from_millis(250);
/// A comment line keeps idle streams alive through proxies that close silent connections.
const KEEPALIVE_EVERY: u32 = 60;
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The store shared by the sink that fills it and the server that reads it.
#[derive(Debug, Clone)]
pub struct SharedStore(Arc<Mutex<Store>>);

impl SharedStore {
    pub fn new(store: Store) -> Self {
        SharedStore(Arc::new(Mutex::new(store)))
    }

    /// A panic while holding the lock leaves a store that is still readable.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the page shows beside the data: where the receiver listens.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Endpoints {
    pub grpc: String,
    pub http: String,
}

#[derive(Debug)]
struct State {
    store: SharedStore,
    endpoints: Mutex<Endpoints>,
}

/// The web view, bound and serving on its own task until stopped.
#[derive(Debug)]
pub struct UiServer {
    addr: SocketAddr,
    state: Arc<State>,
    token: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl UiServer {
    /// Binds `addr` and starts serving `store`.
    pub async fn start(addr: SocketAddr, store: SharedStore) -> std::io::Result<UiServer> {
        let listener = crate::transport::listener::bind(addr)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            store,
            endpoints: Mutex::new(Endpoints::default()),
        });
        let token = CancellationToken::new();
        let task = tokio::spawn({
            let (state, token) = (state.clone(), token.clone());
            crate::http_connection::accept_until(listener, token.clone(), move |stream, _| {
                let (state, token) = (state.clone(), token.clone());
                async move {
                    let handler_token = token.clone();
                    crate::http_connection::serve(stream, HEADER_READ_TIMEOUT, token, move |r| {
                        let (state, token) = (state.clone(), handler_token.clone());
                        async move { handle(r, &state, token) }
                    })
                    .await;
                }
            })
        });
        Ok(UiServer {
            addr,
            state,
            token,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The store the page reads, for the sink that fills it.
    pub fn store(&self) -> SharedStore {
        self.state.store.clone()
    }

    /// The page's address, as printed for the user.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Tells the page where the receiver listens, once it is bound.
    pub fn set_endpoints(&self, endpoints: Endpoints) {
        *self
            .state
            .endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = endpoints;
    }

    /// Ends the event streams and stops serving.
    pub async fn stop(self) {
        self.token.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

type Body = UnsyncBoxBody<Bytes, Infallible>;

fn handle(request: Request<Incoming>, state: &State, token: CancellationToken) -> Response<Body> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            "the web view only reads: use GET\n",
        );
    }
    let path = request.uri().path();
    let query = request.uri().query().unwrap_or("");
    if let Some(asset) = assets::find(path) {
        return full(
            StatusCode::OK,
            asset.content_type,
            Bytes::from_static(asset.body),
        );
    }
    if path == "/api/events" {
        return events(state.store.clone(), endpoints(state), token);
    }
    let store = state.store.lock();
    let body = match path {
        "/api/state" => Some(state_value(&store, state)),
        "/api/traces" => Some(json!(query::traces(
            &store,
            &TraceFilter::from_query(query)
        ))),
        "/api/logs" => Some(json!(query::logs(&store, query))),
        "/api/metrics" => Some(json!(query::metrics(&store))),
        "/api/findings" => Some(json!(query::findings(&store))),
        "/api/requests" => Some(json!(query::requests(&store, query))),
        _ => match path.strip_prefix("/api/traces/") {
            Some(id) => match query::trace(&store, id) {
                Some(detail) => Some(json!(detail)),
                None => {
                    return text(
                        StatusCode::NOT_FOUND,
                        &format!("no trace {id} is kept: it never arrived, or it was evicted\n"),
                    );
                }
            },
            None => None,
        },
    };
    match body {
        Some(value) => full(
            StatusCode::OK,
            "application/json",
            Bytes::from(value.to_string()),
        ),
        None => text(
            StatusCode::NOT_FOUND,
            &format!("no page at {path}; the web view is at /\n"),
        ),
    }
}

fn endpoints(state: &State) -> Endpoints {
    state
        .endpoints
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

fn state_value(store: &Store, state: &State) -> serde_json::Value {
    state_value_with(store, &endpoints(state))
}

fn state_value_with(store: &Store, endpoints: &Endpoints) -> serde_json::Value {
    let limits = store.limits();
    json!({
        "version": store.version(),
        "tallies": store.tallies(),
        "limits": {"max_items": limits.max_items, "max_age_seconds": limits.max_age.as_secs()},
        "services": query::services(store),
        "endpoints": endpoints,
    })
}

/// `text/event-stream`: one `state` event now and after every change, checked every
/// [`EVENT_INTERVAL`], until the client goes or the server stops.
fn events(store: SharedStore, endpoints: Endpoints, token: CancellationToken) -> Response<Body> {
    let mut interval = tokio::time::interval(EVENT_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let stream =
        futures_util::stream::unfold((interval, None::<u64>), move |(mut interval, seen)| {
            let (store, token, endpoints) = (store.clone(), token.clone(), endpoints.clone());
            let frame = async move {
                for _ in 0..KEEPALIVE_EVERY {
                    interval.tick().await;
                    let mut store = store.lock();
                    store.expire(Instant::now());
                    let version = store.version();
                    if seen != Some(version) {
                        let event = format!(
                            "event: state\ndata: {}\n\n",
                            state_value_with(&store, &endpoints)
                        );
                        return (event, (interval, Some(version)));
                    }
                }
                (": idle\n\n".to_owned(), (interval, seen))
            };
            async move {
                tokio::select! {
                    () = token.cancelled() => None,
                    next = frame => Some(next),
                }
            }
        })
        .map(|chunk| Ok::<_, Infallible>(Frame::data(Bytes::from(chunk))));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-store")
        .body(BodyExt::boxed_unsync(StreamBody::new(stream)))
        .unwrap_or_else(|_| Response::new(empty()))
}

fn full(status: StatusCode, content_type: &str, body: Bytes) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Full::new(body).boxed_unsync())
        .unwrap_or_else(|_| Response::new(empty()))
}

fn text(status: StatusCode, message: &str) -> Response<Body> {
    full(
        status,
        "text/plain; charset=utf-8",
        Bytes::from(message.to_owned()),
    )
}

fn empty() -> Body {
    Full::new(Bytes::new()).boxed_unsync()
}
