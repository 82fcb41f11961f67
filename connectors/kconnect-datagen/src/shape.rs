//! The shapes of generated records: their schemas and how each value is drawn.
//!
//! * `struct10`: a struct of ten fields of mixed types (integers of three widths, two
//!   floating-point widths, a boolean, strings, an optional string and a Timestamp), the
//!   kind of row a database table or an event stream carries.
//! * `string`: a flat string of `string.length` characters from `[A-Za-z0-9_-]`.

use kconnect_api::schema::logical;
use kconnect_api::{ConnectResult, Schema, SchemaBuilder, SchemaRef, Struct, Value};

use crate::random::SplitMix64;

/// Name of the `struct10` value schema.
pub const STRUCT10_SCHEMA_NAME: &str = "io.kconnect.datagen.Struct10";

/// The fields of `struct10`, in order.
pub const STRUCT10_FIELDS: [&str; 10] = [
    "id",
    "name",
    "email",
    "age",
    "score",
    "active",
    "rating",
    "level",
    "created_at",
    "country",
];

/// First names, and the same in lower case for e-mail addresses (no allocation per record).
const FIRST_NAMES: [(&str, &str); 16] = [
    ("Ada", "ada"),
    ("Alan", "alan"),
    ("Barbara", "barbara"),
    ("Claude", "claude"),
    ("Donald", "donald"),
    ("Edsger", "edsger"),
    ("Frances", "frances"),
    ("Grace", "grace"),
    ("John", "john"),
    ("Ken", "ken"),
    ("Leslie", "leslie"),
    ("Margaret", "margaret"),
    ("Niklaus", "niklaus"),
    ("Radia", "radia"),
    ("Tony", "tony"),
    ("Vint", "vint"),
];

/// Last names, and the same in lower case.
const LAST_NAMES: [(&str, &str); 16] = [
    ("Allen", "allen"),
    ("Backus", "backus"),
    ("Cerf", "cerf"),
    ("Dijkstra", "dijkstra"),
    ("Hamilton", "hamilton"),
    ("Hoare", "hoare"),
    ("Hopper", "hopper"),
    ("Kay", "kay"),
    ("Knuth", "knuth"),
    ("Lamport", "lamport"),
    ("Liskov", "liskov"),
    ("Lovelace", "lovelace"),
    ("McCarthy", "mccarthy"),
    ("Perlman", "perlman"),
    ("Thompson", "thompson"),
    ("Wirth", "wirth"),
];

const COUNTRIES: [&str; 8] = ["BE", "BR", "CA", "DE", "FR", "IN", "JP", "US"];

/// 2024-01-01T00:00:00Z in epoch milliseconds: the earliest `created_at`.
const CREATED_AT_START: i64 = 1_704_067_200_000;

/// One year in milliseconds: the spread of `created_at`.
const CREATED_AT_SPREAD: u64 = 365 * 24 * 3600 * 1000;

/// Characters of generated strings.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// Which records to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    /// The ten-field struct.
    Struct10,
    /// A flat string of the given length.
    String {
        /// Characters per value.
        length: usize,
    },
}

/// A record shape with its (shared) schema.
#[derive(Debug, Clone)]
pub struct Shape {
    kind: ShapeKind,
    schema: SchemaRef,
}

/// The `struct10` schema.
pub fn struct10_schema() -> ConnectResult<SchemaRef> {
    SchemaBuilder::struct_()
        .name(STRUCT10_SCHEMA_NAME)
        .field("id", Schema::int64())
        .field("name", Schema::string())
        .field("email", Schema::string())
        .field("age", Schema::int32())
        .field("score", Schema::float64())
        .field("active", Schema::boolean())
        .field("rating", Schema::float32())
        .field("level", Schema::int8())
        .field("created_at", logical::timestamp_builder().build()?)
        .field("country", Schema::optional_string())
        .build()
}

impl Shape {
    /// The shape of this kind.
    pub fn new(kind: ShapeKind) -> ConnectResult<Self> {
        let schema = match kind {
            ShapeKind::Struct10 => struct10_schema()?,
            ShapeKind::String { .. } => Schema::string(),
        };
        Ok(Self { kind, schema })
    }

    /// The kind of records generated.
    pub fn kind(&self) -> ShapeKind {
        self.kind
    }

    /// The value schema, shared by every record.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The value of record number `sequence`: always the same for the same seed.
    pub fn value(&self, seed: u64, sequence: u64) -> Value {
        let mut rng = SplitMix64::for_record(seed, sequence);
        match self.kind {
            ShapeKind::Struct10 => self.struct10(&mut rng, sequence),
            ShapeKind::String { length } => Value::String(random_text(&mut rng, length)),
        }
    }

