//! The signed revocation list at `/.well-known/revoked`, for checks without our server.
//!
//! A verifier that holds the JWKS and a current copy of this list can check a certificate
//! fully offline: signature against the JWKS, then "is its code on the list?". The list is
//! a tagged COSE_Sign1 (Ed25519, kid of one byte, content type
//! [`CONTENT_TYPE`]) signed with the deployment's own key (a JWKS entry without
//! organisation). Payload, a CBOR map:
//!
//! ```text
//! { 1: issued_at (epoch seconds), 2: next_update (epoch seconds, at most 24 h later),
//!   3: "<public URL>", 4: [ h'<10-byte code>', ... ] revoked,
//!   5: [ h'<10-byte code>', ... ] replaced (name corrected, a newer certificate exists) }
//! ```
//!
//! Only codes are listed: they are random and say nothing about anyone.

use coset::cbor::value::Value;
use coset::{
    iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, RegisteredLabelWithPrivate,
    TaggedCborSerializable,
};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::token::CODE_BYTES;

/// The protected content type, so a list can never pass for a certificate token.
pub const CONTENT_TYPE: &str = "application/vnd.mietschulung.revoked+cbor";
/// A verifier must fetch a new list before then; a list never promises longer than this.
pub const MAX_VALIDITY_SECS: i64 = 24 * 3600;
/// Bigger lists are refused before parsing (about 500,000 codes).
pub const MAX_LIST_BYTES: usize = 8 * 1024 * 1024;

const KEY_ISSUED_AT: i64 = 1;
const KEY_NEXT_UPDATE: i64 = 2;
const KEY_ISSUER: i64 = 3;
const KEY_REVOKED: i64 = 4;
const KEY_REPLACED: i64 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationList {
    pub issued_at: i64,
    pub next_update: i64,
    pub issuer: String,
    pub revoked: Vec<[u8; CODE_BYTES]>,
    pub replaced: Vec<[u8; CODE_BYTES]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("the revocation list is too large")]
    TooLarge,
    #[error("the revocation list is not a COSE_Sign1 revocation list")]
    Malformed,
    #[error("the revocation list's key is not in the key set (or belongs to an organisation)")]
    UnknownKey,
    #[error("the revocation list's signature does not verify")]
    BadSignature,
    #[error("the revocation list has expired (its next update is past)")]
    Expired,
}

/// Whether a certificate's code is on the list, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    No,
    Revoked,
    Replaced,
}

impl RevocationList {
    pub fn lookup(&self, code: &[u8; CODE_BYTES]) -> Listed {
        if self.revoked.contains(code) {
            Listed::Revoked
        } else if self.replaced.contains(code) {
            Listed::Replaced
        } else {
            Listed::No
        }
    }
}

fn codes(list: &[[u8; CODE_BYTES]]) -> Value {
    Value::Array(list.iter().map(|c| Value::Bytes(c.to_vec())).collect())
}

pub fn sign(list: &RevocationList, kid: u8, key: &SigningKey) -> Result<Vec<u8>, ListError> {
    if list.next_update <= list.issued_at || list.next_update - list.issued_at > MAX_VALIDITY_SECS {
        return Err(ListError::Malformed);
    }
    let payload = Value::Map(vec![
        (Value::from(KEY_ISSUED_AT), Value::from(list.issued_at)),
        (Value::from(KEY_NEXT_UPDATE), Value::from(list.next_update)),
        (Value::from(KEY_ISSUER), Value::Text(list.issuer.clone())),
        (Value::from(KEY_REVOKED), codes(&list.revoked)),
        (Value::from(KEY_REPLACED), codes(&list.replaced)),
    ]);
    let mut bytes = Vec::new();
    coset::cbor::ser::into_writer(&payload, &mut bytes).map_err(|_| ListError::Malformed)?;
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::Ed25519)
        .key_id(vec![kid])
        .content_type(CONTENT_TYPE.to_string())
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(bytes)
        .create_signature(&[], |tbs| key.sign(tbs).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        .map_err(|_| ListError::Malformed)
}

