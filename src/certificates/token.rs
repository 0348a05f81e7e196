//! Signed certificate tokens: a CWT inside an untagged COSE_Sign1, signed with Ed25519.
//!
//! The token travels in a QR code, so every byte counts: the QR holds
//! `<PUBLIC_URL>/Z/<BASE32(token)>` in upper case (QR alphanumeric mode) and must stay
//! within version 12 at error correction level Q. The README ("The QR code") gives the budget.
//!
//! Wire format (CBOR):
//!
//! ```text
//! COSE_Sign1 = [ protected: bstr .cbor {1: -19, 4: h'<kid>'}, unprotected: {},
//!                payload: bstr .cbor { 6: iat, 7: h'<10-byte code>',
//!                                      -65537: {1: name, 2: course code, 3: "YYYY-MM-DD"} },
//!                signature: bstr(64) ]
//! ```
//!
//! The COSE tag 18 is left off to save a byte; `verify` accepts a tagged token too.

use chrono::NaiveDate;
use coset::cbor::value::Value;
use coset::cwt::{ClaimName, ClaimsSet, ClaimsSetBuilder, Timestamp};
use coset::{
    iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, RegisteredLabelWithPrivate,
    TaggedCborSerializable,
};
use data_encoding::BASE32_NOPAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::RngCore;
use sha2::{Digest, Sha256};
use unicode_normalization::{is_nfc, UnicodeNormalization};

/// COSE algorithm id emitted for new tokens: fully specified Ed25519 (RFC 9864).
pub const ALG_ED25519: i64 = -19;
/// Polymorphic EdDSA; accepted when verifying because older COSE tooling (pycose) only
/// knows this id.
pub const ALG_EDDSA: i64 = -8;
/// Upper bound for a token. The original budget was 160 bytes (QR version 12), which leaves
/// only about 31 Latin or 15 Cyrillic letters for the name; ordinary names of the target
/// group ("Abdullah Mohammed Al-Rashidi-Hashemi") did not fit. 192 bytes with a URL of at
/// most 352 characters fits QR version 13 at level Q, printed with the same module size.
pub const MAX_TOKEN_BYTES: usize = 192;
/// Upper bound for the whole verification URL put into the QR (alphanumeric capacity of
/// version 13 at level Q).
pub const MAX_URL_CHARS: usize = 352;
/// Upper bound for text handed to [`token_from_text`] (a pasted URL or token). Generous
/// compared with [`MAX_URL_CHARS`] so surrounding whitespace or a longer host still
/// passes, small enough that nothing expensive happens before the cap.
pub const MAX_INPUT_CHARS: usize = 512;
/// Length of the certificate code (CWT `cti`) in bytes.
pub const CODE_BYTES: usize = 10;
/// Private CWT claim that carries the certificate details.
pub const CLAIM_CERTIFICATE: i64 = -65537;

/// Base32 characters a valid token can have at most (192 bytes → 308 characters).
const MAX_TOKEN_BASE32_CHARS: usize = (MAX_TOKEN_BYTES * 8).div_ceil(5);
const COSE_SIGN1_TAG_BYTE: u8 = 0xD2;
const DATE_FORMAT: &str = "%Y-%m-%d";
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_CHARS: usize = 16;
/// A printed code: 16 characters and the check character.
const CHECKED_CODE_CHARS: usize = CODE_CHARS + 1;
/// Typed codes longer than this (in bytes, with any spaces and dashes) are refused unread.
pub const MAX_CODE_INPUT_BYTES: usize = 64;

const SUBCLAIM_NAME: i64 = 1;
const SUBCLAIM_COURSE: i64 = 2;
const SUBCLAIM_DATE: i64 = 3;

/// What a certificate token asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateClaims {
    /// Unix seconds (CWT claim 6, `iat`).
    pub issued_at: i64,
    /// Certificate code (CWT claim 7, `cti`), printed as `XXXX-XXXX-XXXX-XXXX-C` with its
    /// check character (see [`printed_code`]).
    pub code: [u8; CODE_BYTES],
    /// NFC, exactly as printed on the certificate.
    pub holder_name: String,
    pub course_code: String,
    pub completion_date: NaiveDate,
}

/// A token whose signature holds. Whether the certificate is still valid (revoked,
/// replaced) is for the database to say.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub kid: u8,
    pub alg: i64,
    pub claims: CertificateClaims,
}

/// Why a token was refused. Callers answering the public should map every variant to
/// the same "Ungültig" answer; the variants exist for logs and tests.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum TokenError {
    #[error("input too long")]
    TooLong,
    #[error("not a base32 token")]
    NotBase32,
    #[error("token too large")]
    TooLarge,
    #[error("malformed token")]
    Malformed,
    #[error("unsupported signature algorithm")]
    UnsupportedAlgorithm,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("signature does not verify")]
    BadSignature,
    #[error("certificate data exceeds the QR code budget")]
    OverBudget,
}

