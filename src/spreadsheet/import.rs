//! The import of a list people already keep, the same for every kind of list (participants,
//! survey contacts): read and map the columns, check every row with the rules of the form
//! and against who is already there or earlier in the file, show the preview, keep the
//! rows until the coordinator confirms, then save all valid rows in one transaction or
//! none. What differs by kind is an [`ListImport`].

use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

use super::{KeyedRow, ListShape};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::i18n::Text;
use crate::ids::OrgId;

/// Who a row or a saved record is, as far as finding the same person twice needs.
pub struct Identity {
    pub name: String,
    pub group: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Identity {
    /// The same phone number, whatever spaces, slashes or dashes it is written with.
    pub fn same_phone(&self, other: &Identity) -> bool {
        let digits = |p: &str| p.chars().filter(char::is_ascii_digit).collect::<String>();
        match (self.phone.as_deref(), other.phone.as_deref()) {
            (Some(a), Some(b)) => digits(a) == digits(b),
            _ => false,
        }
    }

    /// The same email address, both having one.
    pub fn same_email(&self, other: &Identity) -> bool {
        self.email.is_some() && self.email == other.email
    }
}

/// One kind of list.
pub trait ListImport {
    /// One row of the file, as text; kept between preview and confirmation.
    type Row: Serialize + DeserializeOwned;
    /// A row checked and ready to save.
    type Ready;
    /// Marks this kind's rows in `import_batches`.
    const BATCH_KIND: super::ImportKind;
    const SHAPE: ListShape;
    /// The problem of a row whose person is already there (`{name}`).
    const KNOWN: &'static str;

