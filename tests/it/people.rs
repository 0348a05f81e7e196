//! The coordinator's work with people (issue 14): deleting participants and contacts after a
//! confirmation that says what goes and what stays (and why someone with history cannot be
//! deleted), the "Angemeldet durch" fields stored and checked, enrolling many at once,
//! importing straight into a run, German Excel CSV, and the empty lists saying what to do.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Api, Backend, Browser, TestApp};

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A run of `capacity` places that has not ended (so the import offers it), with one
/// session on its first day: (run id, session id).
async fn open_run(api: &Api, code: &str, capacity: i32) -> (i64, i64) {
    let start = mietschulung::time::today_local() + Duration::days(10);
    let (_, run_id, modules) = common::plan_run_between(
        api,
        code,
        capacity,
        &[("Mietvertrag", true)],
        &iso(start),
        &iso(start + Duration::days(20)),
    )
    .await;
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run_id}/sessions"),
            json!({"starts_at": format!("{}T09:00", iso(start)), "ends_at": format!("{}T10:00", iso(start)), "module_ids": modules}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    (run_id, session["id"].as_i64().unwrap())
}

/// Row counts of the tables a GET must never change.
fn counts(app: &TestApp) -> Vec<i64> {
    ["participants", "enrollments", "mail_outbox", "audit_log", "consent_events", "stakeholders"]
        .iter()
        .map(|t| app.count(t))
        .collect()
}

/// A mail about a participant in the outbox, as the waiting list writes them.
fn mail_about(app: &TestApp, org: i32, pid: i64) {
    app.db
        .run_blocking(move |conn| {
            use mietschulung::mail::outbox;
            let ctx = json!({"participant_name": "X", "course_title": "Y",
                "place": "Z", "start": "1.1.2026", "end": "2.1.2026"});
            let about = outbox::About::Participant(mietschulung::ids::ParticipantId(pid as i32));
            let org = Some(mietschulung::ids::OrgId(org));
            outbox::enqueue(conn, org, about, "p@example.org", "waitlist_promoted", &ctx, None)
        })
        .unwrap();
}

fn mails_about(app: &TestApp, pid: i64) -> i64 {
    app.db
        .run_blocking(move |conn| {
            use diesel::prelude::*;
            use mietschulung::db::schema::mail_outbox;
            Ok(mail_outbox::table
                .filter(mail_outbox::participant_id.eq(pid as i32))
                .count()
                .get_result::<i64>(conn)?)
        })
        .unwrap()
}

fn data_test_count(body: &str, hook: &str) -> usize {
    body.matches(&format!("data-test=\"{hook}\"")).count()
}

