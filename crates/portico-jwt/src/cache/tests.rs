use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{JwksCache, JwksCacheOptions};
use crate::testkeys::{self, jwk, jwks_json, sign};
use crate::{JwtError, Provider, Requirements, Validated};

const NOW: i64 = 1_700_000_000;

/// What the test server answers.
#[derive(Clone)]
enum Reply {
    Json(String),
    /// A JSON body without `Content-Length`, ended by closing the connection.
    Unframed(String),
    Status(u16),
    /// Reads the request and never answers.
    Silent,
}

/// A JWKS endpoint on a loopback port that counts the requests it has read.
struct JwksServer {
    provider: Provider,
    reply: Arc<Mutex<Reply>>,
    served: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(reply: Reply) -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("local address");
        let reply = Arc::new(Mutex::new(reply));
        let served = Arc::new(AtomicUsize::new(0));
        let (task_reply, task_served) = (Arc::clone(&reply), Arc::clone(&served));
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (reply, served) = (Arc::clone(&task_reply), Arc::clone(&task_served));
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0; 1024];
                    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => request.extend_from_slice(&buffer[..read]),
                        }
                        if !request.starts_with(&b"GET "[..request.len().min(4)]) {
                            // Not HTTP (a TLS ClientHello): answer like a plain server would.
                            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                            return;
                        }
                    }
                    served.fetch_add(1, Ordering::SeqCst);
                    let expected = b"GET /pool/.well-known/jwks.json HTTP/1.1\r\n";
                    let reply = if request.starts_with(expected) {
                        reply.lock().expect("reply").clone()
                    } else {
                        Reply::Status(404)
                    };
                    let response = match reply {
                        Reply::Json(body) => format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                             content-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        ),
                        Reply::Unframed(body) => {
                            format!("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{body}")
                        }
                        Reply::Status(status) => format!(
                            "HTTP/1.1 {status} Nope\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        ),
                        Reply::Silent => {
                            std::future::pending::<()>().await;
                            return;
                        }
                    };
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        let issuer = format!("http://{address}/pool");
        JwksServer {
            provider: Provider::from_issuer(&issuer),
            reply,
            served,
        }
    }

    fn set_reply(&self, reply: Reply) {
        *self.reply.lock().expect("reply") = reply;
    }

    fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    fn token(&self, kid: &str, signer: testkeys::Signer) -> String {
        let claims = json!({"sub": "user-1", "iss": self.provider.issuer, "token_use": "id",
                            "aud": "client-1", "exp": NOW + 3600});
        sign("RS256", kid, &claims, signer)
    }
}

fn keys(entries: &[(&str, testkeys::Signer)]) -> Reply {
    let entries: Vec<Value> = entries
        .iter()
        .map(|(kid, signer)| jwk(kid, *signer))
        .collect();
    Reply::Json(jwks_json(&entries))
}

async fn validate(
    cache: &JwksCache,
    server: &JwksServer,
    token: &str,
) -> Result<Validated, JwtError> {
    let requirements = Requirements {
        scopes: &[],
        audience_pattern: None,
        now: NOW,
    };
    let providers = std::slice::from_ref(&server.provider);
    cache.validate(token, providers, &requirements).await
}

fn options(refetch_interval: Duration) -> JwksCacheOptions {
    JwksCacheOptions {
        refetch_interval,
        ..JwksCacheOptions::default()
    }
}