/// A fresh random certificate code.
pub fn new_code() -> [u8; CODE_BYTES] {
    let mut code = [0u8; CODE_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut code);
    code
}

/// Normalises a holder name the way it must be printed and signed: NFC, surrounding
/// whitespace trimmed, inner whitespace runs collapsed to one space. Callers apply this
/// once and use the result for both the PDF and [`sign`], so the two cannot drift apart.
pub fn normalize_name(raw: &str) -> String {
    let nfc: String = raw.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Signs `claims` into a token.
///
/// Fails with `Malformed` if the holder name is empty or not NFC (the token must carry
/// the name exactly as printed, and silently normalising here would hide a mismatch),
/// and with `OverBudget` if the token exceeds [`MAX_TOKEN_BYTES`].
pub fn sign(claims: &CertificateClaims, kid: u8, key: &SigningKey) -> Result<Vec<u8>, TokenError> {
    if claims.holder_name.trim().is_empty() || !is_nfc(&claims.holder_name) {
        return Err(TokenError::Malformed);
    }
    let date = format_date(claims.completion_date).ok_or(TokenError::Malformed)?;
    let certificate = Value::Map(vec![
        (Value::from(SUBCLAIM_NAME), Value::Text(claims.holder_name.clone())),
        (Value::from(SUBCLAIM_COURSE), Value::Text(claims.course_code.clone())),
        (Value::from(SUBCLAIM_DATE), Value::Text(date)),
    ]);
    let payload = ClaimsSetBuilder::new()
        .issued_at(Timestamp::WholeSeconds(claims.issued_at))
        .cwt_id(claims.code.to_vec())
        .private_claim(CLAIM_CERTIFICATE, certificate)
        .build()
        .to_vec()
        .map_err(|_| TokenError::Malformed)?;

    let protected =
        HeaderBuilder::new().algorithm(iana::Algorithm::Ed25519).key_id(vec![kid]).build();
    let token = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(&[], |tbs| key.sign(tbs).to_bytes().to_vec())
        .build()
        .to_vec()
        .map_err(|_| TokenError::Malformed)?;

    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::OverBudget);
    }
    Ok(token)
}

/// The URL printed as QR code: `<PUBLIC_URL>/Z/<BASE32>`, all upper case so the QR
/// encoder can stay in alphanumeric mode. The server must therefore match the public
/// URL's path and `/z/` case-insensitively.
pub fn verification_url(public_url: &str, token: &[u8]) -> Result<String, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::OverBudget);
    }
    let base = public_url.trim().trim_end_matches('/');
    let url = format!("{}/Z/{}", base, BASE32_NOPAD.encode(token)).to_ascii_uppercase();
    if url.chars().count() > MAX_URL_CHARS {
        return Err(TokenError::OverBudget);
    }
    Ok(url)
}

/// Extracts the token bytes from what a person pasted or a scanner read: a bare base32
/// token, or a whole URL whose path ends in `/z/<token>` (any case, optional trailing
/// slash, query or fragment ignored).
pub fn token_from_text(s: &str) -> Result<Vec<u8>, TokenError> {
    if s.len() > MAX_INPUT_CHARS {
        return Err(TokenError::TooLong);
    }
    let s = s.trim();
    let s = s.split(['?', '#']).next().unwrap_or(s);
    let s = s.trim_end_matches('/');
    let encoded = match rfind_ascii_case_insensitive(s, "/z/") {
        Some(pos) => &s[pos + 3..],
        None => s,
    };
    if encoded.len() > MAX_TOKEN_BASE32_CHARS {
        return Err(TokenError::TooLong);
    }
    if encoded.is_empty() {
        return Err(TokenError::NotBase32);
    }
    BASE32_NOPAD.decode(encoded.to_ascii_uppercase().as_bytes()).map_err(|_| TokenError::NotBase32)
}

