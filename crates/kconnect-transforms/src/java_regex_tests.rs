use super::*;

fn re(p: &str) -> JavaRegex {
    JavaRegex::new(p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn full_match_requires_the_whole_input() {
    let r = re("(.*)-(\\d+)");
    assert!(r.matches("logs-2024"));
    assert!(!r.matches("logs-2024x"));
    assert!(re("a|ab").matches("ab"));
    assert!(!re("^foo$").matches("xfoo"));
    assert!(re("").matches(""));
    assert_eq!(r.group_count(), 2);
}

#[test]
fn java_classes_are_ascii() {
    assert!(!re("\\d+").matches("١٢"));
    assert!(re("\\w+").matches("a_1"));
    assert!(!re("\\w+").matches("é"));
    assert!(re("[\\d-]+").matches("1-2"));
    assert!(re("\\p{Alpha}\\P{Digit}").matches("ab"));
    assert!(re("[\\p{Upper}x]+").matches("ABx"));
    assert!(re("\\p{IsLatin}+").matches("abc"));
    assert!(re("\\p{L}").matches("é"));
}

#[test]
fn escapes_and_quoting() {
    assert!(re("\\Qa.b\\E").matches("a.b"));
    assert!(!re("\\Qa.b\\E").matches("axb"));
    assert!(re("a\\.b\\-c\\<d\\>").matches("a.b-c<d>"));
    assert!(re("\\u00e9\\x41\\x{42}\\0101").matches("éABA"));
    assert!(re("\\uD83D\\uDE00").matches("😀"));
    assert!(re("a{2,3}b{2}").matches("aaabb"));
    assert!(re("[:a]+").matches(":a:"));
    assert!(re("a]b}").matches("a]b}"));
    assert!(re("\\t\\cI").matches("\t\t"));
}

#[test]
fn groups_and_flags() {
    let r = re("(?<name>[a-z]+)-(?:x)(?i)Y");
    assert_eq!(r.group_index("name"), Some(1));
    assert!(r.matches("ab-xy"));
    assert!(re("(?u)a(?iu:B)").matches("ab"));
    assert!(re("(?x) a b # comment").matches("ab"));
}

#[test]
fn unsupported_constructs_are_errors() {
    for p in [
        "(a)\\1",
        "a(?=b)",
        "(?<=a)b",
        "(?>a)",
        "a*+",
        "a{2}+",
        "\\G",
        "\\k<n>",
        "(",
        "[a",
        "a{",
        "\\y",
        "\\p{InGreek}",
    ] {
        assert!(JavaRegex::new(p).is_err(), "{p}");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text quoted with `\Q...\E` matches exactly itself.
        #[test]
        fn quoted_text_matches_itself(text in "[ -~]{0,20}") {
            prop_assume!(!text.contains("\\E"));
            let regex = JavaRegex::new(&format!("\\Q{text}\\E")).unwrap();
            prop_assert!(regex.matches(&text));
            let longer = format!("{text}x");
            prop_assert!(!regex.matches(&longer));
        }
    }
}
