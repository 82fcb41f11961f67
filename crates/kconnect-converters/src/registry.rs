//! Finding this crate's converters by the names users write in `key.converter`,
//! `value.converter` and `header.converter`: the Java fully-qualified class name, the simple
//! class name, or the simple name without its plugin-type suffix, as Kafka Connect's plugin
//! aliases allow (`org.apache.kafka.connect.storage.StringConverter`, `StringConverter`,
//! `String`).
//!
//! Only the converters of this crate are known here; the runtime consults other crates (such
//! as the JSON converter's) as well.

use kconnect_api::plugin::{Converter, HeaderConverter};

use crate::boolean::{BooleanConverter, BOOLEAN_CONVERTER_CLASS};
use crate::bytes::{ByteArrayConverter, BYTE_ARRAY_CONVERTER_CLASS};
use crate::header::{SimpleHeaderConverter, SIMPLE_HEADER_CONVERTER_CLASS};
use crate::number::{
    DoubleConverter, DoubleFormat, FloatConverter, FloatFormat, IntegerConverter, IntegerFormat,
    LongConverter, LongFormat, NumberFormat, ShortConverter, ShortFormat,
};
use crate::string::{StringConverter, STRING_CONVERTER_CLASS};

/// `org.apache.kafka.connect.storage.StringConverter`.
pub const STRING_CONVERTER: &str = STRING_CONVERTER_CLASS;
/// `org.apache.kafka.connect.converters.ByteArrayConverter`.
pub const BYTE_ARRAY_CONVERTER: &str = BYTE_ARRAY_CONVERTER_CLASS;
/// `org.apache.kafka.connect.converters.BooleanConverter`.
pub const BOOLEAN_CONVERTER: &str = BOOLEAN_CONVERTER_CLASS;
/// `org.apache.kafka.connect.storage.SimpleHeaderConverter`.
pub const SIMPLE_HEADER_CONVERTER: &str = SIMPLE_HEADER_CONVERTER_CLASS;
/// `org.apache.kafka.connect.converters.ShortConverter`.
pub const SHORT_CONVERTER: &str = ShortFormat::CLASS;
/// `org.apache.kafka.connect.converters.IntegerConverter`.
pub const INTEGER_CONVERTER: &str = IntegerFormat::CLASS;
/// `org.apache.kafka.connect.converters.LongConverter`.
pub const LONG_CONVERTER: &str = LongFormat::CLASS;
/// `org.apache.kafka.connect.converters.FloatConverter`.
pub const FLOAT_CONVERTER: &str = FloatFormat::CLASS;
/// `org.apache.kafka.connect.converters.DoubleConverter`.
pub const DOUBLE_CONVERTER: &str = DoubleFormat::CLASS;

/// The Java class names of the key/value converters this crate provides.
pub const CONVERTER_CLASSES: &[&str] = &[
    STRING_CONVERTER_CLASS,
    BYTE_ARRAY_CONVERTER_CLASS,
    SHORT_CONVERTER,
    INTEGER_CONVERTER,
    LONG_CONVERTER,
    FLOAT_CONVERTER,
    DOUBLE_CONVERTER,
    BOOLEAN_CONVERTER_CLASS,
];

/// The Java class names of the header converters this crate provides: every key/value
/// converter above, plus `SimpleHeaderConverter`.
pub const HEADER_CONVERTER_CLASSES: &[&str] = &[
    SIMPLE_HEADER_CONVERTER_CLASS,
    STRING_CONVERTER_CLASS,
    BYTE_ARRAY_CONVERTER_CLASS,
    SHORT_CONVERTER,
    INTEGER_CONVERTER,
    LONG_CONVERTER,
    FLOAT_CONVERTER,
    DOUBLE_CONVERTER,
    BOOLEAN_CONVERTER_CLASS,
];

/// The aliases Kafka Connect derives for a plugin class: its simple name and, when it ends
/// with the plugin-type suffix, the simple name without it (`StringConverter`, `String`).
/// `SimpleHeaderConverter` is registered as a header converter, so its suffix is
/// `HeaderConverter` and its short alias is `Simple`.
pub fn aliases(class: &str) -> Vec<&str> {
    let simple = class.rsplit('.').next().unwrap_or(class);
    let suffix = if class == SIMPLE_HEADER_CONVERTER_CLASS {
        "HeaderConverter"
    } else {
        "Converter"
    };
    let mut aliases = vec![simple];
    if let Some(short) = simple.strip_suffix(suffix).filter(|s| !s.is_empty()) {
        aliases.push(short);
    }
    aliases
}

