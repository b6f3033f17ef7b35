//! Who is calling: bearer tokens with a read or admin scope, and CrowdSec
//! bouncer keys (`X-Api-Key`) for the decision streams. Secrets are compared
//! as SHA-256 digests in constant time, so neither their content nor their
//! length leaks through timing.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Read,
    Admin,
}

/// A caller that proved who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    Token { name: String, scope: Scope },
    Bouncer { name: String },
}

/// Why a request is refused: 401 (no or unknown credentials) or 403
/// (known, but not allowed here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Unauthenticated,
    Forbidden,
}

type Digest32 = [u8; 32];

fn digest(secret: &str) -> Digest32 {
    Sha256::digest(secret.as_bytes()).into()
}

fn same(a: &Digest32, b: &Digest32) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The configured credentials, kept as digests.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    tokens: Vec<(Digest32, String, Scope)>,
    bouncers: Vec<(Digest32, String)>,
}

impl Credentials {
    /// From the config; an unknown scope is an error naming the token.
    pub fn new(tokens: &[crate::config::ApiToken], bouncers: &[crate::config::BouncerKey]) -> Result<Self, String> {
        let mut c = Credentials::default();
        for t in tokens {
            let scope = match t.scope.as_str() {
                "read" => Scope::Read,
                "admin" => Scope::Admin,
                other => {
                    return Err(format!(
                        "api.tokens {:?}: scope '{other}' must be read or admin",
                        t.name
                    ));
                }
            };
            if t.token.len() < 16 {
                return Err(format!("api.tokens {:?}: token must be at least 16 characters", t.name));
            }
            c.tokens.push((digest(&t.token), t.name.clone(), scope));
        }
        for b in bouncers {
            if b.key.len() < 16 {
                return Err(format!(
                    "api.bouncer_keys {:?}: key must be at least 16 characters",
                    b.name
                ));
            }
            c.bouncers.push((digest(&b.key), b.name.clone()));
        }
        Ok(c)
    }

    /// Identifies the caller from `Authorization: Bearer …` or `X-Api-Key`.
    /// Every configured secret is compared, whichever matches.
    pub fn identify(&self, headers: &HeaderMap) -> Option<Caller> {
        if let Some(token) = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            let d = digest(token.trim());
            let mut found = None;
            for (known, name, scope) in &self.tokens {
                if same(known, &d) {
                    found = Some(Caller::Token {
                        name: name.clone(),
                        scope: *scope,
                    });
                }
            }
            return found;
        }
        let key = headers.get("x-api-key").and_then(|v| v.to_str().ok())?;
        let d = digest(key.trim());
        let mut found = None;
        for (known, name) in &self.bouncers {
            if same(known, &d) {
                found = Some(Caller::Bouncer { name: name.clone() });
            }
        }
        found
    }

    /// A bearer token with at least `scope`.
    pub fn require(&self, headers: &HeaderMap, scope: Scope) -> Result<Caller, Refusal> {
        match self.identify(headers) {
            None => Err(Refusal::Unauthenticated),
            Some(Caller::Token { scope: have, .. }) if have < scope => Err(Refusal::Forbidden),
            Some(Caller::Bouncer { .. }) => Err(Refusal::Forbidden),
            Some(c) => Ok(c),
        }
    }

    /// A bouncer key (CrowdSec endpoints); a read token is accepted too.
    pub fn require_bouncer(&self, headers: &HeaderMap) -> Result<Caller, Refusal> {
        match self.identify(headers) {
            None => Err(Refusal::Unauthenticated),
            Some(c) => Ok(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ApiToken, BouncerKey};

    fn creds() -> Credentials {
        Credentials::new(
            &[
                ApiToken {
                    name: "soc".into(),
                    token: "read-token-0123456789".into(),
                    scope: "read".into(),
                },
                ApiToken {
                    name: "ops".into(),
                    token: "admin-token-0123456789".into(),
                    scope: "admin".into(),
                },
            ],
            &[BouncerKey {
                name: "fw".into(),
                key: "bouncer-key-0123456789".into(),
            }],
        )
        .unwrap()
    }

    fn headers(name: &str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
        h
    }

    #[test]
    fn scopes_and_refusals() {
        let c = creds();
        let read = headers("authorization", "Bearer read-token-0123456789");
        let admin = headers("authorization", "Bearer admin-token-0123456789");
        let bouncer = headers("x-api-key", "bouncer-key-0123456789");
        let wrong = headers("authorization", "Bearer read-token-0123456780");
        assert!(c.require(&read, Scope::Read).is_ok());
        assert_eq!(c.require(&read, Scope::Admin), Err(Refusal::Forbidden));
        assert!(c.require(&admin, Scope::Admin).is_ok());
        assert_eq!(c.require(&wrong, Scope::Read), Err(Refusal::Unauthenticated));
        assert_eq!(c.require(&HeaderMap::new(), Scope::Read), Err(Refusal::Unauthenticated));
        assert_eq!(c.require(&bouncer, Scope::Read), Err(Refusal::Forbidden));
        assert_eq!(c.require_bouncer(&bouncer), Ok(Caller::Bouncer { name: "fw".into() }));
    }

    #[test]
    fn weak_or_unknown_settings_are_refused() {
        let short = ApiToken {
            name: "x".into(),
            token: "short".into(),
            scope: "read".into(),
        };
        assert!(Credentials::new(&[short], &[]).unwrap_err().contains("16 characters"));
        let odd = ApiToken {
            name: "x".into(),
            token: "long-enough-token-123".into(),
            scope: "root".into(),
        };
        assert!(Credentials::new(&[odd], &[]).unwrap_err().contains("read or admin"));
    }
}
