//! Java's `sasl.jaas.config` value: one login module, its control flag and its options,
//! e.g. `org.apache.kafka.common.security.plain.PlainLoginModule required username="u"
//! password="p";`. Option values are quoted (with `\` escapes) or bare words.

use std::collections::BTreeMap;

/// One parsed login module entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JaasEntry {
    /// The login module's class name.
    pub module: String,
    /// `required`, `requisite`, `sufficient` or `optional`.
    pub flag: String,
    /// The options, by name.
    pub options: BTreeMap<String, String>,
}

/// The login modules kconnect maps onto its clients' settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginModule {
    /// `org.apache.kafka.common.security.plain.PlainLoginModule`.
    Plain,
    /// `org.apache.kafka.common.security.scram.ScramLoginModule`.
    Scram,
    /// `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule` (also its
    /// older `...oauthbearer.internals` location is not accepted by Java either).
    OAuthBearer,
}

impl JaasEntry {
    /// Which supported module this is.
    pub fn login_module(&self) -> Result<LoginModule, String> {
        match self.module.as_str() {
            "org.apache.kafka.common.security.plain.PlainLoginModule" => Ok(LoginModule::Plain),
            "org.apache.kafka.common.security.scram.ScramLoginModule" => Ok(LoginModule::Scram),
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule" => {
                Ok(LoginModule::OAuthBearer)
            }
            "com.sun.security.auth.module.Krb5LoginModule" => Err(
                "Kerberos (GSSAPI, Krb5LoginModule) is not supported by kconnect; use SCRAM, PLAIN or OAUTHBEARER"
                    .into(),
            ),
            other => Err(format!(
                "login module {other} is not supported by kconnect; use PlainLoginModule, ScramLoginModule or OAuthBearerLoginModule"
            )),
        }
    }

    /// An option's value.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Equals,
    Semicolon,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '=' => {
                chars.next();
                out.push(Token::Equals);
            }
            ';' => {
                chars.next();
                out.push(Token::Semicolon);
            }
            '"' | '\'' => {
                let quote = c;
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err("a quoted value is not closed".into()),
                        Some('\\') => match chars.next() {
                            Some(escaped) => value.push(escaped),
                            None => return Err("a quoted value ends with \\".into()),
                        },
                        Some(c) if c == quote => break,
                        Some(c) => value.push(c),
                    }
                }
                out.push(Token::Quoted(value));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '=' | ';' | '"' | '\'') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
        }
    }
    Ok(out)
}

/// Parses a `sasl.jaas.config` value, which must hold exactly one login module (as Java
/// requires for this key). Error messages never repeat option values (they may be secrets).
pub fn parse(text: &str) -> Result<JaasEntry, String> {
    let tokens = tokens(text)?;
    let mut it = tokens.into_iter().peekable();
    let module = match it.next() {
        Some(Token::Word(w)) => w,
        _ => return Err("expected a login module class name first".into()),
    };
    let flag = match it.next() {
        Some(Token::Word(w))
            if matches!(
                w.to_ascii_lowercase().as_str(),
                "required" | "requisite" | "sufficient" | "optional"
            ) =>
        {
            w.to_ascii_lowercase()
        }
        _ => {
            return Err(format!(
            "expected a control flag (required, requisite, sufficient or optional) after {module}"
        ))
        }
    };
    let mut options = BTreeMap::new();
    loop {
        match it.next() {
            Some(Token::Semicolon) => break,
            Some(Token::Word(name)) => {
                if it.next() != Some(Token::Equals) {
                    return Err(format!("expected = after option {name}"));
                }
                let value = match it.next() {
                    Some(Token::Word(v) | Token::Quoted(v)) => v,
                    _ => return Err(format!("option {name} has no value")),
                };
                options.insert(name, value);
            }
            None => return Err("the login module entry must end with ;".into()),
            Some(_) => return Err("expected an option name or ;".into()),
        }
    }
    if it.next().is_some() {
        return Err("sasl.jaas.config must hold exactly one login module".into());
    }
    Ok(JaasEntry {
        module,
        flag,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_scram_entries() {
        let e = parse(
            r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="al\"ice-secret";"#,
        )
        .unwrap();
        assert_eq!(e.login_module(), Ok(LoginModule::Plain));
        assert_eq!(e.flag, "required");
        assert_eq!(e.option("username"), Some("alice"));
        assert_eq!(e.option("password"), Some("al\"ice-secret"));
        let e = parse(
            "org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED\n  username=bob\n  password='b=b';",
        )
        .unwrap();
        assert_eq!(e.login_module(), Ok(LoginModule::Scram));
        assert_eq!(e.option("username"), Some("bob"));
        assert_eq!(e.option("password"), Some("b=b"));
    }

    #[test]
    fn oauthbearer_options() {
        let e = parse(
            r#"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="svc" clientId="c" clientSecret="s" scope="a b";"#,
        )
        .unwrap();
        assert_eq!(e.login_module(), Ok(LoginModule::OAuthBearer));
        assert_eq!(e.option("unsecuredLoginStringClaim_sub"), Some("svc"));
        assert_eq!(e.option("scope"), Some("a b"));
    }

    #[test]
    fn malformed_entries_are_refused_without_echoing_values() {
        for bad in [
            "",
            "Module",
            "Module badflag;",
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"x\"",
            "org.apache.kafka.common.security.plain.PlainLoginModule required password=;",
            "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"open;",
            "A required; B required;",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(!err.contains("open"), "{err}");
        }
        let krb =
            parse("com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;").unwrap();
        assert!(krb.login_module().unwrap_err().contains("GSSAPI"));
    }
}