/// Checks the signature (with a key the caller accepts for lists: the deployment's) and
/// that the list is still current at `now`.
pub fn verify(
    bytes: &[u8], key_for_kid: impl Fn(u8) -> Option<VerifyingKey>, now: i64,
) -> Result<RevocationList, ListError> {
    if bytes.len() > MAX_LIST_BYTES {
        return Err(ListError::TooLarge);
    }
    let sign1 = CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|_| ListError::Malformed)?;
    let header = &sign1.protected.header;
    if !sign1.unprotected.is_empty() || !header.crit.is_empty() {
        return Err(ListError::Malformed);
    }
    match &header.alg {
        Some(RegisteredLabelWithPrivate::Assigned(
            iana::Algorithm::Ed25519 | iana::Algorithm::EdDSA,
        )) => {}
        _ => return Err(ListError::Malformed),
    }
    let content_type_ok = matches!(
        &header.content_type,
        Some(coset::ContentType::Text(t)) if t == CONTENT_TYPE
    );
    if !content_type_ok {
        return Err(ListError::Malformed);
    }
    let [kid] = header.key_id.as_slice() else {
        return Err(ListError::UnknownKey);
    };
    let key = key_for_kid(*kid).ok_or(ListError::UnknownKey)?;
    sign1.verify_signature(&[], |sig, data| {
        let sig = Signature::from_slice(sig).map_err(|_| ListError::BadSignature)?;
        key.verify_strict(data, &sig).map_err(|_| ListError::BadSignature)
    })?;
    let payload = sign1.payload.as_deref().ok_or(ListError::Malformed)?;
    let list = parse(payload).ok_or(ListError::Malformed)?;
    if now >= list.next_update {
        return Err(ListError::Expired);
    }
    Ok(list)
}

fn parse(payload: &[u8]) -> Option<RevocationList> {
    let Value::Map(entries) = coset::cbor::de::from_reader::<Value, _>(payload).ok()? else {
        return None;
    };
    let get =
        |key: i64| entries.iter().find(|(k, _)| k.as_integer() == Some(key.into())).map(|(_, v)| v);
    let int = |v: &Value| i64::try_from(v.as_integer()?).ok();
    let code_list = |v: &Value| -> Option<Vec<[u8; CODE_BYTES]>> {
        v.as_array()?.iter().map(|c| c.as_bytes()?.as_slice().try_into().ok()).collect()
    };
    let list = RevocationList {
        issued_at: int(get(KEY_ISSUED_AT)?)?,
        next_update: int(get(KEY_NEXT_UPDATE)?)?,
        issuer: get(KEY_ISSUER)?.as_text()?.to_string(),
        revoked: code_list(get(KEY_REVOKED)?)?,
        replaced: code_list(get(KEY_REPLACED)?)?,
    };
    let validity = list.next_update - list.issued_at;
    (validity > 0 && validity <= MAX_VALIDITY_SECS).then_some(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn list() -> RevocationList {
        RevocationList {
            issued_at: 1_800_000_000,
            next_update: 1_800_000_000 + MAX_VALIDITY_SECS,
            issuer: "https://mietschulung.example".into(),
            revoked: vec![[1; CODE_BYTES]],
            replaced: vec![[2; CODE_BYTES], [3; CODE_BYTES]],
        }
    }

    #[test]
    fn round_trip_and_lookup() {
        let k = key(7);
        let bytes = sign(&list(), 9, &k).expect("signs");
        let vk = k.verifying_key();
        let got = verify(&bytes, |kid| (kid == 9).then_some(vk), 1_800_000_100).expect("verifies");
        assert_eq!(got, list());
        assert_eq!(got.lookup(&[1; CODE_BYTES]), Listed::Revoked);
        assert_eq!(got.lookup(&[3; CODE_BYTES]), Listed::Replaced);
        assert_eq!(got.lookup(&[4; CODE_BYTES]), Listed::No);
    }

    #[test]
    fn tampering_wrong_key_and_expiry_fail() {
        let k = key(7);
        let vk = k.verifying_key();
        let bytes = sign(&list(), 9, &k).expect("signs");
        let now = 1_800_000_100;
        let mut flipped = bytes.clone();
        let last = flipped.len() - 70;
        flipped[last] ^= 1;
        assert!(verify(&flipped, |_| Some(vk), now).is_err());
        let other = key(8).verifying_key();
        assert_eq!(verify(&bytes, |_| Some(other), now), Err(ListError::BadSignature));
        assert_eq!(verify(&bytes, |_| None, now), Err(ListError::UnknownKey));
        assert_eq!(verify(&bytes, |_| Some(vk), list().next_update), Err(ListError::Expired));
    }

    #[test]
    fn promises_over_a_day_are_refused() {
        let mut l = list();
        l.next_update = l.issued_at + MAX_VALIDITY_SECS + 1;
        assert_eq!(sign(&l, 1, &key(1)), Err(ListError::Malformed));
    }

    #[test]
    fn a_certificate_token_is_not_a_list() {
        let k = key(3);
        let claims = super::super::token::CertificateClaims {
            issued_at: 1,
            code: [5; CODE_BYTES],
            holder_name: "Amina Haddad".into(),
            course_code: "MS".into(),
            completion_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap_or_default(),
        };
        let token = super::super::token::sign(&claims, 1, &k).expect("token");
        let vk = k.verifying_key();
        assert_eq!(verify(&token, |_| Some(vk), 0), Err(ListError::Malformed));
    }
}
