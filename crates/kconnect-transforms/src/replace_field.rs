//! `ReplaceField$Key` / `ReplaceField$Value`: keeps, drops and renames fields. Both the
//! current `exclude`/`include` keys and the older `blacklist`/`whitelist` are accepted; the
//! current name wins when both are set.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use kconnect_api::config::{ConfigType, Importance, TypedValue, Validator};
use kconnect_api::plugin::Transformation;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectRecord, ConnectResult, Schema, SchemaBuilder, SchemaRef, Struct,
    Value,
};

use crate::config_util::{self, java_split, key, REPLACE_NULL_WITH_DEFAULT};
use crate::requirements::{into_map, key_text, map_put, require_struct};
use crate::schema_cache::SchemaCache;
use crate::schema_util::{build, copy_schema_basics, field_value, put_copied};
use crate::Target;

const EXCLUDE: &str = "exclude";
const INCLUDE: &str = "include";
const BLACKLIST: &str = "blacklist";
const WHITELIST: &str = "whitelist";
const RENAMES: &str = "renames";
const PURPOSE: &str = "field replacement";

fn parse_renames(mappings: &[String]) -> Result<HashMap<String, String>, String> {
    let mut renames = HashMap::new();
    for mapping in mappings {
        match java_split(mapping, ':')[..] {
            [from, to] => {
                renames.insert(from.to_string(), to.to_string());
            }
            _ => return Err(format!("Invalid rename mapping: {mapping}")),
        }
    }
    Ok(renames)
}

fn config_def() -> ConfigDef {
    let list = |name: &str, doc: &str| {
        key(name, ConfigType::List, Importance::Medium, doc).default_value("")
    };
    let renames_valid = Validator::custom(|value| match value {
        TypedValue::List(items) => parse_renames(items).map(|_| ()),
        _ => Ok(()),
    });
    ConfigDef::new()
        .define(list(
            EXCLUDE,
            "Fields to drop. Takes precedence over include.",
        ))
        .define(list(
            INCLUDE,
            "Fields to keep; when set, every other field is dropped.",
        ))
        .define(
            list(
                RENAMES,
                "Field renames as old:new pairs, e.g. foo:bar,abc:xyz.",
            )
            .validator(renames_valid),
        )
        .define(config_util::replace_null_with_default_key())
        .define(list(BLACKLIST, "Deprecated name of exclude.").importance(Importance::Low))
        .define(list(WHITELIST, "Deprecated name of include.").importance(Importance::Low))
}

#[derive(Debug)]
struct Settings {
    exclude: HashSet<String>,
    include: HashSet<String>,
    renames: HashMap<String, String>,
    replace_null_with_default: bool,
}

impl Settings {
    fn keeps(&self, field: &str) -> bool {
        !self.exclude.contains(field) && (self.include.is_empty() || self.include.contains(field))
    }

    fn renamed<'a>(&'a self, field: &'a str) -> &'a str {
        self.renames.get(field).map_or(field, String::as_str)
    }

    fn plan(&self, schema: &Schema) -> ConnectResult<Arc<Plan>> {
        let mut builder = copy_schema_basics(schema, SchemaBuilder::struct_());
        let mut sources = Vec::new();
        for field in schema.fields.iter().filter(|f| self.keeps(&f.name)) {
            builder = builder.field(self.renamed(&field.name), field.schema.clone());
            sources.push(field.index);
        }
        Ok(Arc::new(Plan {
            schema: build(builder)?,
            sources,
        }))
    }
}

/// The updated schema and, for each of its fields, the index of the input field it copies.
#[derive(Debug)]
struct Plan {
    schema: SchemaRef,
    sources: Vec<usize>,
}

/// Filters and renames the fields of the key or value.
#[derive(Debug)]
pub struct ReplaceField {
    target: Target,
    settings: Option<Settings>,
    cache: SchemaCache<Arc<Plan>>,
}

impl ReplaceField {
    /// An unconfigured `ReplaceField` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            settings: None,
            cache: SchemaCache::new(),
        }
    }
}