async fn delete_participants(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("loeschen");
    let other = app.create_org("andere");
    let api = app.api_token(&org.coordinator.email).await;
    let api_other = app.api_token(&other.coordinator.email).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let (run_id, _) = open_run(&api, "MS-DEL", 5).await;

    // Nobody's history: deleted outright, with the mails about them.
    let fresh = common::register(&api, "Nur", "Registriert", Some("nur@example.org")).await;
    mail_about(&app, org.id, fresh);
    let before = counts(&app);
    let page = b.get(&format!("/participants/{fresh}/delete")).await;
    assert_eq!(page.status, 200);
    assert_eq!(data_test_count(&page.body, "confirm-heading"), 1);
    assert!(page.body.contains("Nur Registriert"));
    assert!(page.body.contains(&common::said("people.delete.goes_mails", &[("count", "1")])));
    assert!(page.body.contains(&common::said("people.delete.stays_audit", &[])));
    assert!(!page.body.contains("data-test=\"confirm-blocked\""), "nothing blocks it");
    assert!(page.body.contains("button-warning"), "a destructive button");
    assert_eq!(counts(&app), before, "the confirmation page changes nothing");
    let done = b
        .submit(
            &format!("/participants/{fresh}/delete"),
            &format!("/participants/{fresh}/delete"),
            &[],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/participants"));
    let list = b.get("/participants").await;
    assert!(list.body.contains(&common::said("done.people_deleted", &[])));
    assert_eq!(app.count("participants"), before[0] - 1);
    assert_eq!(mails_about(&app, fresh), 0, "the mails about them go");
    assert_eq!(api.get(&format!("/api/v1/participants/{fresh}")).await.0, 404);

    // Enrolled: blocked until the enrolment is cancelled; cancelled enrolments go along.
    let enrolled = common::register(&api, "Angemeldet", "Person", None).await;
    let (s, _) = api
        .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": enrolled}))
        .await;
    assert_eq!(s, 201);
    let page = b.get(&format!("/participants/{enrolled}/delete")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-test=\"confirm-blocked\""));
    assert!(page.body.contains(&common::said("error.people.delete_enrolled", &[])));
    assert!(page.body.contains(&format!("href=\"/runs/{run_id}#participants\"")), "cancel there");
    assert!(page.body.contains(&format!("href=\"/participants/{enrolled}/erase\"")));
    let refused = b
        .submit(
            &format!("/participants/{enrolled}/delete"),
            &format!("/participants/{enrolled}/delete"),
            &[],
        )
        .await;
    assert_eq!(refused.status, 409);
    let (s, e) =
        api.send(reqwest::Method::DELETE, &format!("/api/v1/participants/{enrolled}"), None).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["code"], "conflict");
    assert_eq!(e["message"], common::said("error.people.delete_enrolled", &[]));
    let (s, _) =
        api.post(&format!("/api/v1/runs/{run_id}/enrollments/{enrolled}/cancel"), json!({})).await;
    assert_eq!(s, 200);
    let enrollments = app.count("enrollments");
    let (s, _) =
        api.send(reqwest::Method::DELETE, &format!("/api/v1/participants/{enrolled}"), None).await;
    assert_eq!(s, 204);
    assert_eq!(app.count("enrollments"), enrollments - 1, "the cancelled enrolment went along");

    // Took part (a past run, marked present): never deleted, only erased (the row stays
    // so counts stay right); cancelling does not help.
    let attended = common::register(&api, "War", "Da", None).await;
    let (_, past_run, modules) =
        common::plan_run(&api, "MS-ALT", 5, &[("Mietvertrag", true)]).await;
    let (s, session) = api
        .post(&format!("/api/v1/runs/{past_run}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}))
        .await;
    assert_eq!(s, 201, "{session}");
    api.post(&format!("/api/v1/runs/{past_run}/enrollments"), json!({"participant_id": attended}))
        .await;
    common::mark_present(&api, past_run, &[attended]).await;
    let (s, _) = api
        .post(&format!("/api/v1/runs/{past_run}/enrollments/{attended}/cancel"), json!({}))
        .await;
    assert_eq!(s, 200);
    let before = counts(&app);
    let (s, e) =
        api.send(reqwest::Method::DELETE, &format!("/api/v1/participants/{attended}"), None).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["message"], common::said("error.people.delete_history", &[]));
    let page = b.get(&format!("/participants/{attended}/delete")).await;
    assert!(page.body.contains("data-test=\"confirm-blocked\""));
    assert!(page.body.contains(&common::said("error.people.delete_history", &[])));
    assert!(page.body.contains(&format!("href=\"/participants/{attended}/erase\"")));
    assert!(!page.body.contains(&format!("href=\"/runs/{past_run}#participants\"")));
    assert_eq!(counts(&app), before, "refusals change nothing");

    // Another organisation's person: not found, nothing said about them.
    let theirs = common::register(&api_other, "Fremde", "Person", None).await;
    let (s, _) =
        api.send(reqwest::Method::DELETE, &format!("/api/v1/participants/{theirs}"), None).await;
    assert_eq!(s, 404);
    assert_eq!(b.get(&format!("/participants/{theirs}/delete")).await.status, 404);
    let posted = b.submit("/participants", &format!("/participants/{theirs}/delete"), &[]).await;
    assert_eq!(posted.status, 404);
    assert_eq!(api_other.get(&format!("/api/v1/participants/{theirs}")).await.0, 200);
}
both_backends!(
    participants_are_deleted_after_a_confirmation_unless_they_have_history,
    delete_participants
);

