//! Java key and trust stores read into PEM text, which librdkafka and the group client take:
//! PEM files, PKCS#12 (`.p12`, Java's default store type since Java 9) and JKS (Java's
//! legacy format, read here from its published layout). The store type is recognized from
//! the file's content, as Java's keystore loader does for JKS and PKCS#12.

use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

/// A private key with its certificate chain, as PEM text (the key unencrypted, PKCS#8).
#[derive(Clone)]
pub struct KeyPair {
    /// The private key.
    pub key_pem: String,
    /// The certificate chain, leaf first.
    pub chain_pem: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("key_pem", &"[hidden]")
            .field("chain_pem", &self.chain_pem)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Pem,
    Pkcs12,
    Jks,
}

const JKS_MAGIC: [u8; 4] = [0xFE, 0xED, 0xFE, 0xED];

fn format_of(bytes: &[u8]) -> Format {
    if bytes.starts_with(&JKS_MAGIC) {
        Format::Jks
    } else if bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(5)
        .eq(b"-----".iter())
    {
        Format::Pem
    } else {
        Format::Pkcs12
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn certs_pem(certs: &[X509]) -> Result<String, String> {
    let mut out = String::new();
    for cert in certs {
        let pem = cert.to_pem().map_err(|e| e.to_string())?;
        out.push_str(&String::from_utf8_lossy(&pem));
    }
    Ok(out)
}

fn key_pem(key: &PKey<Private>) -> Result<String, String> {
    let pem = key.private_key_to_pem_pkcs8().map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&pem).into_owned())
}

/// The certificates of a trust store (every certificate of a PEM file, every trusted entry
/// of a JKS or PKCS#12 store), as PEM text.
pub fn trusted_certificates(path: &str, password: Option<&str>) -> Result<String, String> {
    let bytes = read(path)?;
    let certs = match format_of(&bytes) {
        Format::Pem => X509::stack_from_pem(&bytes)
            .map_err(|e| format!("{path} holds no readable PEM certificate: {e}"))?,
        Format::Pkcs12 => {
            let parsed = parse_pkcs12(path, &bytes, password)?;
            let mut certs: Vec<X509> = parsed
                .ca
                .map(|s| s.into_iter().collect())
                .unwrap_or_default();
            certs.extend(parsed.cert);
            certs
        }
        Format::Jks => {
            jks::read(&bytes, password)
                .map_err(|e| format!("{path}: {e}"))?
                .certificates
        }
    };
    if certs.is_empty() {
        return Err(format!("{path} holds no certificate"));
    }
    certs_pem(&certs)
}

/// The private key and certificate chain of a key store. `store_password` opens the store
/// (and a PKCS#12 key); `key_password` (Java's `ssl.key.password`) decrypts the key of a JKS
/// store or an encrypted PEM key, and defaults to the store password.
pub fn key_pair(
    path: &str,
    store_password: Option<&str>,
    key_password: Option<&str>,
) -> Result<KeyPair, String> {
    let bytes = read(path)?;
    let key_password = key_password.or(store_password);
    match format_of(&bytes) {
        Format::Pem => {
            let text = String::from_utf8_lossy(&bytes);
            pem_pair(&text, key_password).map_err(|e| format!("{path}: {e}"))
        }
        Format::Pkcs12 => {
            let parsed = parse_pkcs12(path, &bytes, store_password)?;
            let key = parsed
                .pkey
                .ok_or_else(|| format!("{path} holds no private key"))?;
            let mut chain: Vec<X509> = parsed.cert.into_iter().collect();
            chain.extend(
                parsed
                    .ca
                    .map(|s| s.into_iter().collect::<Vec<_>>())
                    .unwrap_or_default(),
            );
            Ok(KeyPair {
                key_pem: key_pem(&key)?,
                chain_pem: certs_pem(&chain)?,
            })
        }
        Format::Jks => {
            let store = jks::read(&bytes, store_password).map_err(|e| format!("{path}: {e}"))?;
            let (der, chain) = store
                .private_key(key_password)
                .map_err(|e| format!("{path}: {e}"))?;
            let key = PKey::private_key_from_pkcs8(&der)
                .map_err(|e| format!("{path}: the private key is not PKCS#8: {e}"))?;
            Ok(KeyPair {
                key_pem: key_pem(&key)?,
                chain_pem: certs_pem(&chain)?,
            })
        }
    }
}

