//! Every page of every role, checked as people meet it: one organisation is seeded with
//! everything a page can show, then headless Chromium visits each page as its role
//! (coordinator, trainer, referrer, admin, participant, respondent, landlord) at 360×800
//! and at 1280×900 and fails on
//! - any serious or critical violation that axe-core finds (pinned in
//!   `tests/a11y/package.json`, installed by `.ci/run` with `npm ci`),
//! - anything sticking out to the right of a 360 px screen,
//! - a tap target smaller than 44×44 px on the pages people use on a phone (trainer,
//!   participant, respondent, landlord, referrer),
//! - a skip link that, focused, is off screen, smaller than 44 px or leads nowhere.
//!
//! The pages come from the route table (`tests/common/routes.rs`): a GET route of a
//! `pages.rs`/`public.rs` that is neither crawled nor in [`NOT_PAGES`] fails the test, so
//! a new page cannot escape it. With `SCREENSHOT_DIR` set, a PNG of every page at both
//! widths is written there.
//!
//! Runs on both backends (about 45 s each): the pages read their data through queries
//! that differ by dialect (reports, searches, dates), and a page that fails to render on
//! one of them fails here. One app and one browser serve every page; the viewport changes
//! through the DevTools protocol.
//!
//! Besides the route table's pages it visits the landlord's check page for a valid and a
//! garbage token (`/z/…`, `/Z/…`, served by a scope, not a `#[get]`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::common::{self, browser::Chromium, routes, Backend, TestApp};

/// GET routes that are not pages, and why the crawl leaves them out.
const NOT_PAGES: &[(&str, &str)] = &[
    ("/.well-known/jwks.json", "JSON key set for machines"),
    ("/.well-known/revoked", "JSON revocation list for machines"),
    ("/pruefen/aussteller.json", "JSON issuer list for the offline check"),
    ("/pruefen/manifest.webmanifest", "web app manifest"),
    ("/pruefen/sw.js", "the offline check's service worker script"),
    ("/pruefen/vorlagen/{}.json", "JSON result pages for the offline check"),
    ("/audit.csv", "CSV download"),
    ("/programm/{}/zahlen.{}", "CSV, XLSX or PDF download"),
    ("/calendar/run/{}.ics", "calendar feed"),
    ("/calendar/trainer/{}.ics", "calendar feed"),
    ("/certificate-settings/sample.pdf", "PDF download"),
    ("/certificate-settings/{}", "the uploaded logo or signature image itself"),
    ("/certificates/{}/pdf", "PDF download"),
    ("/meine-bescheinigungen/{}/daten.json", "JSON download"),
    ("/meine-bescheinigungen/{}/{}.pdf", "PDF download"),
    ("/participants/{}/export.json", "JSON download"),
    ("/stakeholders/{}/export.json", "JSON download"),
    ("/reports/organisation.{}", "CSV/XLSX download"),
    ("/runs/{}/cards.pdf", "PDF download"),
    ("/runs/{}/certificates.zip", "ZIP download"),
    ("/runs/{}/certificates/print.zip", "ZIP download"),
    ("/runs/{}/report.{}", "CSV/XLSX download"),
    ("/surveys/{}/results.{}", "CSV/XLSX download"),
    ("/vermittlung/bescheinigungen/{}.pdf", "PDF download"),
];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Role {
    Anonymous,
    Coordinator,
    Trainer,
    Referrer,
    Admin,
    Programme,
}

struct Visit {
    role: Role,
    /// The route as the table writes it (normalised), to prove coverage.
    route: &'static str,
    url: String,
    /// Used on a phone: tap targets must be 44×44 px.
    phone: bool,
}

fn visit(role: Role, route: &'static str, url: impl Into<String>, phone: bool) -> Visit {
    Visit { role, route, url: url.into(), phone }
}

/// What one page at one width showed.
#[derive(Default)]
struct Finding {
    violations: Vec<(String, String, usize, Value)>,
    overflow: Option<Value>,
    small_targets: Vec<Value>,
    skip_link: Option<Value>,
}

struct Seed {
    visits: Vec<Visit>,
    emails: BTreeMap<Role, String>,
}

async fn created(api: &common::Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, body).await;
    assert!((200..300).contains(&s), "{path}: {s} {v}");
    v
}

fn secret_after(text: &str, prefix: &str) -> String {
    let text = text.replace("=\r\n", "").replace("=\n", "");
    let at = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {text}")) + prefix.len();
    let secret: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    common::logs::secret(&secret)
}

