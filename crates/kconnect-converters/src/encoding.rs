//! The character sets `StringConverter` can use for `converter.encoding`, looked up by their
//! Java names and aliases, with Java's replacement behaviour for text a charset cannot hold.

/// A character set usable by `StringConverter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    /// UTF-8 (the default).
    #[default]
    Utf8,
    /// ISO-8859-1 (Latin-1): one byte per character, code points up to U+00FF.
    Latin1,
    /// US-ASCII: one byte per character, code points up to U+007F.
    Ascii,
    /// UTF-16: big-endian with a byte order mark when writing; honours a mark when reading.
    Utf16,
    /// UTF-16BE: big-endian, no byte order mark.
    Utf16Be,
    /// UTF-16LE: little-endian, no byte order mark.
    Utf16Le,
}

/// What Java writes for a character the charset cannot represent.
const UNMAPPABLE: u8 = b'?';

impl Charset {
    /// Looks a charset up by its Java canonical name or one of its common aliases,
    /// ignoring case (`UTF-8`, `utf8`, `ISO-8859-1`, `latin1`, `US-ASCII`, `UTF-16BE`...).
    pub fn for_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        Some(match name.as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" => Self::Utf8,
            "iso-8859-1" | "iso8859-1" | "iso8859_1" | "iso_8859_1" | "iso_8859-1" | "latin1"
            | "l1" | "8859_1" | "cp819" | "ibm819" | "csisolatin1" | "819" | "ibm-819"
            | "iso-ir-100" | "iso_8859-1:1987" => Self::Latin1,
            "us-ascii" | "ascii" | "us" | "ascii7" | "646" | "iso646-us" | "iso_646.irv:1991"
            | "cp367" | "ibm367" | "csascii" | "default" | "iso-ir-6" | "ansi_x3.4-1968"
            | "ansi_x3.4-1986" => Self::Ascii,
            "utf-16" | "utf16" | "utf_16" | "unicode" => Self::Utf16,
            "utf-16be" | "utf_16be" | "x-utf-16be" | "iso-10646-ucs-2" | "unicodebigunmarked" => {
                Self::Utf16Be
            }
            "utf-16le" | "utf_16le" | "x-utf-16le" | "unicodelittleunmarked" => Self::Utf16Le,
            _ => return None,
        })
    }

    /// The Java canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Latin1 => "ISO-8859-1",
            Self::Ascii => "US-ASCII",
            Self::Utf16 => "UTF-16",
            Self::Utf16Be => "UTF-16BE",
            Self::Utf16Le => "UTF-16LE",
        }
    }

    /// Encodes text like Java's `String.getBytes(charset)`: characters the charset cannot
    /// hold become `?`.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Self::Utf8 => text.as_bytes().to_vec(),
            Self::Latin1 => single_byte(text, 0xFF),
            Self::Ascii => single_byte(text, 0x7F),
            Self::Utf16 => {
                let mut out = vec![0xFE, 0xFF];
                out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
                out
            }
            Self::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            Self::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        }
    }

    /// Decodes bytes like Java's `new String(bytes, charset)`: malformed input becomes
    /// U+FFFD.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Self::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Self::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
            Self::Ascii => bytes
                .iter()
                .map(|&b| {
                    if b.is_ascii() {
                        char::from(b)
                    } else {
                        char::REPLACEMENT_CHARACTER
                    }
                })
                .collect(),
            Self::Utf16 => match bytes {
                [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
                [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
                _ => utf16(bytes, u16::from_be_bytes),
            },
            Self::Utf16Be => utf16(bytes, u16::from_be_bytes),
            Self::Utf16Le => utf16(bytes, u16::from_le_bytes),
        }
    }
}

fn single_byte(text: &str, max: u32) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(c as u32).ok().filter(|b| u32::from(*b) <= max))
        .map(|b| b.unwrap_or(UNMAPPABLE))
        .collect()
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let chunks = bytes.chunks_exact(2);
    let odd_tail = !chunks.remainder().is_empty();
    let units = chunks.map(|pair| unit([pair[0], pair[1]]));
    let mut text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if odd_tail {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_resolve_case_insensitively() {
        assert_eq!(Charset::for_name("UTF-8"), Some(Charset::Utf8));
        assert_eq!(Charset::for_name("utf8"), Some(Charset::Utf8));
        assert_eq!(Charset::for_name("Latin1"), Some(Charset::Latin1));
        assert_eq!(Charset::for_name("US-ASCII"), Some(Charset::Ascii));
        assert_eq!(Charset::for_name("utf-16le"), Some(Charset::Utf16Le));
        assert_eq!(Charset::for_name("EBCDIC-XYZ"), None);
    }

    #[test]
    fn unmappable_characters_become_question_marks() {
        assert_eq!(Charset::Latin1.encode("é€"), vec![0xE9, b'?']);
        assert_eq!(Charset::Ascii.encode("aé"), vec![b'a', b'?']);
        assert_eq!(Charset::Ascii.decode(&[b'a', 0xE9]), "a\u{FFFD}");
        assert_eq!(Charset::Latin1.decode(&[0xE9]), "é");
    }

    #[test]
    fn utf16_variants() {
        assert_eq!(Charset::Utf16.encode("A"), vec![0xFE, 0xFF, 0x00, 0x41]);
        assert_eq!(Charset::Utf16Be.encode("A"), vec![0x00, 0x41]);
        assert_eq!(Charset::Utf16Le.encode("A"), vec![0x41, 0x00]);
        assert_eq!(Charset::Utf16.decode(&[0xFF, 0xFE, 0x41, 0x00]), "A");
        assert_eq!(Charset::Utf16.decode(&[0x00, 0x41]), "A");
        assert_eq!(Charset::Utf16Be.decode(&[0x00, 0x41, 0x00]), "A\u{FFFD}");
        let smile = "😀";
        assert_eq!(
            Charset::Utf16Le.decode(&Charset::Utf16Le.encode(smile)),
            smile
        );
    }

    #[test]
    fn utf8_is_lossy_on_bad_input() {
        assert_eq!(Charset::Utf8.decode(&[b'a', 0xFF]), "a\u{FFFD}");
    }
}
