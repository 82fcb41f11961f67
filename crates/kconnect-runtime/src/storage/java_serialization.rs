//! The standalone offsets file format: Java Object Serialization of a
//! `java.util.HashMap<byte[], byte[]>` (kafka-connect-spec.md §6.5), so a kconnect worker can take over the
//! offsets file of a Java worker and the other way round.
//!
//! The writer emits the exact stream the JDK writes; the reader follows the general
//! handle/back-reference rules for the subset of the grammar such a map uses.

use thiserror::Error;

const MAGIC: [u8; 4] = [0xAC, 0xED, 0x00, 0x05];
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_ARRAY: u8 = 0x75;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const BASE_HANDLE: u32 = 0x7E_0000;
const HASHMAP_UID: u64 = 0x0507_DAC1_C316_60D1;
const BYTE_ARRAY_UID: u64 = 0xACF3_17F8_0608_54E0;

/// One stored entry: key bytes to value bytes (`None` is a tombstone kept as a null value).
pub type Entry = (Vec<u8>, Option<Vec<u8>>);

/// The file is not a serialized `HashMap<byte[], byte[]>`.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("offsets file is not a serialized java.util.HashMap<byte[], byte[]>: {0}")]
pub struct FormatError(String);

fn put_utf(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Serializes entries exactly as `ObjectOutputStream.writeObject(HashMap)` does.
pub fn write_map(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        64 + entries
            .iter()
            .map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len) + 16)
            .sum::<usize>(),
    );
    out.extend_from_slice(&MAGIC);
    out.push(TC_OBJECT);
    out.push(TC_CLASSDESC);
    put_utf(&mut out, "java.util.HashMap");
    out.extend_from_slice(&HASHMAP_UID.to_be_bytes());
    out.push(0x03); // SC_SERIALIZABLE | SC_WRITE_METHOD
    out.extend_from_slice(&2u16.to_be_bytes());
    out.push(b'F');
    put_utf(&mut out, "loadFactor");
    out.push(b'I');
    put_utf(&mut out, "threshold");
    out.push(TC_ENDBLOCKDATA);
    out.push(TC_NULL); // no superclass descriptor
                       // Handles so far: 0x7E0000 = HashMap class desc, 0x7E0001 = the map object.
    let capacity = table_capacity(entries.len());
    let threshold = (capacity as f32 * 0.75) as i32;
    out.extend_from_slice(&0.75f32.to_be_bytes());
    out.extend_from_slice(&threshold.to_be_bytes());
    out.push(TC_BLOCKDATA);
    out.push(8);
    out.extend_from_slice(&(capacity as i32).to_be_bytes());
    out.extend_from_slice(&(entries.len() as i32).to_be_bytes());
    let mut array_desc: Option<u32> = None;
    let mut next_handle = BASE_HANDLE + 2;
    let mut write_bytes = |out: &mut Vec<u8>, bytes: Option<&Vec<u8>>| match bytes {
        None => out.push(TC_NULL),
        Some(bytes) => {
            out.push(TC_ARRAY);
            match array_desc {
                Some(handle) => {
                    out.push(TC_REFERENCE);
                    out.extend_from_slice(&handle.to_be_bytes());
                }
                None => {
                    out.push(TC_CLASSDESC);
                    put_utf(out, "[B");
                    out.extend_from_slice(&BYTE_ARRAY_UID.to_be_bytes());
                    out.push(0x02); // SC_SERIALIZABLE
                    out.extend_from_slice(&0u16.to_be_bytes());
                    out.push(TC_ENDBLOCKDATA);
                    out.push(TC_NULL);
                    array_desc = Some(next_handle);
                    next_handle += 1;
                }
            }
            next_handle += 1; // the array object itself
            out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
    };
    for (key, value) in entries {
        write_bytes(&mut out, Some(key));
        write_bytes(&mut out, value.as_ref());
    }
    out.push(TC_ENDBLOCKDATA);
    out
}