    fn struct10(&self, rng: &mut SplitMix64, sequence: u64) -> Value {
        let (first, first_lower) = FIRST_NAMES[rng.index(FIRST_NAMES.len())];
        let (last, last_lower) = LAST_NAMES[rng.index(LAST_NAMES.len())];
        let mut name = String::with_capacity(first.len() + last.len() + 1);
        name.push_str(first);
        name.push(' ');
        name.push_str(last);
        let mut email = String::with_capacity(first.len() + last.len() + 16);
        email.push_str(first_lower);
        email.push('.');
        email.push_str(last_lower);
        push_number(&mut email, rng.below(1000));
        email.push_str("@example.com");
        let country = if rng.chance(10) {
            Value::Null
        } else {
            Value::from(COUNTRIES[rng.index(COUNTRIES.len())])
        };
        let values = [
            Value::Int64(i64::try_from(sequence).unwrap_or(i64::MAX)),
            Value::String(name),
            Value::String(email),
            Value::Int32(18 + rng.below(73) as i32),
            Value::Float64(rng.below(1_000_000) as f64 / 100.0),
            Value::Boolean(rng.chance(70)),
            Value::Float32((rng.unit_f64() * 5.0) as f32),
            Value::Int8(1 + rng.below(10) as i8),
            Value::Instant(CREATED_AT_START + rng.below(CREATED_AT_SPREAD) as i64),
            country,
        ];
        // The schema is a struct schema by construction, so this cannot fail; the values
        // match their field schemas by construction too, hence no per-field validation.
        match Struct::new(self.schema.clone()) {
            Ok(mut s) => {
                for (index, value) in values.into_iter().enumerate() {
                    s.put_unchecked(index, value);
                }
                Value::Struct(s)
            }
            Err(_) => Value::Null,
        }
    }
}

/// Appends `n` in decimal without going through the formatting machinery.
fn push_number(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        out.push(char::from(*d));
    }
}

/// `length` random characters of [`ALPHABET`] (ten per 64 random bits).
fn random_text(rng: &mut SplitMix64, length: usize) -> String {
    let mut bytes = Vec::with_capacity(length);
    while bytes.len() < length {
        let mut bits = rng.next_u64();
        for _ in 0..10.min(length - bytes.len()) {
            bytes.push(ALPHABET[(bits & 63) as usize]);
            bits >>= 6;
        }
    }
    // Every byte comes from ASCII `ALPHABET`, so the conversion cannot fail.
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct10_has_ten_valid_fields() {
        let shape = Shape::new(ShapeKind::Struct10).unwrap();
        let names: Vec<&str> = shape
            .schema()
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, STRUCT10_FIELDS);
        for sequence in 0..1000 {
            let value = shape.value(42, sequence);
            let s = value.as_struct().expect("a struct");
            s.validate().unwrap();
            shape.schema().validate_value(&value).unwrap();
            assert_eq!(s.get("id").unwrap(), &Value::Int64(sequence as i64));
            let age = s.get("age").unwrap().as_i64().unwrap();
            assert!((18..=90).contains(&age), "{age}");
            let level = s.get("level").unwrap().as_i64().unwrap();
            assert!((1..=10).contains(&level), "{level}");
        }
    }

    #[test]
    fn values_depend_only_on_seed_and_sequence() {
        let shape = Shape::new(ShapeKind::Struct10).unwrap();
        assert_eq!(shape.value(1, 5), shape.value(1, 5));
        assert_ne!(shape.value(1, 5), shape.value(2, 5));
        assert_ne!(shape.value(1, 5), shape.value(1, 6));
        let other = Shape::new(ShapeKind::Struct10).unwrap();
        assert_eq!(shape.value(9, 77), other.value(9, 77));
    }

    #[test]
    fn fields_vary() {
        let shape = Shape::new(ShapeKind::Struct10).unwrap();
        let mut nulls = 0;
        let mut names = std::collections::HashSet::new();
        for sequence in 0..1000 {
            let value = shape.value(3, sequence);
            let s = value.as_struct().unwrap();
            if s.get("country").unwrap().is_null() {
                nulls += 1;
            }
            names.insert(s.get("name").unwrap().as_str().unwrap().to_string());
        }
        assert!((50..200).contains(&nulls), "{nulls}");
        assert!(names.len() > 100, "{}", names.len());
    }

    #[test]
    fn names_and_emails_match() {
        for (upper, lower) in FIRST_NAMES.iter().chain(LAST_NAMES.iter()) {
            assert_eq!(upper.to_ascii_lowercase(), *lower);
        }
        let shape = Shape::new(ShapeKind::Struct10).unwrap();
        let value = shape.value(0, 0);
        let s = value.as_struct().unwrap();
        let name = s
            .get("name")
            .unwrap()
            .as_str()
            .unwrap()
            .to_ascii_lowercase();
        let email = s.get("email").unwrap().as_str().unwrap();
        let (first, last) = name.split_once(' ').unwrap();
        let local = email.strip_suffix("@example.com").unwrap();
        let digits = local.trim_start_matches(&format!("{first}.{last}"));
        assert!(digits.parse::<u32>().unwrap() < 1000, "{email}");
        let mut text = String::new();
        for n in [0, 7, 10, 999, u64::MAX] {
            text.clear();
            push_number(&mut text, n);
            assert_eq!(text, n.to_string());
        }
    }

    #[test]
    fn strings_have_the_configured_length() {
        for length in [1, 9, 10, 11, 64, 1000] {
            let shape = Shape::new(ShapeKind::String { length }).unwrap();
            let value = shape.value(0, 1);
            let text = value.as_str().unwrap();
            assert_eq!(text.len(), length);
            assert!(text.bytes().all(|b| ALPHABET.contains(&b)));
        }
        let shape = Shape::new(ShapeKind::String { length: 64 }).unwrap();
        assert_ne!(shape.value(0, 1), shape.value(0, 2));
        assert_eq!(shape.schema(), &Schema::string());
    }
}