    fn row(cells: KeyedRow) -> Self::Row;
    fn line(row: &Self::Row) -> usize;
    /// What the preview calls the row: a name and, where the kind has them, a group.
    fn label(row: &Self::Row) -> (String, Option<String>);
    /// The row checked with the rules of the form.
    fn check(actor: &Actor, org: OrgId, row: &Self::Row) -> AppResult<Self::Ready>;
    fn identity(ready: &Self::Ready) -> Identity;
    /// Everyone already there.
    fn known(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Identity>>;
    fn same(a: &Identity, b: &Identity) -> bool;
    /// Saves the checked rows (inside the import's transaction).
    fn save(conn: &mut DbConn, actor: &Actor, ready: &[Self::Ready]) -> AppResult<()>;
}

/// A row of the preview with its problems.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewRow {
    pub line: usize,
    pub name: String,
    /// The row's group, for lists that have groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub problems: Vec<String>,
    pub ok: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOutcome {
    pub rows: Vec<PreviewRow>,
    /// Rows that can be (or were) imported.
    pub valid: usize,
    /// How many were saved (0 for a preview).
    pub imported: usize,
}

/// The preview page of a kept upload.
#[derive(Debug, Serialize)]
pub struct ImportPreview {
    pub batch: i32,
    pub outcome: ImportOutcome,
}

/// Maps the heading row to columns and returns the data rows.
pub fn parse_rows<K: ListImport>(table: Vec<Vec<String>>) -> AppResult<Vec<K::Row>> {
    Ok(super::keyed_rows(table, &K::SHAPE)?.into_iter().map(K::row).collect())
}

/// Checks every row; returns the preview and the rows ready to save. For a kind of list
/// that saves more than its rows (participants imported into a run), in its own
/// transaction.
pub fn checked<K: ListImport>(
    conn: &mut DbConn, actor: &Actor, rows: &[K::Row],
) -> AppResult<(Vec<PreviewRow>, Vec<K::Ready>)> {
    let org = actor.coordinator_org()?;
    let known = K::known(conn, org)?;
    let mut preview = Vec::new();
    let mut ready: Vec<K::Ready> = Vec::new();
    for row in rows {
        let problem = match K::check(actor, org, row) {
            Ok(form) => {
                let who = K::identity(&form);
                if let Some(k) = known.iter().find(|k| K::same(&who, k)) {
                    Some(Text::key(K::KNOWN).arg("name", &k.name))
                } else if let Some(twin) = ready.iter().find(|r| K::same(&who, &K::identity(r))) {
                    Some(Text::key("import.twin").arg("name", K::identity(twin).name))
                } else {
                    ready.push(form);
                    None
                }
            }
            Err(e) => Some(Text::Plain(e.to_string())),
        };
        let (name, group) = K::label(row);
        preview.push(PreviewRow {
            line: K::line(row),
            name,
            group,
            ok: problem.is_none(),
            problems: problem.into_iter().map(|p| p.to_string()).collect(),
        });
    }
    Ok((preview, ready))
}

pub fn preview<K: ListImport>(
    conn: &mut DbConn, actor: &Actor, rows: &[K::Row],
) -> AppResult<ImportOutcome> {
    let (rows, ready) = checked::<K>(conn, actor, rows)?;
    Ok(ImportOutcome { rows, valid: ready.len(), imported: 0 })
}

/// Saves every valid row, all in one transaction.
pub fn import<K: ListImport>(
    conn: &mut DbConn, actor: &Actor, rows: &[K::Row],
) -> AppResult<ImportOutcome> {
    crate::db::write_transaction(conn, |conn| {
        let (preview, ready) = checked::<K>(conn, actor, rows)?;
        K::save(conn, actor, &ready)?;
        Ok(ImportOutcome { rows: preview, valid: ready.len(), imported: ready.len() })
    })
}

/// A list uploaded in the browser: read, checked for shape and kept until the coordinator
/// confirms the preview. Returns the batch id.
pub fn upload<K: ListImport>(conn: &mut DbConn, actor: &Actor, file: &[u8]) -> AppResult<i32> {
    let rows = rows_of::<K>(file)?;
    super::store_batch(conn, actor, K::BATCH_KIND, &rows)
}

/// A list sent to the API: only checked (`dry_run`), or imported at once.
pub fn import_file<K: ListImport>(
    conn: &mut DbConn, actor: &Actor, file: &[u8], dry_run: bool,
) -> AppResult<ImportOutcome> {
    let rows = rows_of::<K>(file)?;
    if dry_run {
        preview::<K>(conn, actor, &rows)
    } else {
        import::<K>(conn, actor, &rows)
    }
}

pub fn preview_batch<K: ListImport>(
    conn: &mut DbConn, actor: &Actor, batch_id: i32,
) -> AppResult<ImportPreview> {
    let rows: Vec<K::Row> = super::load_batch(conn, actor, K::BATCH_KIND, batch_id)?;
    Ok(ImportPreview { batch: batch_id, outcome: preview::<K>(conn, actor, &rows)? })
}

/// Imports a kept upload and forgets it.
pub fn import_batch<K: ListImport>(
    conn: &mut DbConn, actor: &Actor, batch_id: i32,
) -> AppResult<ImportOutcome> {
    import_batch_with::<K, _>(conn, actor, batch_id, |conn, rows| import::<K>(conn, actor, rows))
}

/// Imports a kept upload with `save` (which checks and saves the rows) and forgets it, in
/// one transaction.
pub fn import_batch_with<K: ListImport, T>(
    conn: &mut DbConn, actor: &Actor, batch_id: i32,
    save: impl FnOnce(&mut DbConn, &[K::Row]) -> AppResult<T>,
) -> AppResult<T> {
    let rows: Vec<K::Row> = super::load_batch(conn, actor, K::BATCH_KIND, batch_id)?;
    crate::db::write_transaction(conn, |conn| {
        let outcome = save(conn, &rows)?;
        super::repo::delete_import_batch(conn, batch_id)?;
        Ok(outcome)
    })
}

/// The rows of a list file, read and mapped to columns (not yet checked).
pub fn rows_of<K: ListImport>(file: &[u8]) -> AppResult<Vec<K::Row>> {
    parse_rows::<K>(super::read_table(file, &K::SHAPE)?)
}
