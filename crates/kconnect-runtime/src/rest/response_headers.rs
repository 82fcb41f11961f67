//! `response.http.headers.config`: headers added to every REST response, in Java's format —
//! comma-separated rules `[action] [header name]:[header value]` (a rule holding a comma is
//! quoted with double quotes), with the actions `set` (replace), `add` (append), `setDate`
//! and `addDate` (the value is a number of milliseconds from now, sent as an HTTP date).
//! Invalid rules are rejected with Java's messages.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use kconnect_api::{ConfigError, ConfigMap};

/// The worker key.
pub const RESPONSE_HEADERS: &str = "response.http.headers.config";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Set,
    Add,
    SetDate,
    AddDate,
}

/// One header rule.
#[derive(Debug, Clone)]
struct Rule {
    action: Action,
    name: HeaderName,
    value: String,
}

/// The rules of a worker file.
#[derive(Debug, Clone, Default)]
pub struct ResponseHeaders {
    rules: Vec<Rule>,
}

/// Splits on commas outside double quotes, dropping the quotes (Jetty's `csvSplit`).
fn csv_split(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in raw.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_rule(raw_config: &str, rule: &str) -> Result<Rule, ConfigError> {
    let bad = |reason: String| ConfigError::invalid(RESPONSE_HEADERS, raw_config, reason);
    let (action, pair) = rule.split_once(char::is_whitespace).ok_or_else(|| {
        bad(format!(
            "Invalid format of header config '{rule}'. Expected: '[action] [header name]:[header value]'"
        ))
    })?;
    let action = match action.to_ascii_lowercase().as_str() {
        "set" => Action::Set,
        "add" => Action::Add,
        "setdate" => Action::SetDate,
        "adddate" => Action::AddDate,
        _ => {
            return Err(bad(format!(
                "Invalid header config action: '{action}'. Expected one of [set, add, setDate, addDate]"
            )))
        }
    };
    let pair = pair.trim();
    let parts: Vec<&str> = pair.split(':').collect();
    if parts.len() != 2 || parts[1].trim().is_empty() {
        return Err(bad(format!(
            "Invalid format of header name and header value pair '{pair}'. Expected: '[header name]:[header value]'"
        )));
    }
    let name = parts[0].trim();
    if name.contains(char::is_whitespace) {
        return Err(bad(format!(
            "Invalid header name '{name}'. The '[header name]' cannot contain whitespace"
        )));
    }
    let value = parts[1].trim().to_string();
    let header = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| bad(format!("Invalid header config '{rule}'.")))?;
    match action {
        Action::SetDate | Action::AddDate => {
            value.parse::<i64>().map_err(|_| {
                bad(format!(
                    "Invalid header config '{rule}'. The value of a {} rule is a number of milliseconds",
                    if action == Action::SetDate { "setDate" } else { "addDate" }
                ))
            })?;
        }
        _ => {
            HeaderValue::from_str(&value)
                .map_err(|_| bad(format!("Invalid header config '{rule}'.")))?;
        }
    }
    Ok(Rule {
        action,
        name: header,
        value,
    })
}

impl ResponseHeaders {
    /// The rules of `response.http.headers.config` (none when unset or empty).
    pub fn from_worker(props: &ConfigMap) -> Result<Self, ConfigError> {
        let Some(raw) = props.get(RESPONSE_HEADERS).filter(|v| !v.trim().is_empty()) else {
            return Ok(Self::default());
        };
        let rules = csv_split(raw)
            .iter()
            .map(|r| parse_rule(raw, r))
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    /// Whether there is nothing to add.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

fn date_value(offset_ms: &str) -> Option<HeaderValue> {
    let offset = offset_ms.parse::<i64>().ok()?;
    let now = SystemTime::now();
    let when = if offset >= 0 {
        now.checked_add(Duration::from_millis(offset.unsigned_abs()))?
    } else {
        now.checked_sub(Duration::from_millis(offset.unsigned_abs()))?
    };
    HeaderValue::from_str(&httpdate::fmt_http_date(when)).ok()
}

/// The middleware: applies the rules to every response.
pub async fn apply(
    State(rules): State<Arc<ResponseHeaders>>,
    req: Request,
    next: Next,
) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    for rule in &rules.rules {
        let value = match rule.action {
            Action::Set | Action::Add => HeaderValue::from_str(&rule.value).ok(),
            Action::SetDate | Action::AddDate => date_value(&rule.value),
        };
        let Some(value) = value else { continue };
        match rule.action {
            Action::Set | Action::SetDate => {
                headers.insert(rule.name.clone(), value);
            }
            Action::Add | Action::AddDate => {
                headers.append(rule.name.clone(), value);
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    fn parse(raw: &str) -> Result<ResponseHeaders, String> {
        ResponseHeaders::from_worker(&config_map(&[(RESPONSE_HEADERS, raw)]))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn rules_parse_with_javas_format() {
        let h = parse("set X-Frame-Options: DENY, \"add Cache-Control: no-cache, no-store\", setDate Expires: 31540000000").unwrap();
        assert_eq!(h.rules.len(), 3);
        assert_eq!(h.rules[0].action, Action::Set);
        assert_eq!(h.rules[1].value, "no-cache, no-store");
        assert_eq!(h.rules[2].action, Action::SetDate);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn bad_rules_get_javas_messages() {
        for (raw, message) in [
            (
                "X-Frame-Options:DENY",
                "Invalid format of header config 'X-Frame-Options:DENY'",
            ),
            ("put X-A: b", "Invalid header config action: 'put'"),
            (
                "set X-A b",
                "Invalid format of header name and header value pair 'X-A b'",
            ),
            (
                "set X-A: b:c",
                "Invalid format of header name and header value pair",
            ),
            ("set X A: b", "Invalid header name 'X A'"),
            ("addDate Expires: soon", "number of milliseconds"),
        ] {
            let err = parse(raw).unwrap_err();
            assert!(
                err.contains(message) && err.contains(RESPONSE_HEADERS),
                "{raw}: {err}"
            );
        }
    }
}