impl Transformation for ReplaceField {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let pick = |current: &str, deprecated: &str| -> HashSet<String> {
            let name = if props.contains_key(current) || !props.contains_key(deprecated) {
                current
            } else {
                deprecated
            };
            config.list(name).iter().cloned().collect()
        };
        let renames = parse_renames(config.list(RENAMES)).map_err(|reason| {
            config_util::invalid(RENAMES, &config.list(RENAMES).join(","), reason)
        })?;
        self.settings = Some(Settings {
            exclude: pick(EXCLUDE, BLACKLIST),
            include: pick(INCLUDE, WHITELIST),
            renames,
            replace_null_with_default: config.boolean(REPLACE_NULL_WITH_DEFAULT),
        });
        self.cache = SchemaCache::new();
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("ReplaceField"))?;
        if self.target.value(&record).is_null() {
            return Ok(Some(record));
        }
        let (schema, value) = self.target.take(&mut record);
        if schema.is_none() {
            let entries = into_map(value, PURPOSE)?;
            let mut updated = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let name = key_text(&k);
                if !settings.keeps(&name) {
                    continue;
                }
                match settings.renames.get(&name) {
                    // A rename may land on a name already present: the later entry wins.
                    Some(new_name) => map_put(&mut updated, new_name, v),
                    None if settings.renames.is_empty() => updated.push((k, v)),
                    None => map_put(&mut updated, &name, v),
                }
            }
            self.target.set(&mut record, None, Value::Map(updated));
            return Ok(Some(record));
        }
        let input = require_struct(&value, PURPOSE)?;
        let plan = self
            .cache
            .get_or_try_insert(input.schema(), || settings.plan(input.schema()))?;
        let mut output = Struct::new(plan.schema.clone())?;
        for (index, &source) in plan.sources.iter().enumerate() {
            put_copied(
                &mut output,
                index,
                field_value(input, source, settings.replace_null_with_default).clone(),
            )?;
        }
        self.target.set(
            &mut record,
            Some(plan.schema.clone()),
            Value::Struct(output),
        );
        Ok(Some(record))
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    fn field_names(schema: &Schema) -> Vec<&str> {
        schema.fields.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn excludes_includes_and_renames_struct_fields() {
        let mut t = configured(
            ReplaceField::new(Target::Value),
            &[("exclude", "email,score")],
        );
        let out = apply(&mut t, person_record());
        let schema = out.value_schema.clone().unwrap();
        assert_eq!(field_names(&schema), ["id", "name", "ts"]);
        assert_eq!(schema.version, Some(1));
        let mut t = configured(
            ReplaceField::new(Target::Value),
            &[
                ("include", "id,name,email"),
                ("exclude", "email"),
                ("renames", "id:person_id,name:full_name"),
            ],
        );
        let out = apply(&mut t, person_record());
        assert_eq!(
            field_names(out.value_schema.as_ref().unwrap()),
            ["person_id", "full_name"]
        );
        assert_eq!(
            as_struct(&out.value).get("person_id").unwrap(),
            &Value::Int32(7)
        );
        assert!(as_struct(&out.value).validate().is_ok());
    }

    #[test]
    fn old_key_names_still_work_and_new_ones_win() {
        let mut t = configured(
            ReplaceField::new(Target::Value),
            &[("whitelist", "id"), ("blacklist", "id")],
        );
        let out = apply(&mut t, person_record());
        assert!(field_names(out.value_schema.as_ref().unwrap()).is_empty());
        let mut t = configured(
            ReplaceField::new(Target::Value),
            &[("blacklist", "id"), ("exclude", "name")],
        );
        let out = apply(&mut t, person_record());
        assert_eq!(
            field_names(out.value_schema.as_ref().unwrap()),
            ["id", "email", "ts", "score"]
        );
    }

    #[test]
    fn schemaless_maps_and_nulls() {
        let mut t = configured(
            ReplaceField::new(Target::Key),
            &[("renames", "id:pid"), ("exclude", "email")],
        );
        let mut r = record(None, Value::Null);
        r.key = map(&[
            ("id", Value::Int64(7)),
            ("email", Value::from("e")),
            ("n", Value::from("Ann")),
        ]);
        let out = apply(&mut t, r);
        assert_eq!(
            out.key,
            map(&[("pid", Value::Int64(7)), ("n", Value::from("Ann"))])
        );
        let tombstone = record(Some(person_schema()), Value::Null);
        assert_eq!(apply(&mut t, tombstone.clone()), tombstone);
    }

    #[test]
    fn bad_renames_and_collisions() {
        let mut t = ReplaceField::new(Target::Value);
        for bad in ["id", "a:b:c", "a:"] {
            let err = t.configure(&config_map(&[("renames", bad)])).unwrap_err();
            assert_eq!(config_key(err).as_deref(), Some("renames"), "{bad}");
        }
        let mut t = configured(ReplaceField::new(Target::Value), &[("renames", "id:name")]);
        assert!(matches!(
            t.apply(person_record()),
            Err(kconnect_api::ConnectError::Data(_))
        ));
    }
}
