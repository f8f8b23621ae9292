//! Datasource passwords at rest: AES-256-GCM with a random nonce per value, and the
//! datasource id as associated data so a ciphertext cannot be moved to another row.
use std::path::Path;

use aes_gcm::{
    aead::{Aead, KeyInit, OsRng, Payload},
    AeadCore, Aes256Gcm, Key, Nonce,
};
use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use secrecy::{ExposeSecret, SecretString};

use super::error::StartupResult;

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    pub fn from_key_bytes(key: &[u8; 32]) -> Self {
        SecretBox { cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)) }
    }

    /// The key from `DATABASEAI_SECRET_KEY`, else from `<data_dir>/secret.key`, created
    /// with mode 0600 on first start.
    pub fn load(configured: Option<&SecretString>, data_dir: &Path) -> StartupResult<Self> {
        let encoded = match configured {
            Some(k) => k.expose_secret().trim().to_string(),
            None => read_or_create_key_file(&data_dir.join("secret.key"))?,
        };
        let bytes = B64
            .decode(encoded.as_bytes())
            .map_err(|_| "the secret key must be base64 of 32 bytes")?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| "the secret key must be 32 bytes")?;
        Ok(Self::from_key_bytes(&key))
    }

    pub fn encrypt(&self, plaintext: &str, context: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() })
            .expect("AES-GCM encryption of a short value cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        B64.encode(out)
    }

    pub fn decrypt(&self, stored: &str, context: &str) -> Result<SecretString, &'static str> {
        let raw = B64.decode(stored).map_err(|_| "stored secret is not base64")?;
        if raw.len() < 12 {
            return Err("stored secret is too short");
        }
        let (nonce, ct) = raw.split_at(12);
        let pt = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: context.as_bytes() })
            .map_err(|_| "stored secret cannot be decrypted with this key")?;
        let s = String::from_utf8(pt).map_err(|_| "stored secret is not UTF-8")?;
        Ok(SecretString::from(s))
    }
}

fn read_or_create_key_file(path: &Path) -> StartupResult<String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok(existing);
    }
    use rand::RngCore;
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let encoded = B64.encode(key);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_private_file(path, encoded.as_bytes())?;
    tracing::info!(path = %path.display(), "generated a new secret key file");
    Ok(encoded)
}

#[cfg(unix)]
fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_binding() {
        let b = SecretBox::from_key_bytes(&[7u8; 32]);
        let ct = b.encrypt("hunter2", "ds-1");
        assert!(!ct.contains("hunter2"));
        assert_eq!(b.decrypt(&ct, "ds-1").unwrap().expose_secret(), "hunter2");
        assert!(b.decrypt(&ct, "ds-2").is_err(), "ciphertext must not move between rows");
        let other = SecretBox::from_key_bytes(&[8u8; 32]);
        assert!(other.decrypt(&ct, "ds-1").is_err());
        assert_ne!(ct, b.encrypt("hunter2", "ds-1"), "nonces must differ");
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = SecretBox::load(None, dir.path()).unwrap();
        let ct = a.encrypt("x", "c");
        let b = SecretBox::load(None, dir.path()).unwrap();
        assert_eq!(b.decrypt(&ct, "c").unwrap().expose_secret(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(SecretBox::load(Some(&SecretString::from("short")), dir.path()).is_err());
    }
}
