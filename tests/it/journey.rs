//! The coordinator's journey (issue 14), driven through the HTML forms as a browser submits
//! them, from an empty organisation to issued certificates: one course with five modules, a
//! place, a run with three sessions, five people imported from an Excel CSV straight into
//! the run, the trainer's marks on the roster, and issuing after the check page. Every
//! page opened and every form sent counts as one page load (a form's redirect and the page
//! it leads to are part of the same load). The
//! count is printed for the record and must not grow back past what the journey took when
//! it was measured (40; before issue 14: 49); no step may be an error round trip.

use chrono::Duration;

use crate::both_backends;
use crate::common::{self, Backend, Browser, TestApp};

/// A browser that counts page loads and keeps the page in hand, as a person's does.
struct Counted {
    browser: Browser,
    page: common::Page,
    loads: usize,
    errors: usize,
}

impl Counted {
    async fn get(&mut self, path: &str) {
        self.page = self.browser.get(path).await;
        self.loads += 1;
        assert_eq!(self.page.status, 200, "GET {path}: {}", self.page.body);
    }

    /// Submits a form of the page in hand and follows the redirect, as a browser does.
    async fn post(&mut self, action: &str, fields: &[(&str, &str)]) -> String {
        let csrf = self.page.csrf();
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        let answer = self.browser.post_form(action, &all).await;
        self.loads += 1;
        if answer.status != 303 {
            self.errors += 1;
            panic!("POST {action} answered {}: {}", answer.status, answer.body);
        }
        let to = answer.location.expect("a redirect");
        // The redirect's page is part of the same load for the person (POST, 303, GET).
        self.page = self.browser.get(&to).await;
        to
    }
}

fn ids_after(body: &str, prefix: &str) -> Vec<String> {
    let mut ids: Vec<String> = body
        .match_indices(prefix)
        .map(|(at, _)| {
            body[at + prefix.len()..].chars().take_while(char::is_ascii_digit).collect::<String>()
        })
        .filter(|id| !id.is_empty())
        .collect();
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids
}

/// The hidden fields of the form posting to `action` (other than the CSRF token).
fn hidden_inputs(body: &str, action: &str) -> Vec<(String, String)> {
    let start = body.find(&format!("action=\"{action}\"")).expect("the form");
    let form = &body[start..start + body[start..].find("</form>").unwrap()];
    form.match_indices("type=\"hidden\" name=\"")
        .filter_map(|(at, _)| {
            let name = common::attribute_of(&form[at..], "name=", "name")?;
            let value = common::attribute_of(&form[at..], "name=", "value")?;
            (name != "csrf_token").then_some((name, value))
        })
        .collect()
}

const PEOPLE: &str = "Vorname;Familienname;Sprache;Einwilligung\r\nAmina;Haddad;ar;ja\r\n\
    Olena;Shevchenko;uk;ja\r\nSamir;Nasser;fa;ja\r\nTesfay;Gebru;ti;ja\r\nGül;Yılmaz;tr;ja\r\n";

