//! Finding transformations and predicates by the class names users write in connector
//! configurations: Java's fully qualified names (`org.apache.kafka.connect.transforms.Cast$Value`)
//! and the short aliases Java derives for top-level classes (`RegexRouter`, `TopicNameMatches`).
//! Nested `$Key`/`$Value` classes have no alias in Java (their simple names collide), so none
//! here either.

use kconnect_api::plugin::{Predicate, Transformation};

use crate::cast::Cast;
use crate::drop_headers::DropHeaders;
use crate::extract_field::ExtractField;
use crate::filter::Filter;
use crate::flatten::Flatten;
use crate::header_from::HeaderFrom;
use crate::hoist_field::HoistField;
use crate::insert_field::InsertField;
use crate::insert_header::InsertHeader;
use crate::mask_field::MaskField;
use crate::predicates::{HasHeaderKey, RecordIsTombstone, TopicNameMatches};
use crate::regex_router::RegexRouter;
use crate::replace_field::ReplaceField;
use crate::set_schema_metadata::SetSchemaMetadata;
use crate::timestamp_converter::TimestampConverter;
use crate::timestamp_router::TimestampRouter;
use crate::value_to_key::ValueToKey;
use crate::Target;

const TRANSFORMS_PACKAGE: &str = "org.apache.kafka.connect.transforms.";
const PREDICATES_PACKAGE: &str = "org.apache.kafka.connect.transforms.predicates.";

/// Every transformation class, as the plugin listing reports them (Java's service file order).
pub const TRANSFORMATION_CLASSES: &[&str] = &[
    "org.apache.kafka.connect.transforms.Cast$Key",
    "org.apache.kafka.connect.transforms.Cast$Value",
    "org.apache.kafka.connect.transforms.DropHeaders",
    "org.apache.kafka.connect.transforms.ExtractField$Key",
    "org.apache.kafka.connect.transforms.ExtractField$Value",
    "org.apache.kafka.connect.transforms.Filter",
    "org.apache.kafka.connect.transforms.Flatten$Key",
    "org.apache.kafka.connect.transforms.Flatten$Value",
    "org.apache.kafka.connect.transforms.HeaderFrom$Key",
    "org.apache.kafka.connect.transforms.HeaderFrom$Value",
    "org.apache.kafka.connect.transforms.HoistField$Key",
    "org.apache.kafka.connect.transforms.HoistField$Value",
    "org.apache.kafka.connect.transforms.InsertField$Key",
    "org.apache.kafka.connect.transforms.InsertField$Value",
    "org.apache.kafka.connect.transforms.InsertHeader",
    "org.apache.kafka.connect.transforms.MaskField$Key",
    "org.apache.kafka.connect.transforms.MaskField$Value",
    "org.apache.kafka.connect.transforms.RegexRouter",
    "org.apache.kafka.connect.transforms.ReplaceField$Key",
    "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
    "org.apache.kafka.connect.transforms.TimestampConverter$Key",
    "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    "org.apache.kafka.connect.transforms.TimestampRouter",
    "org.apache.kafka.connect.transforms.ValueToKey",
];

/// Every predicate class, as the plugin listing reports them.
pub const PREDICATE_CLASSES: &[&str] = &[
    "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
    "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
];

/// Short aliases of transformation classes: `(alias, class)`.
pub const TRANSFORMATION_ALIASES: &[(&str, &str)] = &[
    (
        "DropHeaders",
        "org.apache.kafka.connect.transforms.DropHeaders",
    ),
    ("Filter", "org.apache.kafka.connect.transforms.Filter"),
    (
        "InsertHeader",
        "org.apache.kafka.connect.transforms.InsertHeader",
    ),
    (
        "RegexRouter",
        "org.apache.kafka.connect.transforms.RegexRouter",
    ),
    (
        "TimestampRouter",
        "org.apache.kafka.connect.transforms.TimestampRouter",
    ),
    (
        "ValueToKey",
        "org.apache.kafka.connect.transforms.ValueToKey",
    ),
];