/// A key and chain given as PEM text (Java's `ssl.keystore.key` and
/// `ssl.keystore.certificate.chain`, or a PEM key store file holding both).
pub fn pem_pair(text: &str, key_password: Option<&str>) -> Result<KeyPair, String> {
    let chain = X509::stack_from_pem(text.as_bytes())
        .map_err(|e| format!("no readable PEM certificate: {e}"))?;
    let key_block = [
        "ENCRYPTED PRIVATE KEY",
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
    ]
    .iter()
    .find_map(|label| {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let start = text.find(&begin)?;
        let stop = text[start..].find(&end)? + start + end.len();
        Some(&text[start..stop])
    })
    .ok_or("no PEM private key")?;
    let key = match key_password {
        Some(p) if key_block.contains("ENCRYPTED") => {
            PKey::private_key_from_pem_passphrase(key_block.as_bytes(), p.as_bytes()).map_err(
                |_| "the private key cannot be decrypted with ssl.key.password".to_string(),
            )?
        }
        None if key_block.contains("ENCRYPTED") => {
            return Err("the private key is encrypted: set ssl.key.password".into())
        }
        _ => PKey::private_key_from_pem(key_block.as_bytes())
            .map_err(|e| format!("unreadable private key: {e}"))?,
    };
    Ok(KeyPair {
        key_pem: key_pem(&key)?,
        chain_pem: certs_pem(&chain)?,
    })
}

fn parse_pkcs12(
    path: &str,
    bytes: &[u8],
    password: Option<&str>,
) -> Result<openssl::pkcs12::ParsedPkcs12_2, String> {
    let store = Pkcs12::from_der(bytes)
        .map_err(|_| format!("{path} is neither a PEM, a PKCS#12 nor a JKS store"))?;
    store.parse2(password.unwrap_or("")).map_err(|e| {
        format!("{path}: cannot open the PKCS#12 store (wrong password, or an algorithm OpenSSL 3 does not load by default): {e}")
    })
}

/// Reading JKS stores: the magic `FEEDFEED`, a version (1 or 2), entries (private keys with
/// their chains, trusted certificates), then a SHA-1 digest over the password (UTF-16BE),
/// the words "Mighty Aphrodite" and everything before it. Private keys are protected by
/// Sun's key protector: salt (20 bytes) ‖ key XOR keystream ‖ SHA-1(password ‖ key), the
/// keystream being SHA-1 chained over the password and the salt.
mod jks {
    use openssl::sha::sha1;
    use openssl::x509::X509;

    /// What a JKS store holds.
    pub struct Store {
        /// Every certificate: trusted entries and the chains of key entries.
        pub certificates: Vec<X509>,
        keys: Vec<(Vec<u8>, Vec<X509>)>,
    }

