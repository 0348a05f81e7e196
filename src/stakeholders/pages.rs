//! Pages of the logged-in UI of stakeholders: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::import::Contacts;
use super::models::NewStakeholder;
use super::service::{self, ContactEditPage};
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::StakeholderId;
use crate::web::{confirm, import_pages, Confirmation, EmptyForm, Form, Id, ImportPage, Ui};

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

/// The confirmation before deleting a contact: what goes with them, what stays. Changes
/// nothing.
#[get("/stakeholders/{id}/delete")]
async fn delete_page(ui: Ui, id: Id<StakeholderId>) -> PageResult {
    let id = *id;
    let d = ui.run(move |c, actor| service::deletion(c, actor, id)).await?;
    let s = &d.stakeholder;
    let mut page = Confirmation::new(
        Text::key("people.contact_delete.heading").arg("name", &s.name),
        format!("/stakeholders/{id}/delete"),
        Text::key("stakeholders.delete"),
        format!("/stakeholders/{id}"),
    )
    .destructive()
    .row(Text::key("label.name"), s.name.clone(), Some(format!("/stakeholders/{id}")))
    .row(Text::key("stakeholders.group"), s.stakeholder_group.name(), None);
    if let Some(org) = &s.organisation_name {
        page = page.row(Text::key("stakeholders.organisation"), org.clone(), None);
    }
    let contact: Vec<String> = [s.email.clone(), s.phone.clone()].into_iter().flatten().collect();
    if !contact.is_empty() {
        page = page.row(Text::key("stakeholders.contact"), contact.join(", "), None);
    }
    page = page.goes(Text::key("people.contact_delete.goes_contact"));
    if d.consent_events > 0 {
        page = page.goes(Text::key("people.contact_delete.goes_consent"));
    }
    if d.open_invitations > 0 {
        page = page.goes(
            Text::key("people.contact_delete.goes_invitations").arg("count", d.open_invitations),
        );
    }
    if d.mails > 0 {
        page = page.goes(Text::key("people.contact_delete.goes_mails").arg("count", d.mails));
    }
    if d.answered_invitations > 0 {
        page = page.stays(
            Text::key("people.contact_delete.stays_answers").arg("count", d.answered_invitations),
        );
    }
    page = page
        .stays(Text::key("people.contact_delete.stays_results"))
        .stays(Text::key("people.delete.stays_audit"))
        .warning(Text::key("people.contact_delete.warning"));
    let title = Text::key("title.people_contact_delete").arg("name", &s.name);
    ui.page(confirm::TEMPLATE, title, &page)
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
    cfg.service(list_page)
        .service(create)
        .service(edit_page)
        .service(update)
        .service(delete_page)
        .service(remove);
}
