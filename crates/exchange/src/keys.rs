//! Signing keys in the minisign format.
//!
//! A company's key pair is an Ed25519 key in minisign's files: `CODE.key` (the secret key,
//! encrypted with a passphrase by scrypt) and `CODE.pub`. Anyone can verify a package's
//! `manifest.json.minisig` with the standard tool: `minisign -Vm manifest.json -p CODE.pub`.
//!
//! The minisign crate reads and writes the key files and verifies. Signing is done here with
//! ed25519-dalek because minisign's `sign` mixes a random nonce into every signature: two
//! packages of the same revision would then differ, and packages must be reproducible. Plain
//! Ed25519 (RFC 8032) is deterministic and verifies exactly the same way.

use crate::ExchangeError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use blake2::{Blake2b512, Digest};
use sha2::Sha256;

/// The most bytes a key or signature file may have (real ones are under 400).
pub const MAX_KEY_FILE_BYTES: usize = 4096;
/// The shortest passphrase accepted for a new key.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// A freshly generated key pair, as the two files' text.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    /// `CODE.key`: the encrypted secret key.
    pub secret_file: String,
    /// `CODE.pub`: the public key.
    pub public: PublicKey,
}

/// A public key: its minisign key id and the base64 line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// minisign key id: 16 upper-case hex digits, as `minisign` prints it.
    pub key_id: String,
    /// The base64 line of the `.pub` file.
    pub base64: String,
}

impl PublicKey {
    /// Parses a `.pub` file (two lines: an untrusted comment and the key) or the bare base64
    /// line.
    pub fn parse(text: &str) -> Result<PublicKey, ExchangeError> {
        if text.len() > MAX_KEY_FILE_BYTES {
            return Err(ExchangeError::new("exchange.bad_public_key"));
        }
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
            .ok_or_else(|| ExchangeError::new("exchange.bad_public_key"))?;
        let pk = minisign::PublicKey::from_base64(line)
            .map_err(|_| ExchangeError::new("exchange.bad_public_key"))?;
        Ok(PublicKey::of(&pk))
    }

    fn of(pk: &minisign::PublicKey) -> PublicKey {
        PublicKey {
            key_id: key_id(pk.keynum()),
            base64: pk.to_base64(),
        }
    }

    /// The `.pub` file as `minisign -G` writes it.
    pub fn file_text(&self) -> String {
        format!(
            "untrusted comment: minisign public key {}\n{}\n",
            self.key_id, self.base64
        )
    }

    /// SHA-256 of the key (the 42 bytes behind the base64 line), as hex in groups of four, for
    /// reading out over the phone when a supplier registers it.
    pub fn fingerprint(&self) -> String {
        let bytes = B64.decode(&self.base64).unwrap_or_default();
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        hex.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn minisign(&self) -> Result<minisign::PublicKey, ExchangeError> {
        minisign::PublicKey::from_base64(&self.base64)
            .map_err(|_| ExchangeError::new("exchange.bad_public_key"))
    }
}

fn key_id(keynum: &[u8]) -> String {
    // minisign prints the 8 bytes as a little-endian u64.
    keynum.iter().rev().map(|b| format!("{b:02X}")).collect()
}

/// Checks a new key's passphrase: at least [`MIN_PASSPHRASE_CHARS`] characters.
pub fn check_passphrase(passphrase: &str) -> Result<(), ExchangeError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(ExchangeError::new("exchange.short_passphrase")
            .with("min", MIN_PASSPHRASE_CHARS.to_string()));
    }
    Ok(())
}

/// Generates a key pair whose secret key is encrypted with `passphrase`.
pub fn generate(passphrase: &str, company: &str) -> Result<GeneratedKey, ExchangeError> {
    check_passphrase(passphrase)?;
    let pair = minisign::KeyPair::generate_encrypted_keypair(Some(passphrase.to_string()))
        .map_err(|e| ExchangeError::internal(e.to_string()))?;
    let comment = format!("kojo secret key of company {company}");
    let secret_file = pair
        .sk
        .to_box(Some(&comment))
        .map_err(|e| ExchangeError::internal(e.to_string()))?
        .into_string();
    Ok(GeneratedKey {
        secret_file,
        public: PublicKey::of(&pair.pk),
    })
}

/// A secret key, decrypted and ready to sign.
pub struct SigningKey {
    keynum: [u8; 8],
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.public.key_id)
            .finish_non_exhaustive()
    }
}

/// Offsets in minisign's serialised secret key: algorithm (2), kdf (2), checksum algorithm (2),
/// salt (32), opslimit (8), memlimit (8), then the key number (8), the Ed25519 key (64: seed and
/// public key) and the checksum (32).
const KEYNUM_AT: usize = 54;
const SK_AT: usize = KEYNUM_AT + 8;