/// The link after `prefix` in the newest queued mail to `email`.
fn queued_link(app: &TestApp, email: &str, prefix: &str) -> String {
    let email = email.to_string();
    let mails = app.db.run_blocking(mietschulung::mail::outbox::all).expect("outbox");
    let mail = mails
        .into_iter()
        .filter(|m| m.recipient == email && m.body_text.contains(prefix))
        .max_by_key(|m| m.id)
        .unwrap_or_else(|| panic!("no mail with {prefix} to {email}"));
    format!("{prefix}{}", secret_after(&mail.body_text, prefix))
}

fn local(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// One organisation with everything a page can show, and the list of pages to visit.
async fn seed(app: &TestApp) -> Seed {
    use Role::*;
    let org = app.create_org("barrierefrei");
    let admin = app.create_admin("admin@betrieb.example.org");
    let referrer =
        super::referrers::create_referrer(app, org.id, "vera@beratung.example.org", "Vera Berater");
    let api = app.api_token(&org.coordinator.email).await;

    // A course with modules; a past run (certificates issued) and a current one (sessions
    // today and in two days, a trainer, a referred person).
    let today = mietschulung::time::today_local();
    let (course, past_run, modules) = common::plan_run_between(
        &api,
        "MS-A11Y",
        12,
        &[
            ("Mietvertrag und Nebenkosten", true),
            ("Heizen und Lüften", true),
            ("Mülltrennung", false),
        ],
        "2026-01-05",
        "2026-01-30",
    )
    .await;
    let run = created(
        &api,
        &format!("/api/v1/courses/{course}/runs"),
        json!({"start_date": today.to_string(), "end_date": (today + chrono::Duration::days(20)).to_string(),
               "place": "Rathaus Altenburg", "capacity": 10, "interpreter_languages": ["ar", "uk"]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let location = created(&api, "/api/v1/locations", json!({"name": "Rathaus", "room": "1.12"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let past_session = created(
        &api,
        &format!("/api/v1/runs/{past_run}/sessions"),
        json!({"starts_at": "2026-01-06T09:00", "ends_at": "2026-01-06T12:00", "module_ids": modules,
               "trainer_id": org.trainer.user_id}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (from, to) = common::started_today();
    let session = created(
        &api,
        &format!("/api/v1/runs/{run}/sessions"),
        json!({"starts_at": from, "ends_at": to, "module_ids": [modules[0]],
               "trainer_id": org.trainer.user_id}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let later = mietschulung::time::to_local(mietschulung::time::now_utc()).naive_local()
        + chrono::Duration::days(2);
    created(
        &api,
        &format!("/api/v1/runs/{run}/sessions"),
        json!({"starts_at": local(later), "ends_at": local(later + chrono::Duration::hours(3)),
               "module_ids": [modules[1]], "trainer_id": org.trainer.user_id, "location": "Raum 4"}),
    )
    .await;

    let mut people = Vec::new();
    for (given, family, email) in [
        ("Mariam", "Ahmadi", Some("mariam@example.org")),
        ("Dmytro", "Kovalenko", None),
        ("Amal", "Yousef", Some("amal@example.org")),
    ] {
        people.push(common::register(&api, given, family, email).await);
    }
    for pid in &people {
        created(
            &api,
            &format!("/api/v1/runs/{past_run}/enrollments"),
            json!({"participant_id": pid}),
        )
        .await;
        created(&api, &format!("/api/v1/runs/{run}/enrollments"), json!({"participant_id": pid}))
            .await;
    }
    for (pid, status) in [(people[0], "present"), (people[1], "late"), (people[2], "absent")] {
        let (s, b) = api
            .put(
                &format!("/api/v1/sessions/{past_session}/attendance/{pid}"),
                json!({"status": status}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let (s, b) = api
        .put(
            &format!("/api/v1/sessions/{session}/attendance/{}", people[0]),
            json!({"status": "present"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let issued = created(&api, &format!("/api/v1/runs/{past_run}/certificates"), json!({})).await;
    let certificate = &issued["issued"][0];
    let cert_id = certificate["id"].as_i64().expect("a certificate");
    let check_url = certificate["verification_url"].as_str().unwrap().to_string();
    let check_token = check_url.rsplit('/').next().unwrap().to_string();
    let batch = created(&api, &format!("/api/v1/runs/{past_run}/certificate-batches"), json!({}))
        .await["id"]
        .as_i64()
        .unwrap();
    common::wait_for_batch(&api, batch).await;
    let own =
        created(&api, &format!("/api/v1/participants/{}/own-page-link", people[0]), json!({}))
            .await;
    let own_token = secret_after(own["url"].as_str().unwrap(), "/meine-bescheinigungen/");

    // A run of 55 people: its page shows them 50 at a time with a page navigation, and the
    // other runs' pages offer more people to enrol than fit on one page.
    let (_, big_run, _) = common::plan_run(&api, "MS-GROSS", 60, &[("Mietvertrag", true)]).await;
    for i in 0..55 {
        let pid = common::register(&api, "Olena", &format!("Bondarenko {i:02}"), None).await;
        created(
            &api,
            &format!("/api/v1/runs/{big_run}/enrollments"),
            json!({"participant_id": pid}),
        )
        .await;
    }

    // A referred person, registered by the referrer into the current run.
    let vera = app.api_token(&referrer.email).await;
    created(
        &vera,
        "/api/v1/referrals",
        json!({"run_id": run, "given_name": "Omar", "family_name": "Nasser",
               "preferred_language": "fa", "consent": true}),
    )
    .await;

    // Stakeholders and a survey with every kind of question, invitations sent.
    let mut stakeholder = 0;
    for (group, name, email) in [
        ("landlord", "Karl Brandt", Some("karl@brandt.example")),
        ("target_group", "Amina Yusuf", None),
    ] {
        stakeholder = created(
            &api,
            "/api/v1/stakeholders",
            json!({"stakeholder_group": group, "name": name, "email": email, "contact_consent": true}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
    }
    let survey = created(
        &api,
        "/api/v1/surveys",
        json!({"title": "Was soll die Mietschulung betonen?", "introduction": "Fünf Minuten.",
               "opens_on": today.to_string(), "closes_on": (today + chrono::Duration::days(30)).to_string(),
               "audience": ["landlord", "target_group"], "course_id": course,
               "reminder_max": 2, "reminder_interval_days": 7, "open_groups": ["target_group"]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut question = 0;
    for body in [
        json!({"kind": "single", "text": "Wie oft vermieten Sie an Neuzugewanderte?", "required": true, "options": ["nie", "manchmal", "oft"]}),
        json!({"kind": "multiple", "text": "Welche Probleme gab es?", "options": ["Lüften", "Müll", "Lärm"]}),
        json!({"kind": "scale", "text": "Wie wichtig ist eine Schulung?", "options": ["unwichtig", "sehr wichtig"]}),
        json!({"kind": "text", "text": "Was noch?", "max_length": 200}),
        json!({"kind": "number", "text": "Wie viele Wohnungen?", "min_value": 0, "max_value": 1000}),
        json!({"kind": "rank", "text": "Ordnen Sie die Themen", "required": true}),
    ] {
        question = created(&api, &format!("/api/v1/surveys/{survey}/questions"), body).await["id"]
            .as_i64()
            .unwrap();
    }
    created(&api, &format!("/api/v1/surveys/{survey}/invitations"), json!({})).await;
    let (_, invitations) = api.get(&format!("/api/v1/surveys/{survey}/invitations")).await;
    let survey_link = invitations
        .as_array()
        .unwrap()
        .iter()
        .find_map(|i| i["url"].as_str())
        .expect("an invitation link");
    let survey_token = secret_after(survey_link, "/s/");
    let open_token = {
        use diesel::prelude::*;
        use mietschulung::db::schema::surveys;
        let id = i32::try_from(survey).unwrap();
        app.db
            .run_blocking(move |conn| {
                Ok(surveys::table.find(id).select(surveys::open_token).first::<String>(conn)?)
            })
            .unwrap()
    };

    // A colleague invited (the set-up link) and a reset asked for (the reset link).
    let colleague = created(
        &api,
        "/api/v1/users",
        json!({"email": "rita@team.example.org", "display_name": "Rita Neu", "role": "trainer"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let setup = queued_link(app, "rita@team.example.org", "/konto/einrichten/");
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({"email": org.trainer.email}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "reset asked for");
    let reset = queued_link(app, &org.trainer.email, "/passwort-neu/");

    // The apology link of a reminder, as the reminder job sends it.
    let (public_url, now) = (app.settings.public_url.clone(), mietschulung::time::now_utc());
    app.db
        .run_blocking(move |conn| {
            mietschulung::reminders::service::run_due(conn, &public_url, &[72], now)
        })
        .expect("reminders");
    let apology = queued_link(app, "mariam@example.org", "/absage/");

    // A personal check-in card and a list import waiting for confirmation.
    let coord = app.browser();
    coord.login(&org.coordinator.email).await;
    let (_, _, cards) = coord.get_bytes(&format!("/runs/{run}/cards.pdf")).await;
    let card_url = common::pdf_qr::decode_qr_from_pdf(&cards).expect("a card's QR code");
    let card_code = card_url.rsplit('/').next().unwrap().to_string();
    let import = {
        let csrf = coord.get("/participants").await.csrf();
        let csv = "Vorname;Familienname;Sprache;Einwilligung\r\nLina;Saleh;arabisch;ja\r\nKein;Konsens;de;\r\n";
        let sent =
            coord.upload_file("/participants/import", &csrf, "liste.csv", csv.as_bytes()).await;
        assert_eq!(sent.status, 303, "import upload: {}", sent.body);
        sent.location.expect("the preview")
    };
    let (_, keys) = api.get("/api/v1/keys").await;
    let kid = keys[0]["kid"].as_i64().expect("a key");
    let (trainer_id, referrer_id) = (org.trainer.user_id, referrer.user_id);
    let org_id = org.id;
    let (p, m) = (people[0], modules[0]);

    // Feedback on the statement, sent through its public form, for the delete page.
    let statement = format!("/barrierefreiheit/{}", org.id);
    let sent = app
        .browser()
        .submit(&statement, &statement, &[("message", "Der Fokus ist schwer zu sehen.")])
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let (_, feedback) = api.get("/api/v1/organisation/accessibility-feedback").await;
    let feedback = feedback[0]["id"].as_i64().expect("the feedback");

    // A programme with the organisation as a member sharing everything, and its office.
    let admin_api = app.api_token(&admin.email).await;
    let programme = created(
        &admin_api,
        "/api/v1/admin/programmes",
        json!({"name": "Mietschulungen Thüringen", "funding_body": "Freistaat Thüringen"}),
    )
    .await["id"]
        .as_i64()
        .expect("a programme");
    created(
        &admin_api,
        &format!("/api/v1/admin/programmes/{programme}/members"),
        json!({"organisation_id": org.id}),
    )
    .await;
    let (s, _) = api
        .put(
            &format!("/api/v1/programmes/{programme}/membership"),
            json!({"figures": true, "templates": true}),
        )
        .await;
    assert_eq!(s, 200, "joined");
    created(
        &api,
        "/api/v1/library",
        json!({"programme_id": programme, "kind": "course", "source_id": course}),
    )
    .await;
    let (_, shelves) = api.get("/api/v1/library").await;
    let template = shelves[0]["templates"][0]["id"].as_i64().expect("a template");
    let office = "buero@land.example.org";
    created(
        &admin_api,
        &format!("/api/v1/admin/programmes/{programme}/accounts"),
        json!({"email": office, "display_name": "Programmbüro"}),
    )
    .await;
    app.db
        .run_blocking(move |conn| {
            mietschulung::auth::service::set_password(conn, office, common::PASSWORD)
        })
        .expect("office password");

    let visits = vec![
        // Anyone, and the people outside: participant, respondent, landlord.
        visit(Anonymous, "/", "/", false),
        visit(Anonymous, "/login", "/login", true),
        visit(Anonymous, "/passwort-vergessen", "/passwort-vergessen", true),
        visit(Anonymous, "/passwort-neu/{}", reset, true),
        visit(Anonymous, "/konto/einrichten/{}", setup, true),
        visit(Anonymous, "/absage/{}", apology, true),
        visit(
            Anonymous,
            "/meine-bescheinigungen/{}",
            format!("/meine-bescheinigungen/{own_token}"),
            true,
        ),
        visit(Anonymous, "/s/{}", format!("/s/{survey_token}"), true),
        visit(Anonymous, "/s/o/{}/{}", format!("/s/o/{open_token}/target_group"), true),
        visit(Anonymous, "/z", "/z", true),
        visit(Anonymous, "/Z", "/Z", true),
        visit(Anonymous, "/z/…", format!("/z/{check_token}"), true),
        visit(Anonymous, "/Z/…", format!("/Z/{check_token}?lang=en"), true),
        visit(Anonymous, "/z/…", "/z/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true),
        visit(Anonymous, "/pruefen", "/pruefen", true),
        visit(Anonymous, "/pruefen", "/pruefen?lang=ar", true),
        // The trainer, on a phone.
        visit(Trainer, "/my/sessions", "/my/sessions", true),
        visit(Trainer, "/sessions/{}/roster", format!("/sessions/{session}/roster"), true),
        visit(Trainer, "/{}/{}", format!("/K/{card_code}"), true),
        visit(Trainer, "/account", "/account", true),
        // The referrer, on a phone.
        visit(Referrer, "/vermittlung", "/vermittlung", true),
        visit(Referrer, "/vermittlung/anmelden", "/vermittlung/anmelden", true),
        // The admin.
        visit(Admin, "/admin/organisations", "/admin/organisations", false),
        visit(Admin, "/admin/organisations/{}", format!("/admin/organisations/{org_id}"), false),
        visit(
            Admin,
            "/admin/organisations/{}/users/{}",
            format!("/admin/organisations/{org_id}/users/{trainer_id}"),
            false,
        ),
        visit(
            Admin,
            "/admin/organisations/{}/users/{}/check",
            format!("/admin/organisations/{org_id}/users/{trainer_id}/check"),
            false,
        ),
        visit(
            Admin,
            "/admin/organisations/{}/users/{}/{}",
            format!("/admin/organisations/{org_id}/users/{trainer_id}/deactivate"),
            false,
        ),
        visit(Admin, "/admin/programme", "/admin/programme", false),
        visit(Admin, "/admin/programme/{}", format!("/admin/programme/{programme}"), false),
        // The programme's office.
        visit(Programme, "/programm", "/programm", true),
        visit(Programme, "/programm/{}/zahlen", format!("/programm/{programme}/zahlen"), true),
        visit(Programme, "/bibliothek", "/bibliothek", false),
        visit(Programme, "/bibliothek/{}", format!("/bibliothek/{template}"), false),
        // The coordinator: everything else.
        visit(Coordinator, "/programme", "/programme", true),
        visit(
            Coordinator,
            "/programme/{}/austreten",
            format!("/programme/{programme}/austreten"),
            false,
        ),
        visit(Coordinator, "/programme/{}/zahlen", format!("/programme/{programme}/zahlen"), false),
        visit(Coordinator, "/bibliothek", "/bibliothek", true),
        visit(Coordinator, "/bibliothek/{}", format!("/bibliothek/{template}"), false),
        visit(Coordinator, "/runs", "/runs", false),
        visit(Coordinator, "/runs/{}", format!("/runs/{run}"), false),
        visit(Coordinator, "/runs/{}", format!("/runs/{past_run}"), false),
        visit(Coordinator, "/runs/{}", format!("/runs/{big_run}?page=2"), false),
        visit(Coordinator, "/runs/{}/edit", format!("/runs/{run}/edit"), false),
        visit(Coordinator, "/runs/{}/delete", format!("/runs/{run}/delete"), false),
        visit(
            Coordinator,
            "/runs/{}/certificates",
            format!("/runs/{past_run}/certificates"),
            false,
        ),
        visit(
            Coordinator,
            "/runs/{}/certificates/print",
            format!("/runs/{past_run}/certificates/print"),
            false,
        ),
        visit(Coordinator, "/runs/{}/report", format!("/runs/{past_run}/report"), false),
        visit(Coordinator, "/courses", "/courses", false),
        visit(Coordinator, "/courses/{}", format!("/courses/{course}"), false),
        visit(Coordinator, "/courses/{}/edit", format!("/courses/{course}/edit"), false),
        visit(Coordinator, "/courses/{}/delete", format!("/courses/{course}/delete"), false),
        visit(
            Coordinator,
            "/courses/{}/modules/{}/edit",
            format!("/courses/{course}/modules/{m}/edit"),
            false,
        ),
        visit(
            Coordinator,
            "/courses/{}/modules/{}/delete",
            format!("/courses/{course}/modules/{m}/delete"),
            false,
        ),
        visit(Coordinator, "/sessions/{}/edit", format!("/sessions/{session}/edit"), false),
        visit(Coordinator, "/sessions/{}/delete", format!("/sessions/{session}/delete"), false),
        visit(
            Coordinator,
            "/sessions/{}/roster",
            format!("/sessions/{past_session}/roster"),
            false,
        ),
        visit(Coordinator, "/calendar", "/calendar", false),
        visit(Coordinator, "/locations", "/locations", false),
        visit(Coordinator, "/locations/new", "/locations/new", false),
        visit(Coordinator, "/locations/{}/edit", format!("/locations/{location}/edit"), false),
        visit(Coordinator, "/locations/{}/delete", format!("/locations/{location}/delete"), false),
        visit(Coordinator, "/participants", "/participants", false),
        visit(Coordinator, "/participants/import/{}", import, false),
        visit(Coordinator, "/participants/{}", format!("/participants/{p}"), false),
        visit(Coordinator, "/participants/{}/edit", format!("/participants/{p}/edit"), false),
        visit(Coordinator, "/participants/{}/delete", format!("/participants/{p}/delete"), false),
        visit(Coordinator, "/participants/{}/erase", format!("/participants/{p}/erase"), false),
        visit(Coordinator, "/participants/{}/export", format!("/participants/{p}/export"), false),
        visit(
            Coordinator,
            "/participants/{}/own-page-link",
            format!("/participants/{p}/own-page-link?run={past_run}"),
            false,
        ),
        visit(Coordinator, "/certificates", "/certificates", false),
        visit(
            Coordinator,
            "/certificates/{}/revoke",
            format!("/certificates/{cert_id}/revoke"),
            false,
        ),
        visit(
            Coordinator,
            "/certificate-batches/{}",
            format!("/certificate-batches/{batch}"),
            false,
        ),
        visit(Coordinator, "/certificate-settings", "/certificate-settings", false),
        visit(
            Coordinator,
            "/certificate-settings/keys/{}/retire",
            format!("/certificate-settings/keys/{kid}/retire"),
            false,
        ),
        visit(
            Coordinator,
            "/certificate-settings/keys/{}/compromise",
            format!("/certificate-settings/keys/{kid}/compromise"),
            false,
        ),
        visit(Coordinator, "/reports", "/reports", false),
        visit(Coordinator, "/stakeholders", "/stakeholders", false),
        visit(Coordinator, "/stakeholders/{}", format!("/stakeholders/{stakeholder}"), false),
        visit(
            Coordinator,
            "/stakeholders/{}/delete",
            format!("/stakeholders/{stakeholder}/delete"),
            false,
        ),
        visit(
            Coordinator,
            "/stakeholders/{}/export",
            format!("/stakeholders/{stakeholder}/export"),
            false,
        ),
        visit(Coordinator, "/surveys", "/surveys", false),
        visit(Coordinator, "/surveys/{}", format!("/surveys/{survey}"), false),
        visit(Coordinator, "/surveys/{}/archive", format!("/surveys/{survey}/archive"), false),
        visit(Coordinator, "/surveys/{}/delete", format!("/surveys/{survey}/delete"), false),
        visit(Coordinator, "/surveys/{}/invite", format!("/surveys/{survey}/invite"), false),
        visit(Coordinator, "/surveys/{}/remind", format!("/surveys/{survey}/remind"), false),
        visit(Coordinator, "/surveys/{}/preview", format!("/surveys/{survey}/preview"), false),
        visit(
            Coordinator,
            "/surveys/{}/questions/new",
            format!("/surveys/{survey}/questions/new"),
            false,
        ),
        visit(
            Coordinator,
            "/surveys/{}/questions/{}",
            format!("/surveys/{survey}/questions/{question}"),
            false,
        ),
        visit(Coordinator, "/surveys/{}/results", format!("/surveys/{survey}/results"), false),
        visit(Coordinator, "/surveys/{}/sheet", format!("/surveys/{survey}/sheet"), false),
        visit(
            Coordinator,
            "/surveys/{}/translations/{}",
            format!("/surveys/{survey}/translations/en"),
            false,
        ),
        visit(Coordinator, "/team", "/team", false),
        visit(Coordinator, "/team/{}", format!("/team/{colleague}"), false),
        visit(Coordinator, "/team/{}/check", format!("/team/{referrer_id}/check"), false),
        visit(Coordinator, "/team/{}/{}", format!("/team/{referrer_id}/deactivate"), false),
        visit(Coordinator, "/settings/privacy", "/settings/privacy", false),
        visit(Coordinator, "/audit", "/audit", false),
        visit(Coordinator, "/mail/failed", "/mail/failed", false),
        visit(Coordinator, "/account", "/account", false),
        // The accessibility statement, its feedback and the translated titles.
        visit(Anonymous, "/barrierefreiheit", "/barrierefreiheit", true),
        visit(Anonymous, "/barrierefreiheit/{}", format!("/barrierefreiheit/{}", org.id), true),
        visit(Coordinator, "/settings/accessibility", "/settings/accessibility", false),
        visit(
            Coordinator,
            "/settings/accessibility/feedback/{}/delete",
            format!("/settings/accessibility/feedback/{feedback}/delete"),
            false,
        ),
        visit(
            Coordinator,
            "/courses/{}/translations",
            format!("/courses/{course}/translations"),
            false,
        ),
    ];
    let emails = BTreeMap::from([
        (Coordinator, org.coordinator.email.clone()),
        (Trainer, org.trainer.email.clone()),
        (Referrer, referrer.email.clone()),
        (Admin, admin.email.clone()),
        (Programme, office.to_string()),
    ]);
    Seed { visits, emails }
}

/// Every GET route of the table is crawled or listed in [`NOT_PAGES`].
fn assert_every_page_is_visited(visits: &[Visit]) {
    let table: Vec<String> = routes::html_routes()
        .into_iter()
        .filter_map(|r| r.strip_prefix("GET ").map(str::to_string))
        .collect();
    assert!(table.len() > 50, "the route table was not found: {table:?}");
    let missing: Vec<&String> = table
        .iter()
        .filter(|r| {
            !visits.iter().any(|v| v.route == r.as_str()) && !NOT_PAGES.iter().any(|(n, _)| n == r)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "GET routes the accessibility crawl neither visits nor lists in NOT_PAGES: {missing:?}"
    );
    let stale: Vec<&str> = visits
        .iter()
        .map(|v| v.route)
        .filter(|r| !r.contains('…'))
        .chain(NOT_PAGES.iter().map(|(n, _)| *n))
        .filter(|r| !table.iter().any(|t| t == r))
        .collect();
    assert!(stale.is_empty(), "crawl entries for routes that no longer exist: {stale:?}");
}

/// Interactive elements smaller than 44×44 CSS pixels, except links inside running text
/// (WCAG 2.5.5's "inline" exception) and boxes whose label is the target.
const SMALL_TARGETS: &str = r#"
var out = [];
var seen = new Set();
document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])').forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1 || r.right <= 0 || r.bottom <= 0) return;
  var style = getComputedStyle(e);
  if (style.visibility === 'hidden' || style.display === 'none') return;
  if (e.tagName === 'A' && style.display === 'inline') {
    var parentText = (e.parentElement.textContent || '').trim();
    if (parentText.length > (e.textContent || '').trim().length + 1) return;
  }
  if (e.tagName === 'DIV' && e.classList.contains('table-scroll')) return;
  var w = r.width, h = r.height;
  if (e.tagName === 'INPUT' && (e.type === 'checkbox' || e.type === 'radio') && e.labels && e.labels.length) {
    var l = e.labels[0].getBoundingClientRect();
    var left = Math.min(l.left, r.left), right = Math.max(l.right, r.right);
    var top = Math.min(l.top, r.top), bottom = Math.max(l.bottom, r.bottom);
    w = right - left; h = bottom - top;
  }
  if (w < 43.5 || h < 43.5) {
    var name = e.tagName.toLowerCase() + (e.type ? '[' + e.type + ']' : '') + ' "' + ((e.textContent || e.value || e.name || '').trim().replace(/\s+/g, ' ').slice(0, 24)) + '" ' + Math.round(w) + 'x' + Math.round(h);
    if (!seen.has(name)) { seen.add(name); out.push(name); }
  }
});
return out;
"#;

const OVERFLOW: &str = r#"
var w = WIDTH;
var wide = Array.from(document.querySelectorAll('body *')).filter(function (e) {
  var r = e.getBoundingClientRect();
  if (!(r.width > 0 && r.right > w + 1)) return false;
  for (var p = e.parentElement; p; p = p.parentElement) {
    var o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
  }
  return true;
}).slice(0, 3).map(function (e) { return e.tagName + '.' + e.className + ' ' + e.textContent.trim().replace(/\s+/g, ' ').slice(0, 30); });
var sw = document.documentElement.scrollWidth;
return (sw > w || wide.length) ? {scrollWidth: sw, outside: wide} : null;
"#;

/// The skip link, focused, is on screen, big enough to tap and leads to the main content.
const SKIP_LINK: &str = r#"
var a = document.querySelector('a.skip-link');
if (!a) return null;
a.focus();
var r = a.getBoundingClientRect();
var target = document.getElementById((a.getAttribute('href') || '').slice(1));
var ok = r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth && r.height >= 43.5 && !!target && target.tagName === 'MAIN';
a.blur();
return ok ? null : {left: r.left, top: r.top, width: r.width, height: r.height, target: !!target};
"#;

const AXE_RUN: &str = r#"
var done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  done(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, nodes: v.nodes.length,
            targets: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' ') + ' ' + (n.failureSummary || '').split('\n').slice(1, 2).join(''); })};
  }));
}).catch(function (e) { done({error: String(e)}); });
"#;

async fn check_page(browser: &Chromium, axe: &str, visit: &Visit, width: u32) -> Finding {
    let mut finding = Finding::default();
    if width < 640 {
        let v = browser.script(&OVERFLOW.replace("WIDTH", &width.to_string())).await;
        if !v.is_null() {
            finding.overflow = Some(v);
        }
        if visit.phone {
            let v = browser.script(SMALL_TARGETS).await;
            finding.small_targets = v.as_array().cloned().unwrap_or_default();
        }
    }
    let v = browser.script(SKIP_LINK).await;
    if !v.is_null() {
        finding.skip_link = Some(v);
    }
    browser.script(&format!("{axe}\n;return true;")).await;
    let v = browser.script_async(AXE_RUN).await;
    let list = v.as_array().unwrap_or_else(|| panic!("axe.run failed on {}: {v}", visit.url));
    for violation in list {
        finding.violations.push((
            violation["impact"].as_str().unwrap_or("none").to_string(),
            violation["id"].as_str().unwrap_or_default().to_string(),
            violation["nodes"].as_u64().unwrap_or(0) as usize,
            violation["targets"].clone(),
        ));
    }
    finding
}

/// axe-core's violations on the page the browser shows (id, impact and targets of each), for
/// states the crawl cannot reach by a URL (a result the browser made itself, a filled table).
pub(crate) async fn axe_violations(browser: &Chromium) -> Vec<Value> {
    let Some(axe) = axe_source() else {
        return Vec::new();
    };
    browser.script(&format!("{axe}\n;return true;")).await;
    let v = browser.script_async(AXE_RUN).await;
    v.as_array().cloned().unwrap_or_else(|| panic!("axe.run failed: {v}"))
}

fn axe_source() -> Option<String> {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/a11y/node_modules/axe-core/axe.min.js"
    ));
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            common::skip("no axe-core (run `npm ci` in tests/a11y)", "the accessibility crawl");
            None
        }
    }
}

async fn crawl(backend: Backend) {
    // The route table is checked before the tools are looked for, so a page missing from the
    // crawl fails even where Chromium or axe-core is not installed.
    let app = common::spawn_app(backend).await;
    let seed = seed(&app).await;
    assert_every_page_is_visited(&seed.visits);
    let Some(axe) = axe_source() else { return };
    if !common::browser::available() {
        return;
    }
    let shots = std::env::var_os("SCREENSHOT_DIR").map(PathBuf::from);
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).expect("SCREENSHOT_DIR");
    }

    let mut browser = Chromium::start(360, 800).await;
    let mut results: Vec<(String, u32, bool, Finding)> = Vec::new();
    let mut roles: Vec<Role> = seed.visits.iter().map(|v| v.role).collect();
    roles.dedup();
    roles.sort();
    roles.dedup();
    for role in roles {
        browser.goto(&app.url("/login")).await;
        browser.delete_cookies().await;
        if let Some(email) = seed.emails.get(&role) {
            browser.log_in(&app.base, email).await;
        }
        for (width, height) in [(360, 800), (1280, 900)] {
            browser.set_viewport(width, height).await;
            for (n, visit) in seed.visits.iter().enumerate().filter(|(_, v)| v.role == role) {
                browser.goto(&app.url(&visit.url)).await;
                let finding = check_page(&browser, &axe, visit, width).await;
                if let Some(dir) = &shots {
                    let name = format!("{n:03}-{role:?}-{width}.png").to_lowercase();
                    std::fs::write(dir.join(name), browser.screenshot().await).unwrap();
                }
                let label = format!("{:?} {}", visit.role, visit.route);
                results.push((label, width, visit.phone, finding));
            }
        }
    }

    // The counts for the record (printed on every run), then the failures.
    let mut by_impact: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    // Minor and moderate findings do not fail the crawl; they are printed for the next fix.
    let mut notes = Vec::new();
    let (mut overflowing, mut small) = (0, 0);
    for (label, width, _, f) in &results {
        for (impact, id, nodes, targets) in &f.violations {
            *by_impact.entry(impact.clone()).or_default() += 1;
            *by_rule.entry(format!("{impact} {id}")).or_default() += 1;
            let line = format!("{label} @{width}: axe {impact} {id} ({nodes}): {targets}");
            if impact == "serious" || impact == "critical" {
                failures.push(line);
            } else {
                notes.push(line);
            }
        }
        if let Some(o) = &f.overflow {
            overflowing += 1;
            failures.push(format!("{label} @{width}: wider than the screen: {o}"));
        }
        if let Some(v) = &f.skip_link {
            failures
                .push(format!("{label} @{width}: the focused skip link is hidden or small: {v}"));
        }
        if !f.small_targets.is_empty() {
            small += f.small_targets.len();
            failures.push(format!(
                "{label} @{width}: tap targets under 44×44 px: {}",
                Value::Array(f.small_targets.clone())
            ));
        }
    }
    let pages = seed.visits.len();
    let summary = format!(
        "a11y crawl: {pages} pages × 2 widths = {} checks; axe violations by impact {by_impact:?} \
         (by rule {by_rule:?}); \
         pages wider than 360 px: {overflowing}; small tap targets on phone pages: {small}",
        results.len()
    );
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{summary}\n{}", notes.join("\n"));
    assert!(failures.is_empty(), "{summary}\n{}", failures.join("\n"));
}

crate::both_backends!(every_page_of_every_role_is_accessible_on_a_phone_and_a_desktop, crawl);