/// Checks a token. The order is fixed so that cheap checks run first and no key lookup
/// or signature work happens for garbage: size cap → CBOR structure → algorithm
/// allow-list → key id → signature (`verify_strict`) → claims.
pub fn verify(
    token: &[u8], key_for_kid: impl Fn(u8) -> Option<VerifyingKey>,
) -> Result<VerifiedToken, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge);
    }
    let sign1 = if token.first() == Some(&COSE_SIGN1_TAG_BYTE) {
        CoseSign1::from_tagged_slice(token)
    } else {
        CoseSign1::from_slice(token)
    }
    .map_err(|_| TokenError::Malformed)?;
    // Everything that matters must sit under the signature; a token with unprotected
    // parameters or critical extensions is not one we issued.
    if !sign1.unprotected.is_empty() || !sign1.protected.header.crit.is_empty() {
        return Err(TokenError::Malformed);
    }
    let payload = sign1.payload.as_deref().ok_or(TokenError::Malformed)?;

    let alg = match &sign1.protected.header.alg {
        Some(RegisteredLabelWithPrivate::Assigned(iana::Algorithm::Ed25519)) => ALG_ED25519,
        Some(RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA)) => ALG_EDDSA,
        _ => return Err(TokenError::UnsupportedAlgorithm),
    };

    let kid = match sign1.protected.header.key_id.as_slice() {
        [kid] => *kid,
        _ => return Err(TokenError::UnknownKey),
    };
    let key = key_for_kid(kid).ok_or(TokenError::UnknownKey)?;

    sign1.verify_signature(&[], |sig, data| {
        let sig = Signature::from_slice(sig).map_err(|_| TokenError::BadSignature)?;
        key.verify_strict(data, &sig).map_err(|_| TokenError::BadSignature)
    })?;

    let claims = parse_claims(payload).ok_or(TokenError::Malformed)?;
    Ok(VerifiedToken { kid, alg, claims })
}

/// `XXXX-XXXX-XXXX-XXXX` in Crockford base32: no I, L, O, U, so it survives being
/// read aloud or typed from paper. This is the code without its check character, as it is
/// stored and as certificates issued before the check character carried it; people are
/// shown [`printed_code`].
pub fn format_code(code: &[u8; CODE_BYTES]) -> String {
    let mut out = String::with_capacity(CODE_CHARS + 3);
    for (i, digit) in code_digits(code).into_iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(CROCKFORD[usize::from(digit)]));
    }
    out
}

/// The 16 code characters without separators: the form the database keeps and looks up.
pub fn plain_code(code: &[u8; CODE_BYTES]) -> String {
    code_digits(code).into_iter().map(|d| char::from(CROCKFORD[usize::from(d)])).collect()
}

/// The code as printed and shown: four groups and the check character as a fifth group,
/// `0MRE-09HP-XPXF-H1GG-K`.
pub fn printed_code(code: &[u8; CODE_BYTES]) -> String {
    format!("{}-{}", format_code(code), check_character(code))
}

/// The check character of a code: Luhn mod N with N = 32 over the Crockford values of
/// its 16 characters, so it is one more character of the same alphabet.
pub fn check_character(code: &[u8; CODE_BYTES]) -> char {
    char::from(CROCKFORD[usize::from(luhn32_check(&code_digits(code)))])
}

/// Why typed text is not a code. None of these needs the database to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Fewer characters than a code has (`chars` were typed), or a printed code with one of
    /// its characters missing.
    TooShort {
        chars: usize,
    },
    TooLong,
    /// A character that no code contains (after the look-alikes I, L, O are read as 1, 0).
    NotInAlphabet(char),
    /// 17 characters whose last one does not fit the 16 before it: a typo.
    CheckFailed,
}

/// Reads a typed code, with or without its check character. Tolerates lower case, spaces
/// and dashes anywhere, and maps the Crockford look-alikes I/L → 1 and O → 0.
///
/// Sixteen characters are a code as issued before the check character existed, and are
/// taken as they are. Seventeen must pass the check. Sixteen typed in groups whose last
/// group has one character are a printed code with a character left out: too short.
pub fn read_code(input: &str) -> Result<[u8; CODE_BYTES], CodeError> {
    if input.len() > MAX_CODE_INPUT_BYTES {
        return Err(CodeError::TooLong);
    }
    let mut digits: Vec<u8> = Vec::with_capacity(CODE_CHARS + 1);
    let mut last_group = 0usize;
    for c in input.chars() {
        if c.is_whitespace() || matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2013}') {
            last_group = 0;
            continue;
        }
        let digit = crockford_value(c).ok_or(CodeError::NotInAlphabet(c))?;
        digits.push(digit);
        last_group += 1;
    }
    let grouped = digits.len() > last_group;
    match digits.len() {
        n if n < CODE_CHARS => Err(CodeError::TooShort { chars: n }),
        CODE_CHARS if grouped && last_group == 1 => Err(CodeError::TooShort { chars: CODE_CHARS }),
        CODE_CHARS => Ok(code_from_digits(&digits)),
        CHECKED_CODE_CHARS if luhn32_valid(&digits) => Ok(code_from_digits(&digits[..CODE_CHARS])),
        CHECKED_CODE_CHARS => Err(CodeError::CheckFailed),
        _ => Err(CodeError::TooLong),
    }
}