impl SigningKey {
    /// Opens a `.key` file with its passphrase. A wrong passphrase and a file that is not a
    /// minisign secret key are told apart.
    pub fn open(secret_file: &str, passphrase: &str) -> Result<SigningKey, ExchangeError> {
        if secret_file.len() > MAX_KEY_FILE_BYTES {
            return Err(ExchangeError::new("exchange.bad_secret_key"));
        }
        let sk_box = minisign::SecretKeyBox::from_string(secret_file)
            .map_err(|_| ExchangeError::new("exchange.bad_secret_key"))?;
        let sk = sk_box
            .into_secret_key(Some(passphrase.to_string()))
            .map_err(|e| match e.kind() {
                // minisign's checksum over the decrypted key does not match.
                minisign::ErrorKind::Verify => ExchangeError::new("exchange.wrong_passphrase"),
                _ => ExchangeError::new("exchange.bad_secret_key"),
            })?;
        if sk.is_encrypted() {
            return Err(ExchangeError::new("exchange.wrong_passphrase"));
        }
        let bytes = sk.to_bytes();
        let (Some(keynum), Some(pair)) = (
            bytes.get(KEYNUM_AT..KEYNUM_AT + 8),
            bytes.get(SK_AT..SK_AT + 64),
        ) else {
            return Err(ExchangeError::new("exchange.bad_secret_key"));
        };
        let pair: [u8; 64] = pair
            .try_into()
            .map_err(|_| ExchangeError::new("exchange.bad_secret_key"))?;
        let key = ed25519_dalek::SigningKey::from_keypair_bytes(&pair)
            .map_err(|_| ExchangeError::new("exchange.bad_secret_key"))?;
        let mut num = [0u8; 8];
        num.copy_from_slice(keynum);
        let pk = minisign::PublicKey::from_bytes(
            &[b"Ed".as_slice(), keynum, key.verifying_key().as_bytes()].concat(),
        )
        .map_err(|_| ExchangeError::new("exchange.bad_secret_key"))?;
        Ok(SigningKey {
            keynum: num,
            key,
            public: PublicKey::of(&pk),
        })
    }

    /// The matching public key.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Signs `data` as `minisign -S` would (pre-hashed with BLAKE2b-512, algorithm `ED`), with
    /// `trusted_comment` signed too. Deterministic: the same data and comment give the same
    /// signature file.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> String {
        use ed25519_dalek::Signer;
        let prehash = Blake2b512::digest(data);
        let sig = self.key.sign(&prehash).to_bytes();
        let mut line = Vec::with_capacity(74);
        line.extend_from_slice(b"ED");
        line.extend_from_slice(&self.keynum);
        line.extend_from_slice(&sig);
        let mut global = sig.to_vec();
        global.extend_from_slice(trusted_comment.as_bytes());
        let global = self.key.sign(&global).to_bytes();
        format!(
            "untrusted comment: signature from kojo secret key {}\n{}\ntrusted comment: {}\n{}\n",
            self.public.key_id,
            B64.encode(line),
            trusted_comment,
            B64.encode(global)
        )
    }
}

/// The key id a signature file names (to pick the public key), without verifying anything.
pub fn signature_key_id(signature: &str) -> Result<String, ExchangeError> {
    if signature.len() > MAX_KEY_FILE_BYTES {
        return Err(ExchangeError::new("exchange.bad_signature"));
    }
    let sig = minisign::SignatureBox::from_string(signature)
        .map_err(|_| ExchangeError::new("exchange.bad_signature"))?;
    Ok(key_id(sig.keynum()))
}

/// Verifies `signature` (a `.minisig` file) over `data` with `key`; returns the trusted comment.
pub fn verify(key: &PublicKey, signature: &str, data: &[u8]) -> Result<String, ExchangeError> {
    if signature.len() > MAX_KEY_FILE_BYTES {
        return Err(ExchangeError::new("exchange.bad_signature"));
    }
    let sig = minisign::SignatureBox::from_string(signature)
        .map_err(|_| ExchangeError::new("exchange.bad_signature"))?;
    if key_id(sig.keynum()) != key.key_id {
        return Err(ExchangeError::new("exchange.unknown_key").with("key", key_id(sig.keynum())));
    }
    minisign::verify(
        &key.minisign()?,
        &sig,
        std::io::Cursor::new(data),
        true,
        false,
        false,
    )
    .map_err(|_| ExchangeError::new("exchange.wrong_signature"))?;
    sig.trusted_comment()
        .map_err(|_| ExchangeError::new("exchange.bad_signature"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &str = "correct horse battery";

    #[test]
    fn a_signature_verifies_with_its_key_and_is_deterministic() {
        let g = generate(PASS, "ACME").unwrap();
        let k = SigningKey::open(&g.secret_file, PASS).unwrap();
        assert_eq!(k.public(), &g.public);
        let s1 = k.sign(b"hello", "kojo test");
        assert_eq!(s1, k.sign(b"hello", "kojo test"), "deterministic");
        assert_eq!(verify(&g.public, &s1, b"hello").unwrap(), "kojo test");
        assert!(matches!(
            verify(&g.public, &s1, b"hellO").unwrap_err().key,
            "exchange.wrong_signature"
        ));
        let tampered = s1.replace("kojo test", "kojo tesT");
        assert_eq!(
            verify(&g.public, &tampered, b"hello").unwrap_err().key,
            "exchange.wrong_signature"
        );
        let other = generate(PASS, "OTHER").unwrap();
        assert_eq!(
            verify(&other.public, &s1, b"hello").unwrap_err().key,
            "exchange.unknown_key"
        );
        assert_eq!(PublicKey::parse(&g.public.file_text()).unwrap(), g.public);
        assert_eq!(signature_key_id(&s1).unwrap(), g.public.key_id);
    }

    #[test]
    fn a_wrong_passphrase_and_a_short_one_are_refused() {
        let g = generate(PASS, "ACME").unwrap();
        assert_eq!(
            SigningKey::open(&g.secret_file, "wrong passphrase!")
                .unwrap_err()
                .key,
            "exchange.wrong_passphrase"
        );
        assert_eq!(
            SigningKey::open("not a key", PASS).unwrap_err().key,
            "exchange.bad_secret_key"
        );
        assert_eq!(
            generate("short", "ACME").unwrap_err().key,
            "exchange.short_passphrase"
        );
        assert_eq!(
            PublicKey::parse("garbage").unwrap_err().key,
            "exchange.bad_public_key"
        );
    }
}