async fn delete_contacts(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("kontakte");
    let other = app.create_org("fremd");
    let api = app.api_token(&org.coordinator.email).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;

    let empty = b.get("/stakeholders").await;
    assert_eq!(data_test_count(&empty.body, "empty-state"), 1);
    assert!(empty.body.contains(&common::said("stakeholders.none", &[])));
    assert!(
        empty.body.contains("href=\"#new-contact\"") && empty.body.contains("href=\"#import\"")
    );

    let (s, c) = api
        .post("/api/v1/stakeholders", json!({"stakeholder_group": "landlord", "name": "Gerda Haus", "email": "gerda@example.org", "preferred_language": "de", "contact_consent": true}))
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let edit = b.get(&format!("/stakeholders/{id}")).await;
    assert!(edit.body.contains(&format!("href=\"/stakeholders/{id}/delete\"")));
    let before = counts(&app);
    let page = b.get(&format!("/stakeholders/{id}/delete")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Gerda Haus"));
    assert!(page.body.contains(&common::said("people.contact_delete.goes_contact", &[])));
    assert!(page.body.contains(&common::said("people.contact_delete.stays_results", &[])));
    assert_eq!(counts(&app), before, "the confirmation page changes nothing");

    let other_api = app.api_token(&other.coordinator.email).await;
    let (_, theirs) = other_api
        .post("/api/v1/stakeholders", json!({"stakeholder_group": "vhs", "name": "VHS", "preferred_language": "de", "contact_consent": false}))
        .await;
    let theirs = theirs["id"].as_i64().unwrap();
    assert_eq!(b.get(&format!("/stakeholders/{theirs}/delete")).await.status, 404);
    let (s, _) =
        api.send(reqwest::Method::DELETE, &format!("/api/v1/stakeholders/{theirs}"), None).await;
    assert_eq!(s, 404);

    let done = b
        .submit(&format!("/stakeholders/{id}/delete"), &format!("/stakeholders/{id}/delete"), &[])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(app.count("stakeholders"), 1, "only the other organisation's contact is left");
    assert_eq!(b.get(&format!("/stakeholders/{id}/delete")).await.status, 404);
}
both_backends!(contacts_are_deleted_after_a_confirmation, delete_contacts);

/// (field, value) pairs the referrer fields refuse, with the field the refusal names.
fn hostile_referrers() -> Vec<(&'static str, String)> {
    vec![
        ("referrer_name", "Frau\nWeber".into()),
        ("referrer_name", "Frau \u{202E}Weber".into()),
        ("referrer_name", "W".repeat(10_000)),
        ("referrer_organisation", "Caritas\r\nKöln".into()),
        ("referrer_organisation", "C".repeat(10_000)),
        ("referrer_contact", "weber@@caritas.example".into()),
        ("referrer_contact", "weber@caritas".into()),
        ("referrer_contact", "weber @caritas.example".into()),
        ("referrer_contact", "ruf mich an".into()),
        ("referrer_contact", "\u{2066}0171 2345678".into()),
    ]
}

async fn referrer_fields(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("vermittelt");
    let api = app.api_token(&org.coordinator.email).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;

    let form = [
        ("given_name", "Mariam"),
        ("family_name", "Ahmadi"),
        ("preferred_language", "fa"),
        ("consent", "on"),
        ("referrer_name", "Jana Weber"),
        ("referrer_organisation", "Caritas Altenburg"),
        ("referrer_contact", "Weber@Caritas.example"),
    ];
    let posted = b.submit("/participants", "/participants", &form).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let (_, list) = api.get("/api/v1/participants").await;
    let mariam = &list.as_array().unwrap()[0];
    assert_eq!(mariam["referrer_name"], "Jana Weber");
    assert_eq!(mariam["referrer_organisation"], "Caritas Altenburg");
    assert_eq!(mariam["referrer_contact"], "weber@caritas.example", "stored as an address");
    let page = b.get(&format!("/participants/{}", mariam["id"])).await;
    assert!(page.body.contains("Jana Weber") && page.body.contains("Caritas Altenburg"));

    // A phone number is a contact too, through the API.
    let (s, p) = api
        .post("/api/v1/participants", json!({"given_name": "Taras", "family_name": "Bondarenko", "preferred_language": "uk", "consent": true, "referrer_name": "Herr Klein", "referrer_contact": "+49 3447 12345"}))
        .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["referrer_contact"], "+49 3447 12345");

    let registered = app.count("participants");
    for (field, value) in hostile_referrers() {
        let mut body = json!({"given_name": "Olena", "family_name": "Koval", "preferred_language": "uk", "consent": true, "referrer_name": "Frau Weber"});
        body[field] = Value::String(value.clone());
        let (s, e) = api.post("/api/v1/participants", body).await;
        assert_eq!(s, 422, "{field}: {e}");
        assert_eq!(e["field"], field, "{e}");
        let mut fields: Vec<(&str, &str)> = vec![
            ("given_name", "Olena"),
            ("family_name", "Koval"),
            ("preferred_language", "uk"),
            ("consent", "on"),
        ];
        if field != "referrer_name" {
            fields.push(("referrer_name", "Frau Weber"));
        }
        fields.push((field, &value));
        let page = b.submit("/participants", "/participants", &fields).await;
        assert_eq!(page.status, 422, "{field}");
        assert!(
            page.body.contains(&format!("id=\"{field}-error\"")),
            "{field}: message at the field"
        );
        assert!(page.body.contains("value=\"Olena\""), "what was typed stays");
    }
    assert_eq!(app.count("participants"), registered, "nothing hostile was stored");
    let (s, e) = api
        .post("/api/v1/participants", json!({"given_name": "Olena", "family_name": "Koval", "preferred_language": "uk", "consent": true, "referrer_contact": "kein@mail"}))
        .await;
    assert_eq!(
        (s, e["message"].clone()),
        (422, json!(common::said("error.people.referrer_contact", &[])))
    );
}
both_backends!(referrer_fields_are_stored_shown_and_checked, referrer_fields);