async fn journey(backend: Backend) {
    let app: TestApp = common::spawn_app(backend).await;
    let org = app.create_org("weg");
    let mut c = Counted {
        browser: app.browser(),
        page: app.browser().get("/login").await,
        loads: 0,
        errors: 0,
    };
    c.get("/login").await;
    c.post("/login", &[("email", &org.coordinator.email), ("password", common::PASSWORD)]).await;

    // The course and its five modules.
    c.get("/courses").await;
    let course = c.post("/courses", &[("code", "MS-1"), ("title", "Mietschulung")]).await;
    let course = course.split(['?', '#']).next().unwrap().to_string();
    for title in [
        "Mietvertrag und Wohnungssuche",
        "Rechte und Pflichten",
        "Heizen und Lüften",
        "Energie und Wasser sparen",
        "Mülltrennung und Hausordnung",
    ] {
        c.post(
            &format!("{course}/modules"),
            &[("title", title), ("duration_minutes", "45"), ("mandatory", "on")],
        )
        .await;
    }

    // The run, then the place from the session form ("Neuen Ort anlegen"), then the sessions.
    let today = mietschulung::time::today_local();
    let day = |d: i64| (today + Duration::days(d)).to_string();
    let run = c
        .post(
            &format!("{course}/runs"),
            &[
                ("start_date", &day(-6)),
                ("end_date", &day(-1)),
                ("place", "VHS"),
                ("capacity", "12"),
            ],
        )
        .await;
    let run = run.split(['?', '#']).next().unwrap().to_string();
    let run_id = run.trim_start_matches("/runs/").to_string();
    let modules = ids_after(&c.page.body, "name=\"module_ids\" value=\"");
    assert_eq!(modules.len(), 5, "{}", c.page.body);
    let trainer = org.trainer.user_id.0.to_string();
    let (d1, d2, d3) = (day(-5), day(-3), day(-1));
    let first: Vec<(&str, &str)> = vec![("date", &d1), ("start", "09:00"), ("end", "11:00")];
    c.post_new_place(&run_id, &first).await;
    let place =
        common::attribute_of(&c.page.body, "selected>Volkshochschule", "value").unwrap_or_default();
    let plans: [(&str, &[usize]); 3] = [(&d1, &[0, 1]), (&d2, &[2, 3]), (&d3, &[4])];
    for (date, mods) in plans {
        let mut fields = vec![
            ("date", date),
            ("start", "09:00"),
            ("end", "11:00"),
            ("location_id", place.as_str()),
            ("trainer_ids", trainer.as_str()),
        ];
        fields.extend(mods.iter().map(|i| ("module_ids", modules[*i].as_str())));
        c.post(&format!("{run}/sessions"), &fields).await;
    }

    // Five people from a German Excel CSV, straight into the run.
    c.get("/participants").await;
    let preview = c.upload(PEOPLE.as_bytes()).await;
    c.post(&preview, &[("run_id", &run_id)]).await;
    assert_eq!(app.count("enrollments"), 5);
    let coordinator_loads = c.loads;

    // The trainer marks each session's roster on the phone.
    let mut t = Counted {
        browser: app.browser(),
        page: app.browser().get("/login").await,
        loads: 0,
        errors: 0,
    };
    t.get("/login").await;
    t.post("/login", &[("email", &org.trainer.email), ("password", common::PASSWORD)]).await;
    let sessions = ids_after(&c.browser.get(&run).await.body, "/sessions/");
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    for session in &sessions {
        let roster = format!("/sessions/{session}/roster");
        t.get(&roster).await;
        for person in ids_after(&t.page.body, "name=\"participant_id\" value=\"") {
            let revision = common::attribute_of(
                &t.page.body[t
                    .page
                    .body
                    .find(&format!("name=\"participant_id\" value=\"{person}\""))
                    .unwrap()..],
                "name=\"revision\"",
                "value",
            )
            .unwrap();
            t.post(
                &format!("/sessions/{session}/attendance"),
                &[("participant_id", &person), ("revision", &revision), ("status", "present")],
            )
            .await;
        }
    }

    // Issuing, after the check page.
    c.get(&format!("{run}/certificates")).await;
    let hidden = hidden_inputs(&c.page.body, &format!("{run}/certificates"));
    let fields: Vec<(&str, &str)> = hidden.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    c.post(&format!("{run}/certificates"), &fields).await;
    common::wait_until("the batch", std::time::Duration::from_secs(60), || {
        app.count("certificates") == 5
    })
    .await;

    let total = c.loads + t.loads;
    println!(
        "journey ({backend:?}): {total} page loads (coordinator {coordinator_loads} until the \
         people are enrolled, {} with issuing; trainer {}), {} error round trips",
        c.loads,
        t.loads,
        c.errors + t.errors
    );
    assert_eq!(c.errors + t.errors, 0);
    assert!(total <= 42, "the journey grew to {total} page loads");
}

impl Counted {
    /// "Neuen Ort anlegen" from the run page's session form: the place form, then back.
    async fn post_new_place(&mut self, run_id: &str, typed: &[(&str, &str)]) {
        let csrf = self.page.csrf();
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(typed);
        self.page = self.browser.post_form(&format!("/locations/new?for_run={run_id}"), &all).await;
        self.loads += 1;
        assert_eq!(self.page.status, 200, "{}", self.page.body);
        let draft = common::attribute_of(&self.page.body, "name=\"draft\"", "value").unwrap();
        self.post(
            "/locations",
            &[("name", "Volkshochschule, Raum 3"), ("for_run", run_id), ("draft", &draft)],
        )
        .await;
    }

    /// Uploads a list on the participants page: the preview's path.
    async fn upload(&mut self, bytes: &[u8]) -> String {
        let csrf = self.page.csrf();
        let sent =
            self.browser.upload_file("/participants/import", &csrf, "liste.csv", bytes).await;
        self.loads += 1;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let preview = sent.location.expect("the preview");
        self.page = self.browser.get(&preview).await;
        preview
    }
}

both_backends!(from_an_empty_organisation_to_certificates, journey);