fn is_fetch_error(result: &Result<Validated, JwtError>) -> bool {
    matches!(result, Err(JwtError::Fetch(_)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_fetch_serves_many_concurrent_validations() {
    let server = Arc::new(JwksServer::start(keys(&[("k1", testkeys::rsa())])).await);
    let cache = Arc::new(JwksCache::new());
    assert!(cache.cached(&server.provider.issuer).is_none());
    let token = Arc::new(server.token("k1", testkeys::rsa()));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (cache, server, token) =
                (Arc::clone(&cache), Arc::clone(&server), Arc::clone(&token));
            tokio::spawn(async move { validate(&cache, &server, &token).await })
        })
        .collect();
    for task in tasks {
        let validated = task.await.expect("task").expect("valid token");
        assert_eq!(validated.issuer, server.provider.issuer);
    }
    for _ in 0..16 {
        validate(&cache, &server, &token)
            .await
            .expect("valid token");
    }
    assert_eq!(server.served(), 1);
    let cached = cache
        .cached(&server.provider.issuer)
        .expect("cached after use");
    assert!(cached.contains("k1"));
}

#[tokio::test]
async fn rotated_key_is_fetched_when_a_token_names_it() {
    let server = JwksServer::start(keys(&[("k1", testkeys::rsa())])).await;
    let cache = JwksCache::with_options(options(Duration::ZERO));
    validate(&cache, &server, &server.token("k1", testkeys::rsa()))
        .await
        .expect("k1");
    assert_eq!(server.served(), 1);

    server.set_reply(keys(&[
        ("k1", testkeys::rsa()),
        ("k2", testkeys::rsa_next()),
    ]));
    let rotated = server.token("k2", testkeys::rsa_next());
    validate(&cache, &server, &rotated)
        .await
        .expect("k2 after refetch");
    validate(&cache, &server, &rotated)
        .await
        .expect("k2 cached");
    assert_eq!(server.served(), 2);
}

#[tokio::test]
async fn unknown_kids_do_not_refetch_within_the_interval() {
    let server = JwksServer::start(keys(&[("k1", testkeys::rsa())])).await;
    let cache = JwksCache::new();
    validate(&cache, &server, &server.token("k1", testkeys::rsa()))
        .await
        .expect("k1");
    for attempt in 0..20 {
        let kid = format!("bogus-{attempt}");
        let result = validate(&cache, &server, &server.token(&kid, testkeys::rsa())).await;
        assert_eq!(result.map(|_| ()), Err(JwtError::UnknownKey { kid }));
    }
    // The first fetch started less than 30 s ago, so no unknown kid reached the provider.
    assert_eq!(server.served(), 1);
    validate(&cache, &server, &server.token("k1", testkeys::rsa()))
        .await
        .expect("k1 still");
}

#[tokio::test]
async fn a_flood_of_unknown_kids_costs_one_refetch() {
    let server = JwksServer::start(keys(&[("k1", testkeys::rsa())])).await;
    let cache = JwksCache::with_options(options(Duration::ZERO));
    validate(&cache, &server, &server.token("k1", testkeys::rsa()))
        .await
        .expect("k1");
    // With no interval every unknown kid refetches once, and never twice in one call.
    for attempt in 0..5 {
        let kid = format!("bogus-{attempt}");
        let result = validate(&cache, &server, &server.token(&kid, testkeys::rsa())).await;
        assert_eq!(result.map(|_| ()), Err(JwtError::UnknownKey { kid }));
    }
    assert_eq!(server.served(), 6);
}

#[tokio::test]
async fn refused_tokens_do_not_fetch() {
    let server = JwksServer::start(keys(&[("k1", testkeys::rsa())])).await;
    let cache = JwksCache::new();
    let claims = json!({"iss": "https://elsewhere.example.com", "token_use": "id",
                        "exp": NOW + 60});
    let foreign = sign("RS256", "k1", &claims, testkeys::rsa());
    let expired = sign(
        "RS256",
        "k1",
        &json!({"iss": server.provider.issuer, "token_use": "id", "exp": NOW - 1}),
        testkeys::rsa(),
    );
    let result = validate(&cache, &server, &foreign).await;
    assert_eq!(result.map(|_| ()), Err(JwtError::WrongIssuer));
    let result = validate(&cache, &server, &expired).await;
    assert_eq!(result.map(|_| ()), Err(JwtError::Expired));
    let result = validate(&cache, &server, "not a token").await;
    assert_eq!(result.map(|_| ()), Err(JwtError::Malformed));
    assert_eq!(server.served(), 0);
}

#[tokio::test]
async fn failed_fetch_is_not_retried_within_the_interval() {
    let server = JwksServer::start(Reply::Status(404)).await;
    let cache = JwksCache::new();
    let token = server.token("k1", testkeys::rsa());
    let first = validate(&cache, &server, &token).await;
    assert!(is_fetch_error(&first), "{first:?}");
    let again = validate(&cache, &server, &token).await;
    assert!(is_fetch_error(&again), "{again:?}");
    assert_eq!(server.served(), 1);
}

#[tokio::test]
async fn stale_key_set_is_refetched_and_withdrawn_keys_stop_working() {
    let server = JwksServer::start(keys(&[("k1", testkeys::rsa())])).await;
    let cache = JwksCache::with_options(JwksCacheOptions {
        refetch_interval: Duration::ZERO,
        max_age: Duration::ZERO,
        ..JwksCacheOptions::default()
    });
    let token = server.token("k1", testkeys::rsa());
    validate(&cache, &server, &token)
        .await
        .expect("first fetch");
    validate(&cache, &server, &token)
        .await
        .expect("stale, refetched");
    assert_eq!(server.served(), 2);

    // An unreachable provider keeps its old keys.
    server.set_reply(Reply::Status(500));
    validate(&cache, &server, &token)
        .await
        .expect("stale keys serve");
    assert_eq!(server.served(), 3);

    // A key the provider withdrew is no longer trusted, and costs one fetch, not two.
    server.set_reply(keys(&[("k2", testkeys::rsa_next())]));
    let result = validate(&cache, &server, &token).await;
    assert_eq!(
        result.map(|_| ()),
        Err(JwtError::UnknownKey { kid: "k1".into() })
    );
    assert_eq!(server.served(), 4);
}

#[tokio::test]
async fn oversized_key_set_is_refused() {
    let padding = "x".repeat(2 * 1024 * 1024);
    let body = format!(r#"{{"keys": [], "padding": "{padding}"}}"#);
    for reply in [Reply::Json(body.clone()), Reply::Unframed(body)] {
        let server = JwksServer::start(reply).await;
        let result = JwksCache::new().refresh(&server.provider).await;
        let Err(JwtError::Fetch(reason)) = result else {
            panic!("expected a fetch error, got {result:?}");
        };
        assert!(reason.contains("body over 1048576 bytes"), "{reason}");
    }
}

#[tokio::test]
async fn unframed_key_set_within_the_limit_is_read_to_the_end() {
    let server = JwksServer::start(keys(&[("k1", testkeys::rsa())])).await;
    let Reply::Json(body) = server.reply.lock().expect("reply").clone() else {
        unreachable!("keys() answers JSON")
    };
    server.set_reply(Reply::Unframed(body));
    let jwks = JwksCache::new()
        .refresh(&server.provider)
        .await
        .expect("fetched");
    assert!(jwks.contains("k1"));
}

#[tokio::test]
async fn silent_provider_times_out() {
    let server = JwksServer::start(Reply::Silent).await;
    let cache = JwksCache::with_options(JwksCacheOptions {
        timeout: Duration::from_millis(200),
        ..JwksCacheOptions::default()
    });
    let result = cache.refresh(&server.provider).await;
    let Err(JwtError::Fetch(reason)) = result else {
        panic!("expected a fetch error, got {result:?}");
    };
    assert!(reason.contains("timed out"), "{reason}");
    assert_eq!(server.served(), 1);
}

#[tokio::test]
async fn invalid_key_set_is_a_jwks_error() {
    let server = JwksServer::start(Reply::Json("<html>".to_owned())).await;
    let result = JwksCache::new().refresh(&server.provider).await;
    assert!(matches!(result, Err(JwtError::Jwks(_))), "{result:?}");
}

#[tokio::test]
async fn https_to_a_plain_http_server_fails_the_handshake() {
    let server = JwksServer::start(keys(&[("k1", testkeys::rsa())])).await;
    let mut provider = server.provider.clone();
    provider.jwks_url = provider.jwks_url.replacen("http://", "https://", 1);
    let result = JwksCache::new().refresh(&provider).await;
    let Err(JwtError::Fetch(reason)) = result else {
        panic!("expected a fetch error, got {result:?}");
    };
    assert!(reason.contains("TLS"), "{reason}");
}

#[tokio::test]
async fn unsupported_urls_are_fetch_errors() {
    for url in [
        "ftp://example.com/jwks",
        "/relative",
        "http://",
        "not a url",
    ] {
        let provider = Provider {
            arn: "arn".to_owned(),
            issuer: "issuer".to_owned(),
            jwks_url: url.to_owned(),
        };
        let result = JwksCache::new().refresh(&provider).await;
        assert!(
            matches!(result, Err(JwtError::Fetch(_))),
            "{url}: {result:?}"
        );
    }
}
