//! A small JSON tree with source spans, used only to parse schemas (a cold path: parsed
//! schemas are cached). Spans let a schema's `default` be converted later by the streaming
//! value reader once the schema it belongs to is known.

use std::borrow::Cow;

use crate::failure::Res;
use crate::lexer::{Lexer, Num};

/// A JSON value.
#[derive(Debug)]
pub(crate) enum Json<'a> {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number token.
    Num(Num<'a>),
    /// A string.
    Str(Cow<'a, str>),
    /// An array.
    Arr(Vec<Node<'a>>),
    /// An object; duplicate keys are kept in order (lookups take the last, like Jackson).
    Obj(Vec<(Cow<'a, str>, Node<'a>)>),
}

/// A value plus the byte offset where it starts in the source.
#[derive(Debug)]
pub(crate) struct Node<'a> {
    /// The value.
    pub json: Json<'a>,
    /// Offset of its first byte.
    pub start: usize,
}

impl<'a> Node<'a> {
    /// The member `key` of an object (the last one if repeated); `None` for non-objects.
    pub(crate) fn get(&self, key: &str) -> Option<&Node<'a>> {
        match &self.json {
            Json::Obj(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text, if this is a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.json {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self.json, Json::Null)
    }
}

/// Parses one value at the lexer's position.
pub(crate) fn parse_tree<'a>(lx: &mut Lexer<'a>) -> Res<Node<'a>> {
    let peeked = lx.peek();
    let start = lx.pos();
    let json = match peeked {
        Some(b'{') => {
            lx.expect(b'{', "'{'")?;
            lx.enter()?;
            let mut members = Vec::new();
            let mut first = true;
            while lx.next_member(first)? {
                first = false;
                let key = lx.key()?;
                members.push((key, parse_tree(lx)?));
            }
            lx.leave();
            Json::Obj(members)
        }
        Some(b'[') => {
            lx.expect(b'[', "'['")?;
            lx.enter()?;
            let mut items = Vec::new();
            let mut first = true;
            while lx.next_element(first)? {
                first = false;
                items.push(parse_tree(lx)?);
            }
            lx.leave();
            Json::Arr(items)
        }
        Some(b'"') => Json::Str(lx.string()?),
        Some(b'-' | b'0'..=b'9') => Json::Num(lx.number()?),
        Some(b't') => {
            lx.literal(b"true")?;
            Json::Bool(true)
        }
        Some(b'f') => {
            lx.literal(b"false")?;
            Json::Bool(false)
        }
        Some(b'n') => {
            lx.literal(b"null")?;
            Json::Null
        }
        _ => return Err(lx.unexpected_value()),
    };
    Ok(Node { json, start })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_spans_and_last_key_wins() {
        let src = br#" {"a": [1, "x\n", null, true], "b": {"c": -2.5e3}, "a": false} "#;
        let mut lx = Lexer::new(src);
        let node = parse_tree(&mut lx).unwrap();
        assert!(lx.at_end());
        assert_eq!(node.start, 1);
        assert!(matches!(node.get("a").unwrap().json, Json::Bool(false)));
        let b = node.get("b").unwrap();
        assert_eq!(&src[b.start..b.start + 1], b"{");
        match &b.get("c").unwrap().json {
            Json::Num(n) => assert_eq!((n.text, n.integral), ("-2.5e3", false)),
            other => panic!("{other:?}"),
        }
        assert!(node.get("zz").is_none());
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            &b"{\"a\" 1}"[..],
            b"[1,]",
            b"{\"a\":1,}",
            b"tru",
            b"\"abc",
            b"-",
            b"1.",
            b"{1:2}",
        ] {
            let mut lx = Lexer::new(bad);
            assert!(
                parse_tree(&mut lx).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
