//! Pages of the logged-in UI of stakeholders: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::import::Contacts;
use super::models::NewStakeholder;
use super::service::{self, ContactEditPage};
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::StakeholderId;
use crate::web::{import_pages, EmptyForm, Form, Id, ImportPage, Ui};

const LIST: &str = "pages/stakeholders/list";
const EDIT: &str = "pages/stakeholders/edit";

#[derive(Deserialize, Default)]
struct ListQuery {
    group: Option<String>,
}

#[get("/stakeholders")]
async fn list_page(ui: Ui, q: web::Query<ListQuery>) -> PageResult {
    let group = q.into_inner().group;
    ui.show(LIST, "title.contacts", move |conn, actor| service::contacts_page(conn, actor, group))
        .await
}

/// The list again with the message of a refused form or file, and what was typed.
async fn list_refused(ui: &Ui, echo: Option<NewStakeholder>, error: AppError) -> PageResult {
    let mut data = ui.run(|conn, actor| service::contacts_page(conn, actor, None)).await?;
    if let Some(echo) = echo {
        data.form = (&echo).into();
        data.groups = service::group_choices(&echo.stakeholder_group);
    }
    ui.page_with_error(LIST, "title.contacts", &data, error)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StakeholderFormInput {
    stakeholder_group: String,
    name: String,
    organisation_name: String,
    email: String,
    phone: String,
    preferred_language: String,
    contact_consent: Option<String>,
}

impl StakeholderFormInput {
    fn into_new(self) -> NewStakeholder {
        NewStakeholder {
            stakeholder_group: self.stakeholder_group,
            name: self.name,
            organisation_name: Some(self.organisation_name),
            email: Some(self.email),
            phone: Some(self.phone),
            preferred_language: self.preferred_language,
            contact_consent: self.contact_consent.is_some(),
        }
    }
}

#[post("/stakeholders")]
async fn create(ui: Ui, Form(form): Form<StakeholderFormInput>) -> PageResult {
    let input = form.into_new();
    let echo = input.clone();
    match ui.run(move |conn, actor| service::create(conn, actor, &input)).await {
        Ok(_) => ui.done("/stakeholders", &Text::key("done.contact_saved")),
        Err(e) => list_refused(&ui, Some(echo), e).await,
    }
}

#[get("/stakeholders/{id}")]
async fn edit_page(ui: Ui, id: Id<StakeholderId>) -> PageResult {
    ui.show(EDIT, "title.contact_edit", move |conn, actor| {
        service::contact_edit_page(conn, actor, *id)
    })
    .await
}

#[post("/stakeholders/{id}")]
async fn update(
    ui: Ui, id: Id<StakeholderId>, Form(form): Form<StakeholderFormInput>,
) -> PageResult {
    let (id, input) = (*id, form.into_new());
    let echo = ContactEditPage::new(id, &input);
    match ui.run(move |c, actor| service::update(c, actor, id, &input)).await {
        Ok(_) => ui.done("/stakeholders", &Text::key("done.contact_saved")),
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) => ui.page_with_error(EDIT, "title.contact_edit", &echo, e),
    }
}

#[post("/stakeholders/{id}/delete")]
async fn remove(ui: Ui, id: Id<StakeholderId>, _form: Form<EmptyForm>) -> PageResult {
    ui.run(move |conn, actor| service::delete(conn, actor, *id)).await?;
    ui.done("/stakeholders", &Text::key("done.contact_deleted"))
}

impl ImportPage for Contacts {
    const LIST: &'static str = "/stakeholders";
    const PREVIEW: &'static str = "pages/stakeholders/import";
    const DONE: &'static str = "done.imported_contacts";

    async fn refused(ui: &Ui, error: AppError) -> PageResult {
        list_refused(ui, None, error).await
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Before `/stakeholders/{id}`, which would take `import` for an id.
    import_pages::<Contacts>(cfg);
    cfg.service(list_page).service(create).service(edit_page).service(update).service(remove);
}
