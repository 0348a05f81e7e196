//! The browser's pages of a list import (`spreadsheet::import`): the upload, the preview of
//! every row with its problems, the confirmation. They are the same for every kind of list;
//! a list says where its pages live and what its page shows when a file is refused.

use std::future::Future;

use actix_web::{guard, web};

use super::{read_form_file, redirect, EmptyForm, Form, Id, Ui};
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::spreadsheet::{self, import, import::ListImport};

pub trait ImportPage: ListImport + 'static {
    /// The list's page; its import lives below it, at `{LIST}/import`.
    const LIST: &'static str;
    /// The template of the preview.
    const PREVIEW: &'static str;
    /// What the list page says after the import, with `{count}`.
    const DONE: &'static str;

    /// The list page again, with the message of a refused file.
    fn refused(ui: &Ui, error: AppError) -> impl Future<Output = PageResult>;
}

/// Registers the import pages of the list `K`. Register them before the list's own
/// `{LIST}/{id}` pages, which would take `import` for an id.
pub fn import_pages<K: ImportPage>(cfg: &mut web::ServiceConfig) {
    // One resource per method, as the route attributes make them: another method falls
    // through to the routes after these.
    let (base, batch) = (format!("{}/import", K::LIST), format!("{}/import/{{id}}", K::LIST));
    cfg.service(web::resource(base).guard(guard::Post()).to(upload::<K>))
        .service(web::resource(batch.clone()).guard(guard::Get()).to(preview::<K>))
        .service(web::resource(batch).guard(guard::Post()).to(confirm::<K>));
}

/// Who may import is settled before a byte of the file is read; then the list is read,
/// checked for shape and kept, and the answer leads to its preview.
async fn upload<K: ImportPage>(ui: Ui, payload: actix_multipart::Multipart) -> PageResult {
    ui.actor.coordinator_org()?;
    let bytes = read_form_file(&ui.session, payload, spreadsheet::MAX_FILE_BYTES).await?;
    match ui.run(move |conn, actor| import::upload::<K>(conn, actor, &bytes)).await {
        Ok(batch) => Ok(redirect(&format!("{}/import/{batch}", K::LIST))),
        Err(e) => K::refused(&ui, e).await,
    }
}

async fn preview<K: ImportPage>(ui: Ui, batch: Id) -> PageResult {
    ui.show(K::PREVIEW, "title.import_preview", move |conn, actor| {
        import::preview_batch::<K>(conn, actor, *batch)
    })
    .await
}

/// Saves the kept list's valid rows; the list page says how many.
async fn confirm<K: ImportPage>(ui: Ui, batch: Id, _: Form<EmptyForm>) -> PageResult {
    let outcome = ui.run(move |conn, actor| import::import_batch::<K>(conn, actor, *batch)).await?;
    ui.done(K::LIST, &Text::key(K::DONE).arg("count", outcome.imported))
}