/// The table size a `HashMap` holding `n` entries serializes (power of two, load 0.75).
fn table_capacity(n: usize) -> usize {
    let mut capacity = 16usize;
    while (capacity as f64) * 0.75 < n as f64 {
        capacity *= 2;
    }
    capacity
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    handles: Vec<Handle>,
}

#[derive(Clone)]
enum Handle {
    ClassDesc(String),
    Array(Vec<u8>),
    Other,
}

impl<'a> Reader<'a> {
    fn err(&self, what: &str) -> FormatError {
        FormatError(format!("{what} at byte {}", self.pos))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| self.err("unexpected end"))?;
        let slice = &self.data[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, FormatError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32, FormatError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn utf(&mut self) -> Result<String, FormatError> {
        let len = self.u16()? as usize;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| self.err("invalid UTF-8 name"))
    }

    fn handle(&mut self) -> Result<Handle, FormatError> {
        let h = self.i32()? as u32;
        let index = h
            .checked_sub(BASE_HANDLE)
            .ok_or_else(|| self.err("bad handle"))? as usize;
        self.handles
            .get(index)
            .cloned()
            .ok_or_else(|| self.err("unknown handle"))
    }

    /// A class descriptor (new, reference or null); returns its class name.
    fn class_desc(&mut self) -> Result<Option<String>, FormatError> {
        match self.u8()? {
            TC_NULL => Ok(None),
            TC_REFERENCE => match self.handle()? {
                Handle::ClassDesc(name) => Ok(Some(name)),
                _ => Err(self.err("reference is not a class descriptor")),
            },
            TC_CLASSDESC => {
                let name = self.utf()?;
                self.take(8)?; // serialVersionUID
                self.handles.push(Handle::ClassDesc(name.clone()));
                self.u8()?; // flags
                let fields = self.u16()?;
                for _ in 0..fields {
                    let code = self.u8()?;
                    self.utf()?;
                    if code == b'[' || code == b'L' {
                        // Field type as a string object (new or back-reference).
                        match self.u8()? {
                            0x74 => {
                                let s = self.utf()?;
                                self.handles.push(Handle::ClassDesc(s));
                            }
                            TC_REFERENCE => {
                                self.handle()?;
                            }
                            _ => return Err(self.err("unexpected field type")),
                        }
                    }
                }
                if self.u8()? != TC_ENDBLOCKDATA {
                    return Err(self.err("class annotations are not supported"));
                }
                self.class_desc()?; // superclass
                Ok(Some(name))
            }
            _ => Err(self.err("expected a class descriptor")),
        }
    }

    /// A `byte[]` object, null, or a back-reference to an earlier array.
    fn byte_array(&mut self) -> Result<Option<Vec<u8>>, FormatError> {
        match self.u8()? {
            TC_NULL => Ok(None),
            TC_REFERENCE => match self.handle()? {
                Handle::Array(bytes) => Ok(Some(bytes)),
                _ => Err(self.err("reference is not a byte array")),
            },
            TC_ARRAY => {
                if self.class_desc()?.as_deref() != Some("[B") {
                    return Err(self.err("array is not a byte[]"));
                }
                let index = self.handles.len();
                self.handles.push(Handle::Other);
                let len =
                    usize::try_from(self.i32()?).map_err(|_| self.err("negative array length"))?;
                let bytes = self.take(len)?.to_vec();
                self.handles[index] = Handle::Array(bytes.clone());
                Ok(Some(bytes))
            }
            _ => Err(self.err("expected a byte[]")),
        }
    }
}