/// [`read_code`] for callers that need no reason.
pub fn parse_code(input: &str) -> Option<[u8; CODE_BYTES]> {
    read_code(input).ok()
}

/// Short, human-comparable fingerprint of a public key: the first 8 bytes of SHA-256
/// over the 32 raw key bytes, e.g. `3F2A:91B0:77C4:0D1E`.
pub fn key_fingerprint(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest[..8]
        .chunks(2)
        .map(|pair| pair.iter().map(|b| format!("{b:02X}")).collect::<String>())
        .collect::<Vec<_>>()
        .join(":")
}

fn format_date(date: NaiveDate) -> Option<String> {
    let s = date.format(DATE_FORMAT).to_string();
    // Years outside 0000..=9999 would not be "YYYY-MM-DD"; refuse rather than emit
    // something other verifiers may read differently.
    (s.len() == 10).then_some(s)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(s, DATE_FORMAT).ok()?;
    // chrono accepts unpadded fields; only the canonical spelling is valid.
    (format_date(date)? == s).then_some(date)
}

fn parse_claims(payload: &[u8]) -> Option<CertificateClaims> {
    let set = ClaimsSet::from_slice(payload).ok()?;
    let issued_at = match set.issued_at? {
        Timestamp::WholeSeconds(s) => s,
        Timestamp::FractionalSeconds(_) => return None,
    };
    let code: [u8; CODE_BYTES] = set.cwt_id?.as_slice().try_into().ok()?;
    let certificate = set
        .rest
        .into_iter()
        .find(|(name, _)| *name == ClaimName::PrivateUse(CLAIM_CERTIFICATE))
        .map(|(_, value)| value)?;
    let Value::Map(entries) = certificate else {
        return None;
    };

    let mut name = None;
    let mut course = None;
    let mut date = None;
    for (key, value) in entries {
        let key = key.as_integer().map(i128::from)?;
        let Value::Text(text) = value else {
            return None;
        };
        let slot = match key {
            k if k == i128::from(SUBCLAIM_NAME) => &mut name,
            k if k == i128::from(SUBCLAIM_COURSE) => &mut course,
            k if k == i128::from(SUBCLAIM_DATE) => &mut date,
            // Later token versions may add fields; they are signed, so ignoring them is safe.
            _ => continue,
        };
        if slot.replace(text).is_some() {
            return None;
        }
    }
    let holder_name = name?;
    if holder_name.is_empty() || !is_nfc(&holder_name) {
        return None;
    }
    Some(CertificateClaims {
        issued_at,
        code,
        holder_name,
        course_code: course?,
        completion_date: parse_date(&date?)?,
    })
}

fn code_to_u128(code: &[u8; CODE_BYTES]) -> u128 {
    code.iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
}

/// The 16 base-32 digits of a code, most significant first.
fn code_digits(code: &[u8; CODE_BYTES]) -> [u8; CODE_CHARS] {
    let value = code_to_u128(code);
    let mut digits = [0u8; CODE_CHARS];
    for (i, d) in digits.iter_mut().enumerate() {
        let shift = 5 * (CODE_CHARS - 1 - i);
        // The mask keeps the value below 32.
        *d = ((value >> shift) & 0x1F) as u8;
    }
    digits
}

/// The code of 16 base-32 digits (80 bits, exactly the code's 10 bytes).
fn code_from_digits(digits: &[u8]) -> [u8; CODE_BYTES] {
    let value = digits.iter().fold(0u128, |acc, &d| (acc << 5) | u128::from(d));
    let bytes = value.to_be_bytes();
    let mut code = [0u8; CODE_BYTES];
    code.copy_from_slice(&bytes[16 - CODE_BYTES..]);
    code
}

const LUHN_N: u32 = 32;

/// Luhn mod N's sum: from the right, every second value is doubled and its two base-N
/// "digits" added. `doubled_first` says whether the rightmost value is doubled (it is when
/// computing a check character, not when checking a code that ends in one).
fn luhn32_sum(values: &[u8], doubled_first: bool) -> u32 {
    let mut doubled = doubled_first;
    let mut sum = 0u32;
    for &v in values.iter().rev() {
        let mut addend = u32::from(v);
        if doubled {
            addend *= 2;
            addend = addend / LUHN_N + addend % LUHN_N;
        }
        sum += addend;
        doubled = !doubled;
    }
    sum
}

/// The check value to append to `values` (each below 32).
fn luhn32_check(values: &[u8]) -> u8 {
    let remainder = luhn32_sum(values, true) % LUHN_N;
    // Below 32 by the modulo, so it fits.
    ((LUHN_N - remainder) % LUHN_N) as u8
}

/// Whether `values` end in their correct check value.
fn luhn32_valid(values: &[u8]) -> bool {
    luhn32_sum(values, false).is_multiple_of(LUHN_N)
}

