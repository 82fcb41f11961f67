//! A certificate authority and the certificates the test broker and its clients use, made
//! fresh for every broker: a CA, a server certificate for `localhost` and `127.0.0.1` (the
//! broker's, also usable as a client certificate), and a
//! client certificate for mutual TLS. Everything is written as PEM (keys unencrypted, PKCS#8),
//! which both Kafka (`ssl.*.type=PEM`) and librdkafka read.

use std::path::{Path, PathBuf};
use std::process::Command;

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509Name, X509};

/// The PEM files of one test PKI.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The CA certificate (what clients and the broker trust).
    pub ca_cert: PathBuf,
    /// The broker's private key followed by its certificate (a Kafka PEM key store file).
    pub broker_keystore: PathBuf,
    /// The client certificate (subject `CN=kconnect-client`), signed by the CA.
    pub client_cert: PathBuf,
    /// The client's private key (PKCS#8, unencrypted).
    pub client_key: PathBuf,
}

impl TlsFiles {
    /// The subject of the client certificate as Kafka names the principal.
    pub const CLIENT_PRINCIPAL: &'static str = "User:CN=kconnect-client";

    /// Reads a file of this PKI as text (e.g. to pass a PEM string in a config).
    ///
    /// # Panics
    /// If the file cannot be read.
    pub fn pem(path: &Path) -> String {
        std::fs::read_to_string(path).expect("PEM file")
    }
}

struct Issued {
    key: PKey<Private>,
    cert: X509,
}

fn new_key() -> Result<PKey<Private>, ErrorStack> {
    PKey::from_rsa(Rsa::generate(2048)?)
}

fn name(common_name: &str) -> Result<X509Name, ErrorStack> {
    let mut name = X509Name::builder()?;
    name.append_entry_by_text("O", "kconnect tests")?;
    name.append_entry_by_text("CN", common_name)?;
    Ok(name.build())
}

/// Issues a certificate for `common_name`, signed by `issuer` (self-signed CA when `None`).
fn issue(common_name: &str, issuer: Option<&Issued>, server: bool) -> Result<Issued, ErrorStack> {
    let key = new_key()?;
    let subject = name(common_name)?;
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(64, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&subject)?;
    builder.set_pubkey(&key)?;
    let (not_before, not_after) = (Asn1Time::days_from_now(0)?, Asn1Time::days_from_now(30)?);
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    match issuer {
        None => {
            builder.set_issuer_name(&subject)?;
            builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
            builder.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()?,
            )?;
        }
        Some(ca) => {
            builder.set_issuer_name(ca.cert.subject_name())?;
            builder.append_extension(BasicConstraints::new().build()?)?;
            builder.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .key_encipherment()
                    .build()?,
            )?;
            let mut usage = ExtendedKeyUsage::new();
            if server {
                // Also a client certificate: the same key store serves a worker's HTTPS
                // listener and its requests to other workers that require client
                // certificates, as in a typical deployment.
                usage.server_auth().client_auth();
                let san = SubjectAlternativeName::new()
                    .dns("localhost")
                    .ip("127.0.0.1")
                    .build(&builder.x509v3_context(Some(&ca.cert), None))?;
                builder.append_extension(san)?;
            } else {
                usage.client_auth();
            }
            builder.append_extension(usage.build()?)?;
        }
    }
    let signer = issuer.map_or(&key, |ca| &ca.key);
    builder.sign(signer, MessageDigest::sha256())?;
    Ok(Issued {
        key,
        cert: builder.build(),
    })
}

fn pem_text(issued: &Issued) -> Result<(String, String), ErrorStack> {
    let key = String::from_utf8_lossy(&issued.key.private_key_to_pem_pkcs8()?).into_owned();
    let cert = String::from_utf8_lossy(&issued.cert.to_pem()?).into_owned();
    Ok((key, cert))
}

