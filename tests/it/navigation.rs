//! The navigation is named by task and marks the page's item (`aria-current="page"`), on
//! sub-pages too; each role sees its own items (coordinators no "Meine Termine"); the
//! settings hub gathers what is set up once.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};
use crate::it::referrers::create_referrer;

/// The navigation's links (href, marked as current) of a page.
fn nav(body: &str) -> Vec<(String, bool)> {
    let start = body.find("<ul class=\"nav\">").expect("a navigation");
    let end = body[start..].find("</ul>").expect("its end") + start;
    body[start..end]
        .split("<a href=\"")
        .skip(1)
        .map(|a| {
            let href = a.split('"').next().unwrap_or_default().to_string();
            let tag = a.split('>').next().unwrap_or_default();
            (href, tag.contains("aria-current=\"page\""))
        })
        .collect()
}

fn current(body: &str) -> Vec<String> {
    nav(body).into_iter().filter(|(_, c)| *c).map(|(h, _)| h).collect()
}

fn hrefs(body: &str) -> Vec<String> {
    nav(body).into_iter().map(|(h, _)| h).collect()
}

/// Pages other helpers add to the app in the same change: linked already, and allowed to
/// be missing (404) until they arrive.
const ARRIVING: &[&str] = &["/runs", "/certificates", "/team"];

async fn navigation(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("navi");
    app.create_admin("admin@navi.example.org");
    let referrer = create_referrer(&app, org.id, "vera@navi.example.org", "Vera");
    let api = app.api_token(&org.coordinator.email).await;
    let (s, course) = api.post("/api/v1/courses", json!({"code": "MS-N", "title": "Kurs"})).await;
    assert_eq!(s, 201, "{course}");
    let course_id = course["id"].as_i64().unwrap();

    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get("/courses").await;
    assert_eq!(current(&page.body), ["/courses"]);
    let links = hrefs(&page.body);
    for href in [
        "/runs",
        "/courses",
        "/calendar",
        "/participants",
        "/certificates",
        "/surveys",
        "/reports",
        "/settings",
    ] {
        assert!(links.iter().any(|l| l == href), "{href} in {links:?}");
    }
    assert!(!links.iter().any(|l| l == "/my/sessions"), "no trainer-only item for coordinators");
    assert_eq!(current(&b.get(&format!("/courses/{course_id}")).await.body), ["/courses"]);
    assert_eq!(
        current(&b.get("/stakeholders").await.body),
        ["/surveys"],
        "contacts sit under surveys"
    );
    assert_eq!(current(&b.get("/settings/privacy").await.body), ["/settings"]);
    assert_eq!(current(&b.get("/reports").await.body), ["/reports"]);
    assert!(current(&b.get("/account").await.body).is_empty());
    let style = b.get("/static/style.css").await.body;
    assert!(
        style.contains(".nav a[aria-current=\"page\"]"),
        "the marker is visible, not only announced"
    );
    for href in links {
        let status = b.get(&href).await.status;
        assert!(
            status == 200 || (status == 404 && ARRIVING.contains(&href.as_str())),
            "{href}: {status}"
        );
    }
    let settings = b.get("/settings").await;
    assert_eq!(settings.status, 200);
    assert_eq!(current(&settings.body), ["/settings"]);
    for href in [
        "/locations",
        "/team",
        "/certificate-settings",
        "/settings/privacy",
        "/audit",
        "/mail/failed",
    ] {
        assert!(
            settings.body.contains(&format!("<a href=\"{href}\"")),
            "{href} on the settings hub"
        );
    }

    let t = app.browser();
    t.login(&org.trainer.email).await;
    let page = t.get("/my/sessions").await;
    assert_eq!(hrefs(&page.body), ["/my/sessions"]);
    assert_eq!(current(&page.body), ["/my/sessions"]);
    assert_eq!(t.get("/settings").await.status, 403);

    let r = app.browser();
    r.login(&referrer.email).await;
    let page = r.get("/vermittlung/anmelden").await;
    assert_eq!(hrefs(&page.body), ["/vermittlung", "/vermittlung/anmelden"]);
    assert_eq!(current(&page.body), ["/vermittlung/anmelden"], "the longest match only");
    assert_eq!(current(&r.get("/vermittlung").await.body), ["/vermittlung"]);

    let a = app.browser();
    a.login("admin@navi.example.org").await;
    let page = a.get("/admin/organisations").await;
    assert_eq!(current(&page.body), ["/admin/organisations"]);
    assert!(hrefs(&page.body).contains(&"/audit".to_string()));
    assert_eq!(
        current(&a.get(&format!("/admin/organisations/{}", org.id)).await.body),
        ["/admin/organisations"]
    );
}

both_backends!(navigation_marks_the_current_item_by_role, navigation);