async fn register_many(api: &Api, n: usize, prefix: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        // Family names sort as numbered, so the page's order is predictable.
        ids.push(common::register(api, "Person", &format!("{prefix}{i:02}"), None).await);
    }
    ids
}

async fn bulk_enrol(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("viele");
    let other = app.create_org("fremde");
    let api = app.api_token(&org.coordinator.email).await;
    let api_other = app.api_token(&other.coordinator.email).await;
    let (run_id, _) = open_run(&api, "MS-BULK", 10).await;
    let people = register_many(&api, 30, "Bulk").await;
    let url = format!("/api/v1/runs/{run_id}/enrollments");

    // In a chosen order: the first ten get places, the rest wait in that order.
    let mut order = people.clone();
    order.reverse();
    order.swap(3, 17);
    let mut with_repeat = order.clone();
    with_repeat.push(order[0]);
    let (s, out) = api.post(&url, json!({"participant_ids": with_repeat})).await;
    assert_eq!(s, 200, "{out}");
    assert_eq!((out["enrolled"].as_i64(), out["waiting"].as_i64()), (Some(10), Some(20)));
    let results = out["results"].as_array().unwrap();
    assert_eq!(results.len(), 30, "an id given twice counts once");
    let answered: Vec<i64> =
        results.iter().map(|r| r["participant_id"].as_i64().unwrap()).collect();
    assert_eq!(answered, order);
    assert!(results[..10]
        .iter()
        .all(|r| r["outcome"] == "enrolled" && r["enrollment"]["status"] == "enrolled"));
    assert!(results[10..].iter().all(|r| r["outcome"] == "waiting"));
    let (_, queue) = api.get(&format!("/api/v1/runs/{run_id}/waiting-list")).await;
    let queue: Vec<i64> =
        queue.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(queue, order[10..], "the waiting list keeps the order given");

    // Again: nobody changes.
    let (s, again) = api.post(&url, json!({"participant_ids": order})).await;
    assert_eq!(s, 200);
    assert_eq!(
        (again["enrolled"].as_i64(), again["waiting"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(0), Some(30))
    );
    assert_eq!(again["results"][0]["outcome"], "already_enrolled");
    assert_eq!(again["results"][29]["outcome"], "already_waiting");
    assert_eq!(app.count("enrollments"), 30);

    // The single form still answers as before.
    let single = common::register(&api, "Einzeln", "Person", None).await;
    let (s, e) = api.post(&url, json!({"participant_id": single})).await;
    assert_eq!((s, e["status"].as_str()), (201, Some("waiting")));
    let (s, _) = api.post(&url, json!({"participant_id": single})).await;
    assert_eq!(s, 409);

    // Refusals: all or nothing.
    let theirs = common::register(&api_other, "Fremde", "Person", None).await;
    let newcomer = common::register(&api, "Neu", "Person", None).await;
    let before = app.count("enrollments");
    let (s, _) = api.post(&url, json!({"participant_ids": [newcomer, theirs]})).await;
    assert_eq!(s, 404, "another organisation's person");
    let (s, _) = api.post(&url, json!({"participant_ids": [newcomer, 999_999]})).await;
    assert_eq!(s, 404);
    let (their_run, _) = open_run(&api_other, "MS-FREMD", 5).await;
    let (s, _) = api
        .post(
            &format!("/api/v1/runs/{their_run}/enrollments"),
            json!({"participant_ids": [newcomer]}),
        )
        .await;
    assert_eq!(s, 404, "another organisation's run");
    for body in [
        json!({"participant_ids": []}),
        json!({}),
        json!({"participant_id": newcomer, "participant_ids": [newcomer]}),
    ] {
        let (s, e) = api.post(&url, body.clone()).await;
        assert_eq!(s, 422, "{body}: {e}");
        assert_eq!(e["field"], "participant_ids");
    }
    let (s, e) = api.post(&url, json!({"participant_ids": vec![newcomer; 2001]})).await;
    assert_eq!(s, 200, "repeats count once: {e}");
    assert_eq!(app.count("enrollments"), before + 1);

    // Twice at the same time, overlapping: no one twice, places never beyond capacity.
    let (run2, _) = open_run(&api, "MS-PAR", 5).await;
    let ids2 = people[..12].to_vec();
    let mut reversed = ids2.clone();
    reversed.reverse();
    let send = |ids: Vec<i64>| {
        let client = api.client.clone();
        let url = app.url(&format!("/api/v1/runs/{run2}/enrollments"));
        let token = api.token.clone();
        async move {
            let resp = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"participant_ids": ids}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }
    };
    let (a, b2) = futures_util::future::join(send(ids2.clone()), send(reversed)).await;
    assert_eq!((a.0, b2.0), (200, 200), "{a:?} {b2:?}");
    let new = |r: &Value| r["enrolled"].as_i64().unwrap() + r["waiting"].as_i64().unwrap();
    assert_eq!(new(&a.1) + new(&b2.1), 12, "each person enrolled once: {a:?} {b2:?}");
    let (_, held) = api.get(&format!("/api/v1/runs/{run2}/participants")).await;
    let (_, waiting) = api.get(&format!("/api/v1/runs/{run2}/waiting-list")).await;
    assert_eq!(held.as_array().unwrap().len(), 5);
    assert_eq!(waiting.as_array().unwrap().len(), 7);
}
both_backends!(many_are_enrolled_at_once_in_order_and_never_twice, bulk_enrol);