/// Short aliases of predicate classes: `(alias, class)`.
pub const PREDICATE_ALIASES: &[(&str, &str)] = &[
    (
        "HasHeaderKey",
        "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    ),
    (
        "RecordIsTombstone",
        "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
    ),
    (
        "TopicNameMatches",
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
    ),
];

fn resolve<'a>(name: &'a str, aliases: &[(&str, &'a str)]) -> &'a str {
    aliases
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, class)| class)
}

/// A new, unconfigured transformation for a class name or alias; `None` if there is none.
pub fn transformation_by_name(name: &str) -> Option<Box<dyn Transformation>> {
    let class = resolve(name, TRANSFORMATION_ALIASES);
    let simple = class.strip_prefix(TRANSFORMS_PACKAGE)?;
    let (base, target) = match simple.split_once('$') {
        Some((base, "Key")) => (base, Some(Target::Key)),
        Some((base, "Value")) => (base, Some(Target::Value)),
        Some(_) => return None,
        None => (simple, None),
    };
    Some(match (base, target) {
        ("Cast", Some(t)) => Box::new(Cast::new(t)),
        ("ExtractField", Some(t)) => Box::new(ExtractField::new(t)),
        ("Flatten", Some(t)) => Box::new(Flatten::new(t)),
        ("HeaderFrom", Some(t)) => Box::new(HeaderFrom::new(t)),
        ("HoistField", Some(t)) => Box::new(HoistField::new(t)),
        ("InsertField", Some(t)) => Box::new(InsertField::new(t)),
        ("MaskField", Some(t)) => Box::new(MaskField::new(t)),
        ("ReplaceField", Some(t)) => Box::new(ReplaceField::new(t)),
        ("SetSchemaMetadata", Some(t)) => Box::new(SetSchemaMetadata::new(t)),
        ("TimestampConverter", Some(t)) => Box::new(TimestampConverter::new(t)),
        ("DropHeaders", None) => Box::new(DropHeaders::new()),
        ("Filter", None) => Box::new(Filter::new()),
        ("InsertHeader", None) => Box::new(InsertHeader::new()),
        ("RegexRouter", None) => Box::new(RegexRouter::new()),
        ("TimestampRouter", None) => Box::new(TimestampRouter::new()),
        ("ValueToKey", None) => Box::new(ValueToKey::new()),
        _ => return None,
    })
}

/// A new, unconfigured predicate for a class name or alias; `None` if there is none.
pub fn predicate_by_name(name: &str) -> Option<Box<dyn Predicate>> {
    let class = resolve(name, PREDICATE_ALIASES);
    Some(match class.strip_prefix(PREDICATES_PACKAGE)? {
        "HasHeaderKey" => Box::new(HasHeaderKey::new()),
        "RecordIsTombstone" => Box::new(RecordIsTombstone::new()),
        "TopicNameMatches" => Box::new(TopicNameMatches::new()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_class_and_alias_resolves() {
        for class in TRANSFORMATION_CLASSES {
            assert!(transformation_by_name(class).is_some(), "{class}");
        }
        for class in PREDICATE_CLASSES {
            assert!(predicate_by_name(class).is_some(), "{class}");
        }
        for (alias, _) in TRANSFORMATION_ALIASES {
            assert!(transformation_by_name(alias).is_some(), "{alias}");
        }
        for (alias, _) in PREDICATE_ALIASES {
            assert!(predicate_by_name(alias).is_some(), "{alias}");
        }
    }

    #[test]
    fn unknown_and_wrongly_nested_names_do_not_resolve() {
        for name in [
            "Cast",
            "Cast$Value",
            "org.apache.kafka.connect.transforms.Cast",
            "org.apache.kafka.connect.transforms.Filter$Value",
            "org.apache.kafka.connect.transforms.Cast$Both",
            "org.apache.kafka.connect.transforms.Nope",
            "regexrouter",
            "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        ] {
            assert!(transformation_by_name(name).is_none(), "{name}");
        }
        assert!(predicate_by_name("RegexRouter").is_none());
        assert!(predicate_by_name("org.apache.kafka.connect.transforms.predicates.Nope").is_none());
    }
}
