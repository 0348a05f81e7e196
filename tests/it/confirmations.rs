//! Post/redirect/get on every form: a successful post answers a redirect (303) with nothing
//! in the address, the page it leads to confirms the change once (`data-test="flash"`, the
//! locale's sentence), and a reload of that page neither posts again nor repeats it.

use crate::both_backends;
use crate::common::{self, Backend, Browser, Page};

const FLASH: &str = "data-test=\"flash\"";

/// Follows the redirect of a successful post: the page says `done` once, its reload not.
async fn confirms_once(b: &Browser, posted: Page, done: &str) -> String {
    assert_eq!(posted.status, 303, "{}", posted.body);
    let location = posted.location.expect("a redirect");
    assert!(!location.contains('?'), "no message in the address: {location}");
    let page = b.get(&location).await;
    assert_eq!(page.status, 200, "{location}");
    assert_eq!(page.body.matches(FLASH).count(), 1, "{location}: {}", page.body);
    assert!(page.body.contains(done), "{location} says {done:?}");
    let reloaded = b.get(&location).await;
    assert_eq!(reloaded.status, 200);
    assert!(!reloaded.body.contains(FLASH), "{location}: said once only");
    location
}

async fn forms_confirm_once(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("bestaetigt");
    let b = app.browser();
    b.login(&org.coordinator.email).await;

    let posted = b
        .submit(
            "/courses",
            "/courses",
            &[("code", "ms-1"), ("title", "Mietführerschein"), ("description", "")],
        )
        .await;
    let course = confirms_once(&b, posted, &common::said("done.course_created", &[])).await;
    let course_id = common::id_from_location(&Some(course.clone()));
    let posted = b
        .submit(
            &course,
            &format!("/courses/{course_id}/modules"),
            &[("title", "Mietvertrag"), ("duration_minutes", "90"), ("mandatory", "on")],
        )
        .await;
    confirms_once(&b, posted, &common::said("done.module_added", &[])).await;

    let posted = b
        .submit(
            "/locations",
            "/locations",
            &[("name", "VHS Raum 1.12"), ("address", "Markt 1"), ("room", ""), ("capacity", "")],
        )
        .await;
    confirms_once(&b, posted, &common::said("done.location_created", &[])).await;

    let contact =
        [("stakeholder_group", "vhs"), ("name", "VHS Altenburg"), ("email", "info@vhs.example")];
    let posted = b.submit("/stakeholders", "/stakeholders", &contact).await;
    confirms_once(&b, posted, &common::said("done.contact_saved", &[])).await;
    let id = app.count("stakeholders");
    let posted = b.submit("/stakeholders", &format!("/stakeholders/{id}/delete"), &[]).await;
    confirms_once(&b, posted, &common::said("done.contact_deleted", &[])).await;
    assert_eq!(app.count("stakeholders"), 0);

    let posted = b
        .submit("/account", "/account/tokens", &[("label", "Laptop"), ("expires_in_days", "30")])
        .await;
    let account = confirms_once(&b, posted, &common::said("done.token_created", &[])).await;
    assert!(account.starts_with("/account"));
    // A refused token form comes back as typed.
    let refused = b
        .submit(
            "/account",
            "/account/tokens",
            &[("label", "Tablet Büro"), ("expires_in_days", "viele")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("value=\"Tablet Büro\"") && refused.body.contains("value=\"viele\"")
    );
}
both_backends!(forms_confirm_once_after_a_save, forms_confirm_once);