async fn bulk_enrol_page(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("seite");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, _) = open_run(&api, "MS-SEITE", 2).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let run_path = format!("/runs/{run_id}");
    let page = b.get(&run_path).await;
    assert_eq!(data_test_count(&page.body, "bulk-enrol"), 0, "nobody registered yet");

    let people = register_many(&api, 4, "Seite").await;
    common::register(&api, "Amina", "Haddad", Some("amina@example.org")).await;
    let page = b.get(&run_path).await;
    assert_eq!(data_test_count(&page.body, "enrol-candidate"), 5);
    // The filter works without JavaScript: a GET with ?q=.
    assert!(page.body.contains("method=\"get\"") && page.body.contains("name=\"q\""));
    let filtered = b.get(&format!("{run_path}?q=amina%40EXAMPLE")).await;
    assert_eq!(data_test_count(&filtered.body, "enrol-candidate"), 1);
    assert!(filtered.body.contains("Haddad, Amina"));
    let none = b.get(&format!("{run_path}?q=niemand")).await;
    assert_eq!(data_test_count(&none.body, "enrol-no-match"), 1);

    let before = app.count("enrollments");
    let refused = b.submit(&run_path, &format!("/runs/{run_id}/enrollments"), &[]).await;
    assert_eq!(refused.status, 422, "nothing chosen");
    assert!(refused.body.contains(&common::said("error.people.choose_participants", &[])));
    assert_eq!(app.count("enrollments"), before);

    let chosen: Vec<String> = people[..3].iter().map(|p| p.to_string()).collect();
    let fields: Vec<(&str, &str)> =
        chosen.iter().map(|id| ("participant_ids", id.as_str())).collect();
    let done = b.submit(&run_path, &format!("/runs/{run_id}/enrollments"), &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(format!("/runs/{run_id}#participants").as_str()));
    let page = b.get(&run_path).await;
    let said = common::said("done.people_enrolled", &[("enrolled", "2"), ("waiting", "1")]);
    assert!(page.body.contains(&said), "the banner says how many: {said}");
    assert_eq!(data_test_count(&page.body, "enrol-candidate"), 2, "the others are left");
    let (_, queue) = api.get(&format!("/api/v1/runs/{run_id}/waiting-list")).await;
    assert_eq!(queue[0]["id"].as_i64(), Some(people[2]));
}
both_backends!(the_run_page_enrols_the_ticked_people, bulk_enrol_page);