fn crockford_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        other => other,
    };
    let pos = CROCKFORD.iter().position(|&b| char::from(b) == c)?;
    u8::try_from(pos).ok()
}

fn rfind_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let hay = haystack.as_bytes();
    let needle = needle.as_bytes();
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn claims(name: &str) -> CertificateClaims {
        CertificateClaims {
            issued_at: 1_790_000_000,
            code: [0x8A, 0x13, 0xF0, 0x00, 0x42, 0x99, 0xFF, 0x01, 0x7E, 0x55],
            holder_name: name.to_string(),
            course_code: "MS-2026-07".to_string(),
            completion_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        }
    }

    fn keys(k: &SigningKey, kid: u8) -> impl Fn(u8) -> Option<VerifyingKey> {
        let vk = k.verifying_key();
        move |id| (id == kid).then_some(vk)
    }

    /// Builds a token like `sign` does but with a chosen algorithm id, to test the
    /// allow-list with tokens we would never issue.
    fn sign_with_alg(
        c: &CertificateClaims, kid: u8, k: &SigningKey, alg: iana::Algorithm,
    ) -> Vec<u8> {
        let good = sign(c, kid, k).unwrap();
        let sign1 = CoseSign1::from_slice(&good).unwrap();
        let protected = HeaderBuilder::new().algorithm(alg).key_id(vec![kid]).build();
        CoseSign1Builder::new()
            .protected(protected)
            .payload(sign1.payload.unwrap())
            .create_signature(&[], |tbs| k.sign(tbs).to_bytes().to_vec())
            .build()
            .to_vec()
            .unwrap()
    }

    #[test]
    fn round_trip() {
        let k = key(1);
        let c = claims("Jürgen Müller");
        let token = sign(&c, 3, &k).unwrap();
        assert!(token.len() <= MAX_TOKEN_BYTES);
        let v = verify(&token, keys(&k, 3)).unwrap();
        assert_eq!(v.kid, 3);
        assert_eq!(v.alg, ALG_ED25519);
        assert_eq!(v.claims, c);
    }

    #[test]
    fn header_is_exactly_alg_and_one_byte_kid() {
        let token = sign(&claims("A B"), 7, &key(1)).unwrap();
        let sign1 = CoseSign1::from_slice(&token).unwrap();
        // {1: -19, 4: h'07'}
        assert_eq!(
            sign1.protected.original_data.unwrap(),
            vec![0xA2, 0x01, 0x32, 0x04, 0x41, 0x07]
        );
        assert!(sign1.unprotected.is_empty());
    }

    #[test]
    fn tagged_token_is_accepted() {
        let k = key(1);
        let c = claims("Anna Schmidt");
        let token = sign(&c, 1, &k).unwrap();
        let tagged = CoseSign1::from_slice(&token).unwrap().to_tagged_vec().unwrap();
        assert_eq!(tagged[0], COSE_SIGN1_TAG_BYTE);
        assert_eq!(verify(&tagged, keys(&k, 1)).unwrap().claims, c);
    }

    #[test]
    fn every_tampered_byte_is_rejected() {
        let k = key(1);
        let token = sign(&claims("Jürgen Müller"), 3, &k).unwrap();
        for i in 0..token.len() {
            let mut bad = token.clone();
            bad[i] ^= 0x01;
            assert!(verify(&bad, keys(&k, 3)).is_err(), "byte {i} flipped still verifies");
        }
    }

    #[test]
    fn unknown_or_malformed_kid() {
        let k = key(1);
        let token = sign(&claims("Anna Schmidt"), 3, &k).unwrap();
        assert_eq!(verify(&token, keys(&k, 4)).unwrap_err(), TokenError::UnknownKey);
        assert_eq!(verify(&token, |_| None).unwrap_err(), TokenError::UnknownKey);

        let sign1 = CoseSign1::from_slice(&token).unwrap();
        let two_byte_kid = CoseSign1Builder::new()
            .protected(
                HeaderBuilder::new().algorithm(iana::Algorithm::Ed25519).key_id(vec![0, 3]).build(),
            )
            .payload(sign1.payload.unwrap())
            .create_signature(&[], |tbs| k.sign(tbs).to_bytes().to_vec())
            .build()
            .to_vec()
            .unwrap();
        assert_eq!(verify(&two_byte_kid, keys(&k, 3)).unwrap_err(), TokenError::UnknownKey);
    }

    #[test]
    fn wrong_key_is_bad_signature() {
        let token = sign(&claims("Anna Schmidt"), 3, &key(1)).unwrap();
        assert_eq!(verify(&token, keys(&key(2), 3)).unwrap_err(), TokenError::BadSignature);
    }

    #[test]
    fn algorithm_allow_list() {
        let k = key(1);
        let c = claims("Anna Schmidt");
        let es256 = sign_with_alg(&c, 3, &k, iana::Algorithm::ES256);
        assert_eq!(verify(&es256, keys(&k, 3)).unwrap_err(), TokenError::UnsupportedAlgorithm);

        let eddsa = sign_with_alg(&c, 3, &k, iana::Algorithm::EdDSA);
        let v = verify(&eddsa, keys(&k, 3)).unwrap();
        assert_eq!(v.alg, ALG_EDDSA);
        assert_eq!(v.claims, c);
    }

    #[test]
    fn missing_alg_is_unsupported() {
        let k = key(1);
        let good = CoseSign1::from_slice(&sign(&claims("A B"), 3, &k).unwrap()).unwrap();
        let no_alg = CoseSign1Builder::new()
            .protected(HeaderBuilder::new().key_id(vec![3]).build())
            .payload(good.payload.unwrap())
            .create_signature(&[], |tbs| k.sign(tbs).to_bytes().to_vec())
            .build()
            .to_vec()
            .unwrap();
        assert_eq!(verify(&no_alg, keys(&k, 3)).unwrap_err(), TokenError::UnsupportedAlgorithm);
    }

    #[test]
    fn unprotected_parameters_are_refused() {
        let k = key(1);
        let token = sign(&claims("A B"), 3, &k).unwrap();
        let mut sign1 = CoseSign1::from_slice(&token).unwrap();
        sign1.unprotected.key_id = vec![3];
        let bytes = sign1.to_vec().unwrap();
        assert_eq!(verify(&bytes, keys(&k, 3)).unwrap_err(), TokenError::Malformed);
    }

    #[test]
    fn size_and_structure_errors() {
        let k = key(1);
        let token = sign(&claims("Anna Schmidt"), 3, &k).unwrap();
        assert_eq!(
            verify(&[0x84; MAX_TOKEN_BYTES + 1], keys(&k, 3)).unwrap_err(),
            TokenError::TooLarge
        );
        assert_eq!(
            verify(&token[..token.len() - 1], keys(&k, 3)).unwrap_err(),
            TokenError::Malformed
        );
        assert_eq!(verify(&[], keys(&k, 3)).unwrap_err(), TokenError::Malformed);
        assert_eq!(verify(b"hello", keys(&k, 3)).unwrap_err(), TokenError::Malformed);
        let mut trailing = token.clone();
        trailing.push(0);
        assert_eq!(verify(&trailing, keys(&k, 3)).unwrap_err(), TokenError::Malformed);
    }

    #[test]
    fn signed_but_wrong_claims_are_malformed() {
        let k = key(1);
        let bad_payload = ClaimsSetBuilder::new()
            .issued_at(Timestamp::WholeSeconds(1))
            .cwt_id(vec![1, 2, 3])
            .build()
            .to_vec()
            .unwrap();
        let token = CoseSign1Builder::new()
            .protected(
                HeaderBuilder::new().algorithm(iana::Algorithm::Ed25519).key_id(vec![3]).build(),
            )
            .payload(bad_payload)
            .create_signature(&[], |tbs| k.sign(tbs).to_bytes().to_vec())
            .build()
            .to_vec()
            .unwrap();
        assert_eq!(verify(&token, keys(&k, 3)).unwrap_err(), TokenError::Malformed);
    }

    #[test]
    fn text_input_errors() {
        assert_eq!(
            token_from_text(&"A".repeat(MAX_INPUT_CHARS + 1)).unwrap_err(),
            TokenError::TooLong
        );
        assert_eq!(
            token_from_text(&"A".repeat(MAX_TOKEN_BASE32_CHARS + 8)).unwrap_err(),
            TokenError::TooLong
        );
        assert_eq!(token_from_text("not base32!").unwrap_err(), TokenError::NotBase32);
        assert_eq!(token_from_text("ABC1").unwrap_err(), TokenError::NotBase32);
        assert_eq!(token_from_text("").unwrap_err(), TokenError::NotBase32);
        assert_eq!(token_from_text("https://x.de/z/").unwrap_err(), TokenError::NotBase32);
        // Padding is not part of the format.
        assert_eq!(token_from_text("MFRGG===").unwrap_err(), TokenError::NotBase32);
        assert_eq!(token_from_text("MFRGG").unwrap(), b"abc".to_vec());
    }

    #[test]
    fn truncated_text_token_does_not_verify() {
        let k = key(1);
        let url = verification_url("https://x.de", &sign(&claims("Anna Schmidt"), 3, &k).unwrap())
            .unwrap();
        for cut in [1, 2, 8, 50] {
            let short = &url[..url.len() - cut];
            let result = token_from_text(short).and_then(|t| verify(&t, keys(&k, 3)));
            assert!(result.is_err(), "cut {cut} still verifies");
        }
    }

    #[test]
    fn url_is_uppercase_and_parses_in_any_case() {
        let k = key(1);
        let c = claims("Олена Шевченко");
        let token = sign(&c, 3, &k).unwrap();
        let url = verification_url("https://mieten.example.org/", &token).unwrap();
        assert!(url.starts_with("HTTPS://MIETEN.EXAMPLE.ORG/Z/"), "{url}");
        assert_eq!(url, url.to_ascii_uppercase());
        assert!(url.len() <= MAX_URL_CHARS);

        for text in [
            url.clone(),
            url.to_ascii_lowercase(),
            format!("  {url}/ \n"),
            format!("{url}?utm=x"),
            url.replace("/Z/", "/z/"),
            url.rsplit('/').next().unwrap().to_string(),
            url.rsplit('/').next().unwrap().to_ascii_lowercase(),
        ] {
            assert_eq!(token_from_text(&text).unwrap(), token, "{text}");
        }
        assert_eq!(verify(&token_from_text(&url).unwrap(), keys(&k, 3)).unwrap().claims, c);
    }

    #[test]
    fn url_over_budget() {
        let token = sign(&claims("Anna Schmidt"), 3, &key(1)).unwrap();
        let long_host = format!("https://{}.example.org", "a".repeat(200));
        assert_eq!(verification_url(&long_host, &token).unwrap_err(), TokenError::OverBudget);
        assert_eq!(
            verification_url("https://x.de", &[0u8; MAX_TOKEN_BYTES + 1]).unwrap_err(),
            TokenError::OverBudget
        );
    }

    #[test]
    fn name_budget() {
        let k = key(1);
        // Typical German and Ukrainian names fit.
        for name in ["Zoë Müller-Lüdenscheidt", "Олена Шевченко", "Mohammad Al-Hashimi"]
        {
            let token = sign(&claims(name), 1, &k).unwrap();
            assert!(token.len() <= MAX_TOKEN_BYTES, "{name}: {}", token.len());
        }
        // The budget leaves room for about 30 bytes of name next to a 10-character
        // course code; a 60-character name cannot fit (see longest_name_that_fits).
        let long =
            "Maximilian-Jürgen Großmann-Überländer von Lüdenscheidt-Öhringen-Straßburg-Württemberg";
        assert!(long.chars().count() > 60);
        assert_eq!(sign(&claims(long), 1, &k).unwrap_err(), TokenError::OverBudget);
        assert_eq!(sign(&claims(&"Ä".repeat(101)), 1, &k).unwrap_err(), TokenError::OverBudget);
    }

    #[test]
    fn longest_name_that_fits() {
        let k = key(1);
        let fits = |n: usize, ch: &str| sign(&claims(&ch.repeat(n)), 1, &k).is_ok();
        let ascii = (1..200).take_while(|&n| fits(n, "a")).last().unwrap();
        let two_byte = (1..200).take_while(|&n| fits(n, "ü")).last().unwrap();
        println!("longest name within {MAX_TOKEN_BYTES} bytes (course code 10 chars): {ascii} ASCII / {two_byte} two-byte characters");
        assert!(ascii >= 28);
        assert!(two_byte >= 14);
    }

    #[test]
    fn non_nfc_or_empty_name_is_refused() {
        let k = key(1);
        let decomposed = "Mu\u{0308}ller";
        assert_eq!(sign(&claims(decomposed), 1, &k).unwrap_err(), TokenError::Malformed);
        assert_eq!(sign(&claims("  "), 1, &k).unwrap_err(), TokenError::Malformed);
        assert!(sign(&claims(&normalize_name(decomposed)), 1, &k).is_ok());
        assert_eq!(normalize_name("  Anna \t  Maria\nSchmidt "), "Anna Maria Schmidt");
    }

    #[test]
    fn code_format_and_parse() {
        for code in [[0u8; 10], [0xFF; 10], claims("x").code, new_code(), new_code()] {
            let s = format_code(&code);
            assert_eq!(s.len(), 19);
            assert_eq!(s.matches('-').count(), 3);
            assert!(s.split('-').all(|g| g.len() == 4));
            assert_eq!(parse_code(&s), Some(code));
            assert_eq!(parse_code(&s.to_lowercase()), Some(code));
            assert_eq!(parse_code(&s.replace('-', " ")), Some(code));
            assert_eq!(parse_code(&s.replace('-', "")), Some(code));
            assert_eq!(parse_code(&format!(" {} ", s.replace('-', " - "))), Some(code));
        }
        assert_eq!(format_code(&[0u8; 10]), "0000-0000-0000-0000");
        assert_eq!(format_code(&[0xFF; 10]), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let one = parse_code("0000-0000-0000-0001").unwrap();
        assert_eq!(parse_code("OOOO-oooo-0000-000I"), Some(one));
        assert_eq!(parse_code("0000-0000-0000-000l"), Some(one));
        assert_eq!(parse_code("0000-0000-0000-000L"), Some(one));
    }

    #[test]
    fn code_parse_rejects() {
        assert_eq!(parse_code(""), None);
        assert_eq!(parse_code("0000-0000-0000-000"), None);
        assert_eq!(parse_code("0000-0000-0000-0000-00"), None);
        assert_eq!(parse_code("0000-0000-0000-000U"), None);
        assert_eq!(parse_code("0000-0000-0000-000Ä"), None);
        assert_eq!(parse_code("0000_0000_0000_0000"), None);
        assert_eq!(parse_code(&"0".repeat(1000)), None);
    }

    #[test]
    fn printed_code_carries_its_check_character() {
        // Known answer from an independent Luhn mod N implementation (the design's example
        // `…-H1GG-K` shows the shape only).
        let code = parse_code("0MRE-09HP-XPXF-H1GG").unwrap();
        let printed = printed_code(&code);
        assert_eq!(printed, "0MRE-09HP-XPXF-H1GG-A");
        assert_eq!(read_code(&printed), Ok(code));
        assert_eq!(read_code(&printed.replace('-', "").to_lowercase()), Ok(code));
        for code in [[0u8; 10], [0xFF; 10], new_code(), new_code()] {
            let printed = printed_code(&code);
            assert_eq!(read_code(&printed), Ok(code), "{printed}");
            assert_eq!(read_code(&format_code(&code)), Ok(code), "without the check group");
            assert_eq!(plain_code(&code), format_code(&code).replace('-', ""));
        }
        assert_eq!(printed_code(&[0u8; 10]), "0000-0000-0000-0000-0");
    }

    #[test]
    fn typed_code_errors_say_what_is_wrong() {
        let code = [0x8A, 0x13, 0xF0, 0x00, 0x42, 0x99, 0xFF, 0x01, 0x7E, 0x55];
        let printed = printed_code(&code);
        let check = printed.chars().last().unwrap();
        let wrong = CROCKFORD.iter().map(|&b| char::from(b)).find(|&c| c != check).unwrap();
        let typo = format!("{}{wrong}", &printed[..printed.len() - 1]);
        assert_eq!(read_code(&typo), Err(CodeError::CheckFailed));
        assert_eq!(read_code("0MRE-09HP"), Err(CodeError::TooShort { chars: 8 }));
        assert_eq!(read_code(""), Err(CodeError::TooShort { chars: 0 }));
        // A printed code with one character left out is not read as an old code.
        let dropped = format!("{}{}", &printed[..3], &printed[4..]);
        assert_eq!(read_code(&dropped), Err(CodeError::TooShort { chars: 16 }));
        assert_eq!(read_code(&format!("{printed}X")), Err(CodeError::TooLong));
        assert_eq!(read_code(&"x".repeat(100)), Err(CodeError::TooLong));
        assert_eq!(read_code("0000-0000-0000-000U"), Err(CodeError::NotInAlphabet('U')));
    }

    #[test]
    fn fingerprint_shape() {
        let vk = key(1).verifying_key();
        let fp = key_fingerprint(&vk);
        assert_eq!(fp.len(), 19);
        let groups: Vec<&str> = fp.split(':').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups
            .iter()
            .all(|g| g.len() == 4
                && g.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))));
        let digest = Sha256::digest(vk.as_bytes());
        assert!(fp.starts_with(&format!("{:02X}{:02X}:", digest[0], digest[1])));
        assert_ne!(fp, key_fingerprint(&key(2).verifying_key()));
    }

    #[test]
    fn new_codes_differ() {
        assert_ne!(new_code(), new_code());
    }

    /// Timing only; run with `cargo test --release -- --ignored --nocapture token_timing`.
    #[test]
    #[ignore]
    fn token_timing() {
        let k = key(1);
        let c = claims("Jürgen Müller");
        let n = 2000u32;
        let start = Instant::now();
        let mut token = Vec::new();
        for _ in 0..n {
            token = sign(&c, 1, &k).unwrap();
        }
        let sign_us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
        let lookup = keys(&k, 1);
        let start = Instant::now();
        for _ in 0..n {
            verify(&token, &lookup).unwrap();
        }
        let verify_us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
        println!(
            "token {} bytes; sign {sign_us:.1} µs, decode+verify {verify_us:.1} µs",
            token.len()
        );
    }
}