    struct Reader<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl<'a> Reader<'a> {
        fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
            let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
            let end = end.ok_or("the JKS store is truncated")?;
            let out = &self.bytes[self.at..end];
            self.at = end;
            Ok(out)
        }
        fn u16(&mut self) -> Result<usize, String> {
            let b = self.take(2)?;
            Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
        }
        fn u32(&mut self) -> Result<usize, String> {
            let b = self.take(4)?;
            Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        }
        fn utf(&mut self) -> Result<(), String> {
            let n = self.u16()?;
            self.take(n).map(|_| ())
        }
        fn cert(&mut self, version: usize) -> Result<X509, String> {
            if version == 2 {
                self.utf()?; // certificate type, "X.509"
            }
            let n = self.u32()?;
            X509::from_der(self.take(n)?).map_err(|e| format!("unreadable certificate: {e}"))
        }
    }

    fn utf16(password: &str) -> Vec<u8> {
        password.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    pub fn read(bytes: &[u8], password: Option<&str>) -> Result<Store, String> {
        let mut r = Reader { bytes, at: 0 };
        r.take(4)?;
        let version = r.u32()?;
        if version != 1 && version != 2 {
            return Err(format!("unknown JKS version {version}"));
        }
        let count = r.u32()?;
        let mut store = Store {
            certificates: Vec::new(),
            keys: Vec::new(),
        };
        for _ in 0..count {
            let tag = r.u32()?;
            r.utf()?; // alias
            r.take(8)?; // creation time
            match tag {
                1 => {
                    let n = r.u32()?;
                    let protected = r.take(n)?.to_vec();
                    let chain_len = r.u32()?;
                    let mut chain = Vec::new();
                    for _ in 0..chain_len {
                        chain.push(r.cert(version)?);
                    }
                    store.certificates.extend(chain.iter().cloned());
                    store.keys.push((protected, chain));
                }
                2 => {
                    let cert = r.cert(version)?;
                    store.certificates.push(cert);
                }
                other => return Err(format!("unknown JKS entry type {other}")),
            }
        }
        let body_end = r.at;
        let digest = r.take(20)?;
        if let Some(password) = password {
            let mut data = utf16(password);
            data.extend_from_slice(b"Mighty Aphrodite");
            data.extend_from_slice(&bytes[..body_end]);
            if sha1(&data) != digest {
                return Err("the JKS store's password is wrong, or the store is corrupt".into());
            }
        }
        Ok(store)
    }

    /// The encrypted key of an `EncryptedPrivateKeyInfo` (DER: SEQUENCE { SEQUENCE {
    /// algorithm }, OCTET STRING }).
    fn encrypted_data(der: &[u8]) -> Result<&[u8], String> {
        fn header(der: &[u8], at: usize) -> Result<(u8, usize, usize), String> {
            let tag = *der.get(at).ok_or("bad key encoding")?;
            let first = *der.get(at + 1).ok_or("bad key encoding")?;
            if first < 0x80 {
                return Ok((tag, usize::from(first), at + 2));
            }
            let n = usize::from(first & 0x7F);
            let mut len = 0usize;
            for i in 0..n {
                len = (len << 8) | usize::from(*der.get(at + 2 + i).ok_or("bad key encoding")?);
            }
            Ok((tag, len, at + 2 + n))
        }
        let (_, _, inner) = header(der, 0)?;
        let (_, algorithm_len, algorithm) = header(der, inner)?;
        let (tag, len, data) = header(der, algorithm + algorithm_len)?;
        if tag != 0x04 {
            return Err("bad key encoding".into());
        }
        der.get(data..data + len)
            .ok_or_else(|| "bad key encoding".into())
    }

    impl Store {
        /// The first private key (PKCS#8 DER) and its chain.
        pub fn private_key(&self, password: Option<&str>) -> Result<(Vec<u8>, Vec<X509>), String> {
            let (protected, chain) = self
                .keys
                .first()
                .ok_or("the JKS store holds no private key")?;
            let password = utf16(password.ok_or("a password is needed for the JKS key")?);
            let data = encrypted_data(protected)?;
            if data.len() < 40 {
                return Err("bad key encoding".into());
            }
            let (salt, rest) = data.split_at(20);
            let (encrypted, check) = rest.split_at(rest.len() - 20);
            let mut stream = Vec::with_capacity(encrypted.len() + 20);
            let mut digest = salt.to_vec();
            while stream.len() < encrypted.len() {
                let mut input = password.clone();
                input.extend_from_slice(&digest);
                digest = sha1(&input).to_vec();
                stream.extend_from_slice(&digest);
            }
            let key: Vec<u8> = encrypted.iter().zip(&stream).map(|(a, b)| a ^ b).collect();
            let mut input = password;
            input.extend_from_slice(&key);
            if sha1(&input) != check {
                return Err("the JKS key's password (ssl.key.password) is wrong".into());
            }
            Ok((key, chain.clone()))
        }
    }
}