/// Reads entries written by [`write_map`] or by a Java worker. An empty input is an empty map.
pub fn read_map(data: &[u8]) -> Result<Vec<Entry>, FormatError> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    let mut r = Reader {
        data,
        pos: 0,
        handles: Vec::new(),
    };
    if r.take(4)? != MAGIC {
        return Err(r.err("bad stream header"));
    }
    if r.u8()? != TC_OBJECT {
        return Err(r.err("expected an object"));
    }
    if r.class_desc()?.as_deref() != Some("java.util.HashMap") {
        return Err(r.err("object is not a java.util.HashMap"));
    }
    r.handles.push(Handle::Other); // the map object
    r.take(8)?; // loadFactor, threshold
    if r.u8()? != TC_BLOCKDATA || r.u8()? != 8 {
        return Err(r.err("expected the map's capacity and size"));
    }
    r.i32()?; // capacity
    let size = usize::try_from(r.i32()?).map_err(|_| r.err("negative size"))?;
    let mut entries = Vec::with_capacity(size.min(1 << 20));
    for _ in 0..size {
        let key = r.byte_array()?.ok_or_else(|| r.err("null key"))?;
        let value = r.byte_array()?;
        entries.push((key, value));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes the JDK writes for a map with one entry `{"k": "v"}` (as UTF-8 byte arrays).
    const JAVA_ONE_ENTRY: &[u8] = &[
        0xAC, 0xED, 0x00, 0x05, 0x73, 0x72, 0x00, 0x11, b'j', b'a', b'v', b'a', b'.', b'u', b't',
        b'i', b'l', b'.', b'H', b'a', b's', b'h', b'M', b'a', b'p', 0x05, 0x07, 0xDA, 0xC1, 0xC3,
        0x16, 0x60, 0xD1, 0x03, 0x00, 0x02, 0x46, 0x00, 0x0A, b'l', b'o', b'a', b'd', b'F', b'a',
        b'c', b't', b'o', b'r', 0x49, 0x00, 0x09, b't', b'h', b'r', b'e', b's', b'h', b'o', b'l',
        b'd', 0x78, 0x70, 0x3F, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x77, 0x08, 0x00, 0x00,
        0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x75, 0x72, 0x00, 0x02, b'[', b'B', 0xAC, 0xF3, 0x17,
        0xF8, 0x06, 0x08, 0x54, 0xE0, 0x02, 0x00, 0x00, 0x78, 0x70, 0x00, 0x00, 0x00, 0x01, b'k',
        0x75, 0x71, 0x00, 0x7E, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, b'v', 0x78,
    ];

    #[test]
    fn writes_what_the_jdk_writes() {
        let entries = vec![(b"k".to_vec(), Some(b"v".to_vec()))];
        assert_eq!(write_map(&entries), JAVA_ONE_ENTRY);
        assert_eq!(read_map(JAVA_ONE_ENTRY).unwrap(), entries);
    }

    #[test]
    fn round_trips_many_entries_and_tombstones() {
        let entries: Vec<Entry> = (0..100)
            .map(|i| {
                (
                    format!("[\"c\",{{\"n\":{i}}}]").into_bytes(),
                    (i % 7 != 0).then(|| format!("{{\"position\":{i}}}").into_bytes()),
                )
            })
            .collect();
        assert_eq!(read_map(&write_map(&entries)).unwrap(), entries);
        assert_eq!(read_map(&[]).unwrap(), vec![]);
    }

    /// A map of 13 entries (`k0`..`k12`, odd ones with value `v<i>`, even ones null) written
    /// by the JDK 17 `ObjectOutputStream`: exercises back-references and a resized table.
    #[test]
    fn reads_and_rewrites_a_jdk_written_map() {
        let java = include_bytes!("testdata/java_hashmap_13.bin");
        let entries = read_map(java).unwrap();
        assert_eq!(entries.len(), 13);
        for (k, v) in &entries {
            let i: usize = std::str::from_utf8(&k[1..]).unwrap().parse().unwrap();
            assert_eq!(
                v.clone(),
                (i % 2 == 1).then(|| format!("v{i}").into_bytes())
            );
        }
        assert_eq!(write_map(&entries), java.to_vec());
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert!(read_map(b"not a java stream").is_err());
        let mut truncated = JAVA_ONE_ENTRY.to_vec();
        truncated.truncate(90);
        assert!(read_map(&truncated).is_err());
    }
}
