//! Backup and restore of what a deployment cannot make again: the SQLite database, the
//! signing keys (`keys/`) and the session key (`session.key`). Organisation images (logo,
//! signature) are rows of the database (`organisation_images`) and travel with it; on
//! PostgreSQL they are in `pg_dump`'s file.
//!
//! Rules:
//! - One archive: a tar whose first member is `manifest.json` (format and its version, app
//!   version, time, backend, and the size and SHA-256 of every other member), and nothing
//!   but the members [`archive::member_kind`] names: regular files, no directories, links
//!   or absolute paths.
//! - The SQLite database is copied with `VACUUM INTO` while the service serves and writes
//!   (one read transaction: the database as of one commit). The keys are copied after it:
//!   a key's file is written before its row, so every key the copied database names has
//!   its file in the archive. On PostgreSQL the archive holds no database; the manifest
//!   and the command say to use `pg_dump`, with the configured URL minus its password.
//! - The archive is written owner-only to a temporary file, read back with restore's
//!   checks, and only then linked into place; an existing file is never overwritten, a
//!   failed backup leaves no file.
//! - Restore treats the archive as hostile: it reads it once to the end writing nothing
//!   (manifest first, known names, sizes within limits and as listed, every checksum,
//!   nothing missing, nothing twice); then it writes beside each target, checking again,
//!   and renames into place under a journal (`restore.journal`), so an interrupted restore
//!   is completed by the next `restore` or `serve`: the old data or the new, never a mix.
//! - Existing data (database, keys, session key) is replaced only with `--force`, and what
//!   is replaced is kept beside it (`*.before-restore-<time>`), not deleted.
//! - Messages name paths and members, never a key, token or personal datum.

pub mod archive;
pub mod service;