fn cp1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

async fn send_list(app: &TestApp, api: &Api, path: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = api
        .client
        .post(app.url(path))
        .bearer_auth(&api.token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn excel_csv(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("excel");
    let api = app.api_token(&org.coordinator.email).await;

    // As German Excel saves "CSV (Trennzeichen-getrennt)": Windows-1252, semicolons, CRLF.
    let excel = cp1252(
        "Vorname;Familienname;Sprache;Einwilligung;Vermittelt von;Träger\r\n\
         Jürgen;Weiß-Öztürk;Deutsch;ja;Frau Müller;Caritas Köln\r\n\
         Zoë;Ärzteß;türkisch;12.01.2026;;\r\n",
    );
    assert!(std::str::from_utf8(&excel).is_err());
    let (s, out) = send_list(&app, &api, "/api/v1/participants/import", excel).await;
    assert_eq!(s, 200, "{out}");
    assert_eq!(out["imported"], 2, "{out}");
    let (_, list) = api.get("/api/v1/participants").await;
    let names: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["given_name"].as_str().unwrap().into(), p["family_name"].as_str().unwrap().into())
        })
        .collect();
    assert!(names.contains(&("Jürgen".into(), "Weiß-Öztürk".into())), "{names:?}");
    assert!(names.contains(&("Zoë".into(), "Ärzteß".into())), "{names:?}");
    let juergen = list.as_array().unwrap().iter().find(|p| p["given_name"] == "Jürgen").unwrap();
    assert_eq!(juergen["referrer_organisation"], "Caritas Köln");
    assert_eq!(juergen["referrer_name"], "Frau Müller");

    // "CSV UTF-8" with a byte order mark, and commas.
    let bom = "\u{feff}Vorname,Familienname,Sprache,Einwilligung\nŞükrü,Çelik,tr,ja\n"
        .as_bytes()
        .to_vec();
    let (s, out) = send_list(&app, &api, "/api/v1/participants/import", bom).await;
    assert_eq!((s, out["imported"].as_i64()), (200, Some(1)), "{out}");
    let (_, list) = api.get("/api/v1/participants").await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["given_name"] == "Şükrü" && p["family_name"] == "Çelik"));

    // The contact list reads the same files.
    let contacts = cp1252(
        "Gruppe;Name;Organisation;Einverständnis\r\nVermieter;Günther Süß;Wohnbau Süd €;ja\r\n",
    );
    let (s, out) = send_list(&app, &api, "/api/v1/stakeholders/import", contacts).await;
    assert_eq!((s, out["imported"].as_i64()), (200, Some(1)), "{out}");
    let (_, list) = api.get("/api/v1/stakeholders").await;
    assert_eq!(list[0]["name"], "Günther Süß");
    assert_eq!(list[0]["organisation_name"], "Wohnbau Süd €");
}
both_backends!(german_excel_csv_and_utf8_with_bom_are_imported_exactly, excel_csv);