/// Makes a CA, a broker and a client certificate in `dir`.
///
/// # Panics
/// If OpenSSL fails or a file cannot be written.
pub fn generate(dir: &Path) -> TlsFiles {
    let make = || -> Result<TlsFiles, ErrorStack> {
        let ca = issue("kconnect test CA", None, false)?;
        let broker = issue("localhost", Some(&ca), true)?;
        let client = issue("kconnect-client", Some(&ca), false)?;
        let (_, ca_pem) = pem_text(&ca)?;
        let (broker_key, broker_cert) = pem_text(&broker)?;
        let (client_key, client_cert) = pem_text(&client)?;
        let files = TlsFiles {
            ca_cert: dir.join("ca.pem"),
            broker_keystore: dir.join("broker-keystore.pem"),
            client_cert: dir.join("client.pem"),
            client_key: dir.join("client-key.pem"),
        };
        let write = |path: &Path, text: String| std::fs::write(path, text).expect("PEM file");
        write(&files.ca_cert, ca_pem.clone());
        write(
            &files.broker_keystore,
            format!("{broker_key}{broker_cert}{ca_pem}"),
        );
        write(&files.client_cert, client_cert);
        write(&files.client_key, client_key);
        Ok(files)
    };
    make().expect("generate test certificates")
}

/// Java key and trust stores holding the same material as [`TlsFiles`], made the way Java
/// users make them: PKCS#12 with OpenSSL, JKS with Java's own `keytool`.
#[derive(Debug, Clone)]
pub struct JavaStores {
    /// The CA in a JKS trust store.
    pub truststore_jks: PathBuf,
    /// The CA in a PKCS#12 trust store.
    pub truststore_p12: PathBuf,
    /// The client key and certificate in a JKS key store.
    pub keystore_jks: PathBuf,
    /// The client key and certificate in a PKCS#12 key store.
    pub keystore_p12: PathBuf,
}

impl JavaStores {
    /// The password of every store.
    pub const STORE_PASSWORD: &'static str = "kc-store-secret-81f2";
    /// The password of the key inside the JKS key store (Java's `ssl.key.password`).
    pub const KEY_PASSWORD: &'static str = "kc-key-secret-33a9";
}

fn keytool(args: &[&str]) {
    let java = crate::kafka_dist::java();
    let keytool = java.with_file_name("keytool");
    let out = Command::new(if keytool.exists() {
        keytool
    } else {
        "keytool".into()
    })
    .args(args)
    .output()
    .expect("run keytool");
    assert!(
        out.status.success(),
        "keytool {}: {}{}",
        args.first().copied().unwrap_or_default(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TlsFiles {
    /// Writes Java key and trust stores (JKS and PKCS#12) of this PKI's CA and client
    /// certificate into `dir`.
    ///
    /// # Panics
    /// If OpenSSL or keytool fails.
    pub fn java_stores(&self, dir: &Path) -> JavaStores {
        let stores = JavaStores {
            truststore_jks: dir.join("truststore.jks"),
            truststore_p12: dir.join("truststore.p12"),
            keystore_jks: dir.join("keystore.jks"),
            keystore_p12: dir.join("keystore.p12"),
        };
        let pass = JavaStores::STORE_PASSWORD;
        let key =
            PKey::private_key_from_pem(Self::pem(&self.client_key).as_bytes()).expect("client key");
        let cert = X509::from_pem(Self::pem(&self.client_cert).as_bytes()).expect("client cert");
        let ca = X509::from_pem(Self::pem(&self.ca_cert).as_bytes()).expect("CA cert");
        let mut chain = openssl::stack::Stack::new().expect("stack");
        chain.push(ca).expect("stack");
        let p12 = openssl::pkcs12::Pkcs12::builder()
            .name("client")
            .pkey(&key)
            .cert(&cert)
            .ca(chain)
            .build2(pass)
            .expect("PKCS#12 key store");
        std::fs::write(&stores.keystore_p12, p12.to_der().expect("PKCS#12 DER")).expect("write");
        let ca_path = self.ca_cert.display().to_string();
        for (path, kind) in [
            (&stores.truststore_jks, "JKS"),
            (&stores.truststore_p12, "PKCS12"),
        ] {
            keytool(&[
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                &ca_path,
                "-keystore",
                &path.display().to_string(),
                "-storetype",
                kind,
                "-storepass",
                pass,
            ]);
        }
        keytool(&[
            "-importkeystore",
            "-noprompt",
            "-srckeystore",
            &stores.keystore_p12.display().to_string(),
            "-srcstoretype",
            "PKCS12",
            "-srcstorepass",
            pass,
            "-srcalias",
            "client",
            "-destkeystore",
            &stores.keystore_jks.display().to_string(),
            "-deststoretype",
            "JKS",
            "-deststorepass",
            pass,
            "-destkeypass",
            JavaStores::KEY_PASSWORD,
        ]);
        stores
    }
}
