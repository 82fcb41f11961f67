//! Avro names from Connect names: split into namespace and simple name, and scrubbed of the
//! characters Avro does not accept.

/// `(namespace, simple name)` of a dotted full name.
pub fn split(full: &str) -> (Option<&str>, &str) {
    match full.rsplit_once('.') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, full),
    }
}

/// A name Avro accepts: every character that is not a letter, digit or `_` becomes `_`, and a
/// name that starts with a digit gets an `x` in front (Confluent's `scrub.invalid.names`).
pub fn scrub(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        out.insert(0, 'x');
    }
    out
}

/// A dotted full name with each part scrubbed.
pub fn scrub_full(full: &str) -> String {
    full.split('.').map(scrub).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_split_and_scrubbed() {
        assert_eq!(split("com.example.Point"), (Some("com.example"), "Point"));
        assert_eq!(split("Point"), (None, "Point"));
        assert_eq!(scrub("first-name"), "first_name");
        assert_eq!(scrub("1st"), "x1st");
        assert_eq!(scrub_full("com.example.my-record"), "com.example.my_record");
    }
}