/// The Java class name a converter name (class name or alias) stands for, among the classes
/// of this crate; `None` if it names none of them.
pub fn canonical_class_name(name: &str) -> Option<&'static str> {
    let name = name.trim();
    HEADER_CONVERTER_CLASSES
        .iter()
        .copied()
        .find(|class| *class == name || aliases(class).contains(&name))
}

/// A new, unconfigured key/value converter for a class name or alias; `None` if this crate
/// has no such converter (`SimpleHeaderConverter` is a header converter only).
pub fn converter_by_name(name: &str) -> Option<Box<dyn Converter>> {
    let converter: Box<dyn Converter> = match canonical_class_name(name)? {
        STRING_CONVERTER_CLASS => Box::new(StringConverter::new()),
        BYTE_ARRAY_CONVERTER_CLASS => Box::new(ByteArrayConverter::new()),
        SHORT_CONVERTER => Box::new(ShortConverter::new()),
        INTEGER_CONVERTER => Box::new(IntegerConverter::new()),
        LONG_CONVERTER => Box::new(LongConverter::new()),
        FLOAT_CONVERTER => Box::new(FloatConverter::new()),
        DOUBLE_CONVERTER => Box::new(DoubleConverter::new()),
        BOOLEAN_CONVERTER_CLASS => Box::new(BooleanConverter::new()),
        _ => return None,
    };
    Some(converter)
}

/// A new, unconfigured header converter for a class name or alias; `None` if this crate has
/// no such converter.
pub fn header_converter_by_name(name: &str) -> Option<Box<dyn HeaderConverter>> {
    let converter: Box<dyn HeaderConverter> = match canonical_class_name(name)? {
        SIMPLE_HEADER_CONVERTER_CLASS => Box::new(SimpleHeaderConverter::new()),
        STRING_CONVERTER_CLASS => Box::new(StringConverter::new()),
        BYTE_ARRAY_CONVERTER_CLASS => Box::new(ByteArrayConverter::new()),
        SHORT_CONVERTER => Box::new(ShortConverter::new()),
        INTEGER_CONVERTER => Box::new(IntegerConverter::new()),
        LONG_CONVERTER => Box::new(LongConverter::new()),
        FLOAT_CONVERTER => Box::new(FloatConverter::new()),
        DOUBLE_CONVERTER => Box::new(DoubleConverter::new()),
        BOOLEAN_CONVERTER_CLASS => Box::new(BooleanConverter::new()),
        _ => return None,
    };
    Some(converter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::{ConfigMap, Value};

    #[test]
    fn aliases_follow_kafka_rules() {
        assert_eq!(
            aliases(STRING_CONVERTER_CLASS),
            ["StringConverter", "String"]
        );
        assert_eq!(
            aliases(SIMPLE_HEADER_CONVERTER_CLASS),
            ["SimpleHeaderConverter", "Simple"]
        );
        assert_eq!(
            canonical_class_name("ByteArray"),
            Some(BYTE_ARRAY_CONVERTER_CLASS)
        );
        assert_eq!(
            canonical_class_name(" IntegerConverter "),
            Some(INTEGER_CONVERTER)
        );
        assert_eq!(canonical_class_name("JsonConverter"), None);
        assert_eq!(canonical_class_name("stringconverter"), None);
    }

    #[test]
    fn every_listed_class_resolves_by_every_name() {
        for class in CONVERTER_CLASSES {
            for name in std::iter::once(*class).chain(aliases(class)) {
                assert!(converter_by_name(name).is_some(), "{name}");
                assert!(header_converter_by_name(name).is_some(), "{name}");
            }
        }
        for name in [
            "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            "Simple",
        ] {
            assert!(converter_by_name(name).is_none(), "{name}");
            assert!(header_converter_by_name(name).is_some(), "{name}");
        }
        assert!(converter_by_name("org.apache.kafka.connect.json.JsonConverter").is_none());
    }

    #[test]
    fn looked_up_converters_work() {
        let mut c = converter_by_name("IntegerConverter").unwrap();
        c.configure(&ConfigMap::new(), false).unwrap();
        assert_eq!(
            c.serialize("t", None, &Value::Int32(258)).unwrap(),
            Some(vec![0, 0, 1, 2])
        );
        let mut h = header_converter_by_name("SimpleHeaderConverter").unwrap();
        h.configure(&ConfigMap::new()).unwrap();
        let out = h
            .serialize_header("t", "k", None, &Value::Int32(258))
            .unwrap();
        assert_eq!(out, Some(b"258".to_vec()));
    }
}