async fn upload(b: &Browser, bytes: &[u8]) -> String {
    let csrf = b.get("/participants").await.csrf();
    let sent = b.upload_file("/participants/import", &csrf, "liste.csv", bytes).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    sent.location.expect("the preview")
}

const THREE: &str = "Vorname;Familienname;Sprache;Einwilligung\nAnna;Eins;ar;ja\nBernd;Zwei;ar;ja\nCem;Drei;tr;ja\nOhne;Einwilligung;de;nein\n";

async fn import_into_run(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("import-lauf");
    let other = app.create_org("import-fremd");
    let api = app.api_token(&org.coordinator.email).await;
    let api_other = app.api_token(&other.coordinator.email).await;
    let (run_id, _) = open_run(&api, "MS-IMP", 2).await;
    let (their_run, _) = open_run(&api_other, "MS-IMPF", 2).await;

    // API: a dry run checks the run too and saves nothing; another organisation's run is
    // not found and nobody is saved.
    let path =
        |run: i64, dry: bool| format!("/api/v1/participants/import?run_id={run}&dry_run={dry}");
    let (s, out) = send_list(&app, &api, &path(run_id, true), THREE.into()).await;
    assert_eq!(
        (s, out["valid"].as_i64(), out["imported"].as_i64()),
        (200, Some(3), Some(0)),
        "{out}"
    );
    let (s, _) = send_list(&app, &api, &path(their_run, false), THREE.into()).await;
    assert_eq!(s, 404);
    let (s, _) = send_list(&app, &api, &path(their_run, true), THREE.into()).await;
    assert_eq!(s, 404);
    assert_eq!(app.count("participants"), 0);
    let (s, out) = send_list(&app, &api, &path(run_id, false), THREE.into()).await;
    assert_eq!(s, 200, "{out}");
    assert_eq!(
        (out["imported"].as_i64(), out["enrolled"].as_i64(), out["waiting"].as_i64()),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(out["run_id"].as_i64(), Some(run_id));
    let (_, queue) = api.get(&format!("/api/v1/runs/{run_id}/waiting-list")).await;
    assert_eq!(queue[0]["family_name"], "Drei", "the file's order");

    // The browser: the preview offers the open runs, the confirmation enrols and says so.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let (run2, _) = open_run(&api, "MS-IMP2", 2).await;
    let list = "Vorname;Familienname;Sprache;Einwilligung\nDora;Vier;ar;ja\nEmil;Fünf;ar;ja\nFatma;Sechs;tr;ja\n";
    let preview_path = upload(&b, list.as_bytes()).await;
    let preview = b.get(&preview_path).await;
    assert_eq!(preview.status, 200);
    assert!(preview.body.contains("data-test=\"import-run\""));
    assert!(preview.body.contains(&format!("<option value=\"{run2}\">")));
    assert!(!preview.body.contains(&format!("<option value=\"{their_run}\">")));
    let run2_s = run2.to_string();
    let done = b.submit(&preview_path, &preview_path, &[("run_id", run2_s.as_str())]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(format!("/runs/{run2}#participants").as_str()));
    let page = b.get(&format!("/runs/{run2}")).await;
    let said = common::said(
        "done.people_imported_into_run",
        &[("count", "3"), ("enrolled", "2"), ("waiting", "1")],
    );
    assert!(page.body.contains(&said), "{said}");

    // Another organisation's run chosen by hand: not found, nothing saved, the list kept.
    let preview_path =
        upload(&b, "Vorname;Familienname;Einwilligung\nGül;Sieben;ja\n".as_bytes()).await;
    let registered = app.count("participants");
    let their = their_run.to_string();
    let refused = b.submit(&preview_path, &preview_path, &[("run_id", their.as_str())]).await;
    assert_eq!(refused.status, 404);
    assert_eq!(app.count("participants"), registered);
    let plain = b.submit(&preview_path, &preview_path, &[("run_id", "")]).await;
    assert_eq!(plain.location.as_deref(), Some("/participants"));
    assert_eq!(app.count("participants"), registered + 1);
}
both_backends!(a_list_is_imported_straight_into_a_run, import_into_run);

async fn empty_participants(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("leer");
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get("/participants").await;
    assert_eq!(data_test_count(&page.body, "empty-state"), 1);
    let sentence = format!(
        "{} <a href=\"#new-person\">{}</a> {} <a href=\"#import\">{}</a>",
        common::said("people.empty.before", &[]),
        common::said("people.empty.create", &[]),
        common::said("people.empty.or", &[]),
        common::said("people.empty.import", &[]),
    );
    assert!(page.body.contains(&sentence), "{sentence}");
    assert!(page.body.contains("id=\"new-person\"") && page.body.contains("id=\"import\""));
    let api = app.api_token(&org.coordinator.email).await;
    common::register(&api, "Erste", "Person", None).await;
    let page = b.get("/participants").await;
    assert_eq!(data_test_count(&page.body, "empty-state"), 0);
    assert_eq!(data_test_count(&page.body, "delete-link"), 1);
}
both_backends!(the_empty_participant_list_says_what_to_do, empty_participants);

/// Deleting a person while someone enrols them (another tab, a referrer, a retry): each
/// request ends in a clear answer, never a 500, and no enrolment is left without its person.
async fn delete_while_enrolling(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("wettlauf");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, _) = open_run(&api, "MS-RACE", 50).await;
    let people = register_many(&api, 12, "Race").await;
    let rounds = people.iter().map(|pid| {
        let api = &api;
        async move {
            let (enrol_path, person) = (
                format!("/api/v1/runs/{run_id}/enrollments"),
                format!("/api/v1/participants/{pid}"),
            );
            let enrol = api.post(&enrol_path, json!({"participant_id": pid}));
            let delete = api.send(reqwest::Method::DELETE, &person, None);
            let ((e, eb), (d, db)) = futures_util::future::join(enrol, delete).await;
            (e, eb, d, db)
        }
    });
    for (e, eb, d, db) in futures_util::future::join_all(rounds).await {
        assert!([200, 201, 404, 409].contains(&e), "enrolment answered {e}: {eb}");
        assert!([200, 204, 404, 409].contains(&d), "deletion answered {d}: {db}");
        assert!(eb.get("message").is_none_or(|m| m.is_string()), "{eb}");
    }
    let orphans =
        app.count("enrollments WHERE participant_id NOT IN (SELECT id FROM participants)");
    assert_eq!(orphans, 0);
    app.assert_rules_hold();
}
both_backends!(deleting_while_enrolling_answers_clearly, delete_while_enrolling);
