//! Field paths for `field.syntax.version` (KIP-821): `V1` names a top-level field as written;
//! `V2` reads dotted paths into nested structs and maps, with backticks around names that
//! contain dots (`` `a.b`.c ``) and `\` before a backtick that belongs to the name.

use kconnect_api::config::{ConfigKey, ConfigType, Importance, ParsedConfig, Validator};
use kconnect_api::{ConnectError, ConnectResult, Field, Schema, Struct, Value};

use crate::config_util::config_error;
use crate::requirements::{map_get, require_map, require_struct_or_null};
use crate::schema_util::{field_value, struct_field};

/// Name of the key selecting the path syntax.
pub(crate) const FIELD_SYNTAX_VERSION: &str = "field.syntax.version";

/// The `field.syntax.version` key (`V1` or `V2`, case-insensitive, default `V1`).
pub(crate) fn field_syntax_version_key() -> ConfigKey {
    ConfigKey::new(FIELD_SYNTAX_VERSION, ConfigType::String)
        .default_value("V1")
        .validator(Validator::one_of_ignore_case(&["V1", "V2"]))
        .importance(Importance::High)
        .doc(
            "Field path syntax. V1: the path is one top-level field name. V2: dots separate \
             nested field names; wrap a name containing dots in backticks, e.g. `foo.bar`.baz.",
        )
}

/// A parsed path to one (possibly nested) field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SingleFieldPath {
    steps: Vec<String>,
}

impl SingleFieldPath {
    /// Parses `path` with the syntax `config` selects; a V2 path with an unbalanced backtick
    /// is a config error on `key`.
    pub(crate) fn from_config(path: &str, config: &ParsedConfig, key: &str) -> ConnectResult<Self> {
        let v2 = config
            .string(FIELD_SYNTAX_VERSION)
            .is_some_and(|v| v.eq_ignore_ascii_case("V2"));
        if v2 {
            Self::parse_v2(path).map_err(|reason| config_error(key, reason))
        } else {
            Ok(Self {
                steps: vec![path.to_string()],
            })
        }
    }

    fn parse_v2(path: &str) -> Result<Self, String> {
        let chars: Vec<char> = path.chars().collect();
        let incomplete = |at: usize| {
            format!(
                "Incomplete backtick pair in path: [{path}], consider adding a backslash before \
                 backtick at position {at} to escape it"
            )
        };
        let mut steps = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] != '`' {
                let end = chars[i..].iter().position(|&c| c == '.').map(|p| i + p);
                steps.push(chars[i..end.unwrap_or(chars.len())].iter().collect());
                match end {
                    Some(dot) => i = dot + 1,
                    None => break,
                }
                continue;
            }
            let opening = i;
            let mut start = i + 1;
            let mut field = String::new();
            let mut search = start;
            loop {
                let close = chars[search..]
                    .iter()
                    .position(|&c| c == '`')
                    .map(|p| search + p)
                    .ok_or_else(|| incomplete(opening))?;
                let escaped = chars[close - 1] == '\\';
                if close + 1 >= chars.len() {
                    if escaped {
                        return Err(incomplete(opening));
                    }
                    field.extend(&chars[start..close]);
                    steps.push(std::mem::take(&mut field));
                    i = close + 1;
                    break;
                }
                if chars[close + 1] != '.' {
                    search = close + 1;
                    continue;
                }
                if escaped {
                    field.extend(&chars[start..close - 1]);
                    field.push('`');
                    start = close + 1;
                    search = start;
                    continue;
                }
                field.extend(&chars[start..close]);
                steps.push(std::mem::take(&mut field));
                i = close + 2;
                break;
            }
        }
        if path.ends_with('.') || steps.is_empty() {
            steps.push(String::new());
        }
        Ok(Self { steps })
    }

    fn split(&self) -> (&[String], &str) {
        match self.steps.split_last() {
            Some((last, parents)) => (parents, last),
            None => (&[], ""),
        }
    }

    /// The field the path names in a schema, if every step exists.
    pub(crate) fn field_from<'a>(&self, schema: &'a Schema) -> ConnectResult<Option<&'a Field>> {
        let (parents, last) = self.split();
        let mut current = schema;
        for step in parents {
            match struct_field(current, step)? {
                Some(field) => current = &field.schema,
                None => return Ok(None),
            }
        }
        struct_field(current, last)
    }

    /// The value at the path in a struct (null where a step is missing or null).
    pub(crate) fn value_from_struct<'a>(
        &self,
        value: &'a Struct,
        replace_null_with_default: bool,
    ) -> ConnectResult<&'a Value> {
        let (parents, last) = self.split();
        let mut current = value;
        for step in parents {
            let Some(field) = current.schema().field(step) else {
                return Ok(&Value::Null);
            };
            match require_struct_or_null(current.get_at(field.index), "nested field access")? {
                Some(inner) => current = inner,
                None => return Ok(&Value::Null),
            }
        }
        Ok(match current.schema().field(last) {
            Some(field) => field_value(current, field.index, replace_null_with_default),
            None => &Value::Null,
        })
    }

    /// The value at the path in a schemaless map (null where a step is missing).
    pub(crate) fn value_from_map<'a>(
        &self,
        entries: &'a [(Value, Value)],
    ) -> ConnectResult<&'a Value> {
        let (parents, last) = self.split();
        let mut current = entries;
        for step in parents {
            match map_get(current, step) {
                None | Some(Value::Null) => return Ok(&Value::Null),
                Some(inner) => current = require_map(inner, "nested field access")?,
            }
        }
        Ok(map_get(current, last).unwrap_or(&Value::Null))
    }
}

/// The error for a path that names no field of the schema.
pub(crate) fn unknown_field(path: &str) -> ConnectError {
    ConnectError::IllegalArgument(format!("Unknown field: {path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(path: &str) -> Vec<String> {
        SingleFieldPath::parse_v2(path).unwrap().steps
    }

    #[test]
    fn v2_paths_split_on_dots_outside_backticks() {
        assert_eq!(steps("a.b.c"), ["a", "b", "c"]);
        assert_eq!(steps("`a.b`.c"), ["a.b", "c"]);
        assert_eq!(steps("a.`b.c`"), ["a", "b.c"]);
        assert_eq!(steps("`a\\`.b`.c"), ["a`.b", "c"]);
        assert_eq!(steps("`a`b`.c"), ["a`b", "c"]);
        assert_eq!(steps("a."), ["a", ""]);
        assert_eq!(steps(""), [""]);
        assert!(SingleFieldPath::parse_v2("`a.b").is_err());
        assert!(SingleFieldPath::parse_v2("`a\\`").is_err());
    }
}
