//! Correcting the plan (issue 14): every entity edited through its form and its API and
//! read back; issued certificates keep what they print after a typo fix; what has history
//! is archived instead of deleted, and archived places leave the session form; no second
//! place of the same name; the runs overview by date; the calendar by range and the
//! check-in cards in the API; other organisations' ids answer 404, trainers 403; hostile
//! text is refused without changing anything.

use chrono::Duration;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Api, Backend};

async fn delete(api: &Api, path: &str) -> (u16, Value) {
    api.send(Method::DELETE, path, None).await
}

/// A course with one module, a run and a session of the run (through the API):
/// (course, module, run, session).
async fn planned(api: &Api, code: &str) -> (i64, i64, i64, i64) {
    let (course, run, modules) = common::plan_run(api, code, 10, &[("Mietvertrag", true)]).await;
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run}/sessions"),
            json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T11:00", "module_ids": modules}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    (course, modules[0], run, session["id"].as_i64().unwrap())
}

fn local_day(offset: i64) -> String {
    (mietschulung::time::today_local() + Duration::days(offset)).to_string()
}

async fn every_entity_is_edited_by_form_and_api(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("korrektur");
    let api = app.api_token(&org.coordinator.email).await;
    let (course, module, run, session) = planned(&api, "KORR").await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;

    // Course: the form, then the API.
    let page = b
        .submit(
            &format!("/courses/{course}/edit"),
            &format!("/courses/{course}/edit"),
            &[("code", "KORR"), ("title", "Wohnführerschein"), ("description", "Neu")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (_, c) = api.get(&format!("/api/v1/courses/{course}")).await;
    assert_eq!(
        (c["course"]["title"].as_str(), c["course"]["description"].as_str()),
        (Some("Wohnführerschein"), Some("Neu"))
    );
    let (s, saved) = api
        .put(
            &format!("/api/v1/courses/{course}"),
            json!({"code": "KORR2", "title": "Mietführerschein", "description": ""}),
        )
        .await;
    assert_eq!(s, 200, "{saved}");
    let (_, c) = api.get(&format!("/api/v1/courses/{course}")).await;
    assert_eq!(
        (c["course"]["code"].as_str(), c["course"]["title"].as_str()),
        (Some("KORR2"), Some("Mietführerschein"))
    );

    // Module: the form, then the API; order both ways.
    let page = b
        .submit(
            &format!("/courses/{course}/modules/{module}/edit"),
            &format!("/courses/{course}/modules/{module}/edit"),
            &[("title", "Der Mietvertrag"), ("duration_minutes", "90"), ("description", "")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (_, c) = api.get(&format!("/api/v1/courses/{course}")).await;
    assert_eq!(c["modules"][0]["title"], "Der Mietvertrag");
    assert_eq!(c["modules"][0]["duration_minutes"], 90);
    assert_eq!(c["modules"][0]["mandatory"], false, "an unticked box is not mandatory");
    let (s, m) = api
        .put(
            &format!("/api/v1/courses/{course}/modules/{module}"),
            json!({"title": "Mietvertrag", "duration_minutes": 60, "mandatory": true}),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    let (_, second) = api
        .post(
            &format!("/api/v1/courses/{course}/modules"),
            json!({"title": "Nebenkosten", "duration_minutes": 30}),
        )
        .await;
    let (s, order) =
        api.post(&format!("/api/v1/courses/{course}/modules/{module}/down"), json!({})).await;
    assert_eq!(s, 200, "{order}");
    assert_eq!(order[0]["id"], second["id"]);
    let (_, order) =
        api.post(&format!("/api/v1/courses/{course}/modules/{module}/up"), json!({})).await;
    assert_eq!(order[0]["id"].as_i64(), Some(module));

    // Location: the form, then the API.
    let (s, loc) = api.post("/api/v1/locations", json!({"name": "Rathaus", "room": "1.12"})).await;
    assert_eq!(s, 201, "{loc}");
    let lid = loc["id"].as_i64().unwrap();
    let page = b
        .submit(
            &format!("/locations/{lid}/edit"),
            &format!("/locations/{lid}/edit"),
            &[("name", "Rathaus Altenburg"), ("room", "2.01"), ("capacity", "12"), ("address", "")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (_, l) = api.get(&format!("/api/v1/locations/{lid}")).await;
    assert_eq!((l["name"].as_str(), l["capacity"].as_i64()), (Some("Rathaus Altenburg"), Some(12)));
    let (s, l) = api
        .put(&format!("/api/v1/locations/{lid}"), json!({"name": "Rathaus", "room": "2.02"}))
        .await;
    assert_eq!((s, l["room"].as_str()), (200, Some("2.02")), "{l}");

    // Run: its own page, then the API (which participants' schedule handles).
    let page = b
        .submit(
            &format!("/runs/{run}/edit"),
            &format!("/runs/{run}/edit"),
            &[
                ("start_date", "2026-03-01"),
                ("end_date", "2026-03-30"),
                ("place", "Rathaus"),
                ("capacity", "12"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (_, r) = api.get(&format!("/api/v1/runs/{run}")).await;
    assert_eq!(
        (r["run"]["capacity"].as_i64(), r["run"]["end_date"].as_str()),
        (Some(12), Some("2026-03-30"))
    );
    // A refused run form keeps what was typed.
    let page = b
        .submit(
            &format!("/runs/{run}/edit"),
            &format!("/runs/{run}/edit"),
            &[
                ("start_date", "2026-03-01"),
                ("end_date", "2026-02-01"),
                ("place", "Getippter Ort"),
                ("capacity", "12"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("Getippter Ort"), "typed input kept");

    // Session: the form chooses a registered place; then the API by id.
    let page = b
        .submit(
            &format!("/sessions/{session}/edit"),
            &format!("/sessions/{session}"),
            &[
                ("date", "2026-03-03"),
                ("start", "10:00"),
                ("end", "12:00"),
                ("location_id", &lid.to_string()),
                ("module_ids", &module.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (_, r) = api.get(&format!("/api/v1/runs/{run}")).await;
    assert_eq!(r["sessions"][0]["location_id"].as_i64(), Some(lid));
    assert_eq!(r["sessions"][0]["starts_at_local"], "10:00");
    let (s, body) = api
        .put(&format!("/api/v1/sessions/{session}"), json!({"starts_at": "2026-03-04T09:00", "ends_at": "2026-03-04T10:00", "location_id": lid}))
        .await;
    assert_eq!(s, 200, "{body}");
    let (_, r) = api.get(&format!("/api/v1/runs/{run}")).await;
    assert_eq!(r["sessions"][0]["date"], "04.03.2026");
}
both_backends!(every_entity_edited, every_entity_is_edited_by_form_and_api);

/// The text of a PDF, where pdftotext is installed.
fn pdf_text(app: &common::TestApp, pdf: &[u8], name: &str) -> Option<String> {
    if !common::tool_available("pdftotext") {
        return None;
    }
    let path = app.data_dir.path().join(name);
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn a_typo_fix_leaves_issued_certificates_as_issued(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("tippfehler");
    let api = app.api_token(&org.coordinator.email).await;
    let (course, run, modules) =
        common::plan_run(&api, "TIPP", 10, &[("Mietvertrg lesen", true)]).await;
    let (s, _) = api
        .post(&format!("/api/v1/runs/{run}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}))
        .await;
    assert_eq!(s, 201);
    let pid = common::register(&api, "Amina", "Haddad", None).await;
    api.post(&format!("/api/v1/runs/{run}/enrollments"), json!({"participant_id": pid})).await;
    common::mark_present(&api, run, &[pid]).await;
    let (s, summary) = api.post(&format!("/api/v1/runs/{run}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    let cert = summary["issued"][0]["id"].as_i64().unwrap();
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let (s, _, before) = b.get_bytes(&format!("/certificates/{cert}/pdf")).await;
    assert_eq!(s, 200);
    let url_before = common::pdf_qr::decode_qr_from_pdf(&before).expect("QR");

    // The typo is fixed in the module, the course gets a new title, the run moves.
    let (s, saved) = api
        .put(
            &format!("/api/v1/courses/{course}/modules/{}", modules[0]),
            json!({"title": "Mietvertrag lesen", "duration_minutes": 90, "mandatory": true}),
        )
        .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["certificates_with_older_text"][0]["certificates"], 1, "{saved}");
    let page = b
        .submit(
            &format!("/courses/{course}/edit"),
            &format!("/courses/{course}/edit"),
            &[("code", "TIPP"), ("title", "Wohnen in Deutschland"), ("description", "")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let banner = b.get(page.location.as_deref().unwrap()).await;
    assert!(banner.body.contains("data-test=\"flash\""), "{}", banner.body);
    assert!(banner.body.contains("data-test=\"older-text\""), "the course page says so");
    assert!(
        banner.body.contains(&format!("/runs/{run}#certificates")),
        "and leads to the run's certificates"
    );
    let (s, body) = api
        .put(&format!("/api/v1/runs/{run}"), json!({"start_date": "2026-03-01", "end_date": "2026-03-30", "place": "Anderswo", "capacity": 10}))
        .await;
    assert_eq!(s, 200, "{body}");

    let (_, _, after) = b.get_bytes(&format!("/certificates/{cert}/pdf")).await;
    let url_after = common::pdf_qr::decode_qr_from_pdf(&after).expect("QR");
    assert_eq!(url_before, url_after, "the signed token is the same");
    if let (Some(t1), Some(t2)) =
        (pdf_text(&app, &before, "a.pdf"), pdf_text(&app, &after, "b.pdf"))
    {
        assert_eq!(t1, t2, "the PDF prints the same text after the corrections");
        assert!(t2.contains("Mietvertrg") && !t2.contains("Mietvertrag lesen"), "{t2}");
        assert!(!t2.contains("Anderswo") && !t2.contains("Wohnen in Deutschland"), "{t2}");
    } else {
        common::skip("pdftotext missing", "printed text");
    }
    // The check still says valid.
    let landlord = app.browser();
    let page = landlord.get(&url_after[app.base.len()..]).await;
    assert_eq!(common::verdict(&page.body), Some("valid"), "{}", page.body);
    // A new certificate (reissue) prints the corrected text.
    let (s, new) = api
        .post(
            &format!("/api/v1/certificates/{cert}/reissue"),
            json!({"given_name": "Amina", "family_name": "Haddad-Said"}),
        )
        .await;
    assert_eq!(s, 200, "{new}");
    let (_, _, fresh) = b.get_bytes(&format!("/certificates/{}/pdf", new["id"])).await;
    if let Some(t) = pdf_text(&app, &fresh, "c.pdf") {
        assert!(t.contains("Mietvertrag lesen") && t.contains("Wohnen in Deutschland"), "{t}");
    }
    let (_, saved) = api
        .put(
            &format!("/api/v1/courses/{course}"),
            json!({"code": "TIPP", "title": "Wohnen in Deutschland"}),
        )
        .await;
    assert_eq!(
        saved["certificates_with_older_text"],
        json!([]),
        "the replacement prints the new text"
    );
}
both_backends!(typo_fix_keeps_certificates, a_typo_fix_leaves_issued_certificates_as_issued);

async fn what_has_history_is_archived_not_deleted(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("archiv");
    let api = app.api_token(&org.coordinator.email).await;
    let (course, _module, run, _session) = planned(&api, "ARCH").await;
    let (_, loc) = api.post("/api/v1/locations", json!({"name": "Bürgerhaus"})).await;
    let lid = loc["id"].as_i64().unwrap();
    // A session that was held at the place, with a participant marked.
    let (_, run_detail) = api.get(&format!("/api/v1/runs/{run}")).await;
    let sid = run_detail["sessions"][0]["id"].as_i64().unwrap();
    let (s, body) = api
        .put(&format!("/api/v1/sessions/{sid}"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T11:00", "location_id": lid}))
        .await;
    assert_eq!(s, 200, "{body}");
    let pid = common::register(&api, "Bodo", "Kraus", None).await;
    api.post(&format!("/api/v1/runs/{run}/enrollments"), json!({"participant_id": pid})).await;
    common::mark_present(&api, run, &[pid]).await;

    // The API refuses, naming the way out.
    for path in [
        format!("/api/v1/runs/{run}"),
        format!("/api/v1/courses/{course}"),
        format!("/api/v1/locations/{lid}"),
        format!("/api/v1/sessions/{sid}"),
    ] {
        let (s, body) = delete(&api, &path).await;
        assert_eq!(s, 409, "{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }

    // The confirmation page offers archiving instead, and its GET changes nothing.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let counts = || {
        ["course_runs", "courses", "locations", "training_sessions", "audit_log"]
            .map(|t| app.count(t))
    };
    let before = counts();
    let page = b.get(&format!("/runs/{run}/delete")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("action=\"/runs/{run}/archive\"")), "{}", page.body);
    assert!(page.body.contains(&common::said("plan.archive.button", &[])));
    let page = b.get(&format!("/sessions/{sid}/delete")).await;
    assert!(
        page.body.contains("data-test=\"confirm-blocked\"") && page.body.contains("disabled"),
        "{}",
        page.body
    );
    assert!(page.body.contains("aria-describedby=\"confirm-blocked\""));
    b.get(&format!("/courses/{course}/delete")).await;
    b.get(&format!("/locations/{lid}/delete")).await;
    assert_eq!(before, counts(), "a confirmation page performs nothing");
    // Posting the deletion anyway is refused.
    let page = b.submit(&format!("/runs/{run}/delete"), &format!("/runs/{run}/delete"), &[]).await;
    assert_eq!(page.status, 409, "{}", page.body);

    // Archived: gone from the lists and the choices, shown by the filter, restorable.
    let page = b
        .submit(&format!("/locations/{lid}/delete"), &format!("/locations/{lid}/archive"), &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (_, list) = api.get("/api/v1/locations").await;
    assert!(!list.as_array().unwrap().iter().any(|l| l["id"] == lid), "{list}");
    let (_, list) = api.get("/api/v1/locations?archived=true").await;
    assert!(
        list.as_array().unwrap().iter().any(|l| l["id"] == lid && l["archived_at"].is_string()),
        "{list}"
    );
    let (s, _) = api.get("/api/v1/locations?archived=maybe").await;
    assert_eq!(s, 422);
    let (_, run2, _) = common::plan_run(&api, "ARCH2", 5, &[("Modul", true)]).await;
    let page = b.get(&format!("/runs/{run2}")).await;
    assert!(
        !page.body.contains("Bürgerhaus"),
        "an archived place is no choice in the session form"
    );
    let (s, body) = api
        .post(&format!("/api/v1/runs/{run2}/sessions"), json!({"starts_at": "2026-03-05T09:00", "ends_at": "2026-03-05T10:00", "location_id": lid}))
        .await;
    assert_eq!((s, body["field"].as_str()), (422, Some("location_id")), "{body}");
    let page = b.get(&format!("/sessions/{sid}/edit")).await;
    assert!(page.body.contains("Bürgerhaus"), "the session keeps the place it was held at");
    let page = b.get("/locations").await;
    assert!(!page.body.contains("Bürgerhaus"));
    let page = b.get("/locations?archive=1").await;
    assert!(page.body.contains("Bürgerhaus") && page.body.contains("data-test=\"archived\""));
    let (s, _) = api.post(&format!("/api/v1/locations/{lid}/restore"), json!({})).await;
    assert_eq!(s, 200);
    assert!(b.get(&format!("/runs/{run2}")).await.body.contains("Bürgerhaus"));

    let (s, r) = api.post(&format!("/api/v1/runs/{run}/archive"), json!({})).await;
    assert_eq!((s, r["archived_at"].is_string()), (200, true), "{r}");
    let page = b.get(&format!("/courses/{course}")).await;
    assert!(
        !page.body.contains(&format!("data-test=\"run-{run}\""))
            && page.body.contains("data-test=\"archive-filter\"")
    );
    assert!(b
        .get(&format!("/courses/{course}?archive=1"))
        .await
        .body
        .contains(&format!("data-test=\"run-{run}\"")));
    let (s, c) = api.post(&format!("/api/v1/courses/{course}/archive"), json!({})).await;
    assert_eq!(s, 200, "{c}");
    let (_, courses) = api.get("/api/v1/courses").await;
    assert!(!courses.as_array().unwrap().iter().any(|c| c["id"] == course));
    let (s, body) = api
        .post(&format!("/api/v1/courses/{course}/runs"), json!({"start_date": "2026-12-01", "end_date": "2026-12-02", "place": "X", "capacity": 3}))
        .await;
    assert_eq!(s, 409, "no new runs in an archived course: {body}");
    let page =
        b.submit(&format!("/courses/{course}"), &format!("/courses/{course}/restore"), &[]).await;
    assert_eq!(page.status, 303);
    let (_, courses) = api.get("/api/v1/courses").await;
    assert!(courses.as_array().unwrap().iter().any(|c| c["id"] == course));
}
both_backends!(history_archived, what_has_history_is_archived_not_deleted);

async fn what_has_no_history_is_deleted_after_confirmation(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("loeschen");
    let api = app.api_token(&org.coordinator.email).await;
    let (course, module, run, session) = planned(&api, "WEG").await;
    let (_, loc) = api.post("/api/v1/locations", json!({"name": "Leerer Raum"})).await;
    let lid = loc["id"].as_i64().unwrap();
    let b = app.browser();
    b.login(&org.coordinator.email).await;

    // The confirmation says what goes and what stays; the button is a warning.
    let page = b.get(&format!("/runs/{run}/delete")).await;
    assert!(
        page.body.contains("data-test=\"confirm-goes\"")
            && page.body.contains("data-test=\"confirm-stays\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("button-warning"));
    let page = b
        .submit(&format!("/sessions/{session}/delete"), &format!("/sessions/{session}/delete"), &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = b
        .submit(
            &format!("/courses/{course}/modules/{module}/delete"),
            &format!("/courses/{course}/modules/{module}/delete"),
            &[],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = b
        .submit(&format!("/locations/{lid}/delete"), &format!("/locations/{lid}/delete"), &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (s, _) = delete(&api, &format!("/api/v1/runs/{run}")).await;
    assert_eq!(s, 204);
    let (s, _) = api.get(&format!("/api/v1/runs/{run}")).await;
    assert_eq!(s, 404);
    let (s, _) = delete(&api, &format!("/api/v1/courses/{course}")).await;
    assert_eq!(s, 204);
    let (s, _) = api.get(&format!("/api/v1/courses/{course}")).await;
    assert_eq!(s, 404);
    assert_eq!(
        (app.count("course_modules"), app.count("locations"), app.count("training_sessions")),
        (0, 0, 0)
    );
    // A session of a run people are enrolled in is cancelled, not deleted.
    let (_, run, modules) =
        common::plan_run_between(&api, "WEG2", 5, &[("M", true)], &local_day(1), &local_day(9))
            .await;
    let (_, future) = api
        .post(&format!("/api/v1/runs/{run}/sessions"), json!({"starts_at": local_day(2) + "T09:00", "ends_at": local_day(2) + "T10:00", "module_ids": modules}))
        .await;
    let pid = common::register(&api, "Clara", "Zorn", None).await;
    api.post(&format!("/api/v1/runs/{run}/enrollments"), json!({"participant_id": pid})).await;
    let (s, body) = delete(&api, &format!("/api/v1/sessions/{}", future["id"])).await;
    assert_eq!(s, 409, "people enrolled would not be told: {body}");
    let (s, _) = api.post(&format!("/api/v1/sessions/{}/cancel", future["id"]), json!({})).await;
    assert_eq!(s, 204, "cancelling tells them");
    let (s, _) = delete(&api, &format!("/api/v1/sessions/{}", future["id"])).await;
    assert_eq!(s, 204, "a cancelled session without marks or reminders goes");
}
both_backends!(no_history_deleted, what_has_no_history_is_deleted_after_confirmation);

async fn no_second_place_of_the_same_name(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("orte");
    let api = app.api_token(&org.coordinator.email).await;
    let (s, first) = api.post("/api/v1/locations", json!({"name": "Rathaus Saal"})).await;
    assert_eq!(s, 201);
    let (s, body) = api.post("/api/v1/locations", json!({"name": "  rathaus   SAAL "})).await;
    assert_eq!(s, 409, "{body}");
    assert!(body["message"].as_str().unwrap().contains("Rathaus Saal"), "{body}");
    let (_, other) = api.post("/api/v1/locations", json!({"name": "Schule"})).await;
    let (s, _) = api
        .put(&format!("/api/v1/locations/{}", other["id"]), json!({"name": "RATHAUS saal"}))
        .await;
    assert_eq!(s, 409);
    assert_eq!(app.count("locations"), 2);
    // The page names and links the existing place, and keeps what was typed.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b
        .submit("/locations", "/locations", &[("name", "rathaus saal"), ("room", "Getippt")])
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("data-test=\"duplicate-of\""));
    assert!(page.body.contains(&format!("/locations/{}/edit", first["id"])));
    assert!(page.body.contains("Getippt"));
    // A session naming the place (API) reuses it, case and spaces aside.
    let (_, run, _) = common::plan_run(&api, "ORT", 5, &[("M", true)]).await;
    let (s, session) = api
        .post(&format!("/api/v1/runs/{run}/sessions"), json!({"starts_at": "2026-03-05T09:00", "ends_at": "2026-03-05T10:00", "location": "rathaus  saal"}))
        .await;
    assert_eq!(s, 201, "{session}");
    assert_eq!(session["location_id"], first["id"]);
    assert_eq!(app.count("locations"), 2);
}
both_backends!(no_duplicate_places, no_second_place_of_the_same_name);

async fn a_new_place_returns_to_the_session_form(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("neuerort");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run, modules) = common::plan_run(&api, "NEU", 5, &[("M", true), ("N", false)]).await;
    let trainer = org.trainer.user_id.0.to_string();
    let module = modules[1].to_string();
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get(&format!("/runs/{run}")).await;
    let new_place = format!("formaction=\"/locations/new?for_run={run}\"");
    assert!(page.body.contains(&new_place), "a button of the session form: {}", page.body);

    // "Neuen Ort anlegen" sends what was typed along (and a stray key stays behind).
    let typed: &[(&str, &str)] = &[
        ("date", "2026-03-07"),
        ("start", "14:15"),
        ("end", "16:45"),
        ("trainer_ids", &trainer),
        ("module_ids", &module),
        ("interpreter_languages", "ar"),
        ("interpreter_languages", "ti"),
        ("location_id", ""),
        ("smuggled", "x\r\nSet-Cookie: a=b"),
    ];
    let page =
        b.submit(&format!("/runs/{run}"), &format!("/locations/new?for_run={run}"), typed).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"draft\""), "{}", page.body);
    assert!(!page.body.contains("smuggled"), "only the session form's own fields ride along");
    assert!(!page.body.contains("csrf_token="), "no CSRF token in the draft");

    // A refused place keeps the draft; the saved one leads back with everything typed.
    let draft = common::attribute_of(&page.body, "name=\"draft\"", "value").expect("draft");
    let refused = b
        .submit(
            "/locations/new",
            "/locations",
            &[("name", " "), ("for_run", &run.to_string()), ("draft", &draft)],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(common::attribute_of(&refused.body, "name=\"draft\"", "value"), Some(draft.clone()));
    let page = b
        .submit(
            "/locations/new",
            "/locations",
            &[("name", "Jugendzentrum"), ("for_run", &run.to_string()), ("draft", &draft)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let back = page.location.unwrap();
    assert!(back.starts_with(&format!("/runs/{run}?")) && back.ends_with("#sessions"), "{back}");
    assert!(!back.contains("smuggled") && !back.contains('\n'), "{back}");
    let lid = back.split("location_id=").nth(1).unwrap().split('#').next().unwrap().to_string();
    let page = b.get(&back).await;
    let body = &page.body;
    assert!(body.contains(&format!("<option value=\"{lid}\" selected>Jugendzentrum")), "{body}");
    assert!(body.contains("value=\"2026-03-07\""), "the date typed: {body}");
    assert!(body.contains("value=\"14:15\"") && body.contains("value=\"16:45\""));
    let ticked = |name: &str, value: &str| {
        body.contains(&format!("name=\"{name}\" value=\"{value}\" checked"))
    };
    assert!(ticked("trainer_ids", &trainer), "the trainer stays ticked");
    assert!(ticked("module_ids", &module) && !ticked("module_ids", &modules[0].to_string()));
    assert!(ticked("interpreter_languages", "ar") && ticked("interpreter_languages", "ti"));
    assert!(!ticked("interpreter_languages", "fa"));

    // Saving the session as it came back plans exactly what was typed, at the new place.
    let mut fields: Vec<(&str, &str)> =
        typed.iter().copied().filter(|(k, _)| *k != "location_id" && *k != "smuggled").collect();
    fields.push(("location_id", &lid));
    let saved = b.submit(&back, &format!("/runs/{run}/sessions"), &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (_, detail) = api.get(&format!("/api/v1/runs/{run}")).await;
    let session = &detail["sessions"][0];
    assert_eq!(session["location_id"].to_string(), lid, "{session}");
    assert_eq!(session["module_ids"], json!([modules[1]]), "{session}");
    assert_eq!(session["trainer_ids"], json!([org.trainer.user_id.0]), "{session}");
    assert_eq!(session["interpreter_language_codes"], json!(["ar", "ti"]), "{session}");

    // The same from the session's own edit page.
    let sid = session["id"].as_i64().unwrap();
    let edit = b.get(&format!("/sessions/{sid}/edit")).await;
    assert!(edit.body.contains(&format!("formaction=\"/locations/new?for_session={sid}\"")));
    let changed: &[(&str, &str)] =
        &[("date", "2026-03-08"), ("start", "10:00"), ("end", "12:00"), ("module_ids", &module)];
    let page = b
        .submit(
            &format!("/sessions/{sid}/edit"),
            &format!("/locations/new?for_session={sid}"),
            changed,
        )
        .await;
    let draft = common::attribute_of(&page.body, "name=\"draft\"", "value").expect("draft");
    let page = b
        .submit(
            "/locations/new",
            "/locations",
            &[("name", "Bürgerhaus"), ("for_session", &sid.to_string()), ("draft", &draft)],
        )
        .await;
    let back = page.location.expect("back to the session");
    assert!(back.starts_with(&format!("/sessions/{sid}/edit?")), "{back}");
    let page = b.get(&back).await;
    assert!(page.body.contains("value=\"2026-03-08\"") && page.body.contains("value=\"10:00\""));
    assert!(!page.body.contains(&format!("name=\"trainer_ids\" value=\"{trainer}\" checked")));
    assert!(page.body.contains("selected>Bürgerhaus"), "{}", page.body);
}
both_backends!(new_place_returns, a_new_place_returns_to_the_session_form);

async fn the_overview_sorts_runs_by_date(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("ueberblick");
    let api = app.api_token(&org.coordinator.email).await;
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get("/runs").await;
    assert!(page.body.contains("data-test=\"no-courses\""), "empty state: {}", page.body);

    let (_, upcoming, _) =
        common::plan_run_between(&api, "SOON", 5, &[("M", true)], &local_day(1), &local_day(8))
            .await;
    let (_, running, m) =
        common::plan_run_between(&api, "NOW", 5, &[("M", true)], &local_day(-1), &local_day(6))
            .await;
    let (_, ended, em) =
        common::plan_run_between(&api, "PAST", 5, &[("M", true)], &local_day(-9), &local_day(-1))
            .await;
    let (_, done, _) =
        common::plan_run_between(&api, "DONE", 5, &[("M", true)], &local_day(-9), &local_day(-2))
            .await;
    for (run, modules, day) in [(running, &m, local_day(2)), (ended, &em, local_day(-1))] {
        let (s, body) = api
            .post(&format!("/api/v1/runs/{run}/sessions"), json!({"starts_at": format!("{day}T09:00"), "ends_at": format!("{day}T10:00"), "module_ids": modules}))
            .await;
        assert_eq!(s, 201, "{body}");
    }
    let pid = common::register(&api, "Dana", "Weiß", None).await;
    api.post(&format!("/api/v1/runs/{ended}/enrollments"), json!({"participant_id": pid})).await;
    common::mark_present(&api, ended, &[pid]).await;

    let state = |list: &Value, run: i64| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["run_id"] == run)
            .map(|r| r["state"].as_str().unwrap().to_string())
    };
    let (s, all) = api.get("/api/v1/runs").await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(state(&all, upcoming).as_deref(), Some("upcoming"));
    assert_eq!(state(&all, running).as_deref(), Some("running"));
    assert_eq!(state(&all, ended).as_deref(), Some("to_certify"));
    assert_eq!(state(&all, done).as_deref(), Some("done"));
    let (_, to_certify) = api.get("/api/v1/runs?state=to_certify").await;
    assert_eq!(to_certify.as_array().unwrap().len(), 1, "{to_certify}");
    assert_eq!(to_certify[0]["to_certify"], 1);
    assert_eq!(to_certify[0]["sessions_held"], 1);
    assert_eq!(to_certify[0]["enrolled"], 1);
    let (_, soon) = api.get("/api/v1/runs?state=upcoming").await;
    assert_eq!(soon.as_array().unwrap().len(), 1);
    let (s, body) = api.get("/api/v1/runs?state=gestern").await;
    assert_eq!((s, body["field"].as_str()), (422, Some("state")), "{body}");

    let page = b.get("/runs").await;
    let section = |name: &str| {
        let start = page.body.find(&format!("data-test=\"section-{name}\"")).unwrap();
        let end = page.body[start..].find("</section>").unwrap() + start;
        page.body[start..end].to_string()
    };
    assert!(section("upcoming").contains(&format!("data-test=\"run-{upcoming}\"")));
    assert!(section("running").contains(&format!("data-test=\"run-{running}\"")));
    assert!(section("to-certify").contains(&format!("/runs/{ended}#certificates")));
    assert!(!page.body.contains(&format!("data-test=\"run-{done}\"")));

    // Issued: nothing left to certify.
    api.post(&format!("/api/v1/runs/{ended}/certificates"), json!({})).await;
    let (_, to_certify) = api.get("/api/v1/runs?state=to_certify").await;
    assert_eq!(to_certify, json!([]));
}
both_backends!(overview_by_date, the_overview_sorts_runs_by_date);

async fn calendar_by_range_and_cards_in_the_api(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("kalender");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run, _) = common::plan_run(&api, "KAL", 5, &[("M", true)]).await;
    let trainer = org.trainer.user_id.0;
    for _ in 0..2 {
        let (s, body) = api
            .post(&format!("/api/v1/runs/{run}/sessions"), json!({"starts_at": "2026-03-10T09:00", "ends_at": "2026-03-10T11:00", "trainer_id": trainer}))
            .await;
        assert_eq!(s, 201, "{body}");
    }
    let (s, sessions) = api.get("/api/v1/calendar?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(s, 200, "{sessions}");
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    assert!(
        sessions[0]["warnings"].as_array().is_some_and(|w| !w.is_empty()),
        "the trainer is booked twice: {sessions}"
    );
    let (_, none) = api.get("/api/v1/calendar?from=2026-04-01&to=2026-04-30").await;
    assert_eq!(none, json!([]));
    for bad in [
        "from=2026-03-31&to=2026-03-01",
        "from=2026-01-01&to=2027-01-03",
        "from=gestern&to=2026-01-01",
        "to=2026-01-01",
    ] {
        let (s, body) = api.get(&format!("/api/v1/calendar?{bad}")).await;
        assert_eq!(s, 422, "{bad}: {body}");
    }

    let pid = common::register(&api, "Emil", "Frei", None).await;
    api.post(&format!("/api/v1/runs/{run}/enrollments"), json!({"participant_id": pid})).await;
    let resp = api
        .client
        .get(format!("{}/api/v1/runs/{run}/cards.pdf", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let pdf = resp.bytes().await.unwrap();
    let url = common::pdf_qr::decode_qr_from_pdf(&pdf).expect("a card's QR code decodes");
    assert!(url.contains("/K/"), "{url}");
}
both_backends!(calendar_and_cards_api, calendar_by_range_and_cards_in_the_api);

async fn other_organisations_and_trainers_are_refused(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let mine = app.create_org("eigen");
    let theirs = app.create_org("fremd");
    let api = app.api_token(&mine.coordinator.email).await;
    let other = app.api_token(&theirs.coordinator.email).await;
    let trainer = app.api_token(&mine.trainer.email).await;
    let (course, module, run, session) = planned(&api, "MEIN").await;
    let (_, loc) = api.post("/api/v1/locations", json!({"name": "Mein Raum"})).await;
    let lid = loc["id"].as_i64().unwrap();
    let before = ["courses", "course_modules", "course_runs", "training_sessions", "locations"]
        .map(|t| app.count(t));

    let course_body = json!({"code": "X", "title": "Fremd"});
    let module_body = json!({"title": "Fremd", "duration_minutes": 30});
    let location_body = json!({"name": "Fremd"});
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::PUT, format!("/api/v1/courses/{course}"), Some(course_body)),
        (Method::DELETE, format!("/api/v1/courses/{course}"), None),
        (Method::POST, format!("/api/v1/courses/{course}/archive"), Some(json!({}))),
        (Method::POST, format!("/api/v1/courses/{course}/restore"), Some(json!({}))),
        (Method::PUT, format!("/api/v1/courses/{course}/modules/{module}"), Some(module_body)),
        (Method::DELETE, format!("/api/v1/courses/{course}/modules/{module}"), None),
        (Method::POST, format!("/api/v1/courses/{course}/modules/{module}/down"), Some(json!({}))),
        (Method::GET, format!("/api/v1/locations/{lid}"), None),
        (Method::PUT, format!("/api/v1/locations/{lid}"), Some(location_body)),
        (Method::DELETE, format!("/api/v1/locations/{lid}"), None),
        (Method::POST, format!("/api/v1/locations/{lid}/archive"), Some(json!({}))),
        (Method::POST, format!("/api/v1/locations/{lid}/restore"), Some(json!({}))),
        (Method::DELETE, format!("/api/v1/runs/{run}"), None),
        (Method::POST, format!("/api/v1/runs/{run}/archive"), Some(json!({}))),
        (Method::POST, format!("/api/v1/runs/{run}/restore"), Some(json!({}))),
        (Method::GET, format!("/api/v1/runs/{run}/cards.pdf"), None),
        (Method::DELETE, format!("/api/v1/sessions/{session}"), None),
    ];
    for (method, path, body) in &calls {
        let (s, answer) = other.send(method.clone(), path, body.clone()).await;
        assert_eq!(s, 404, "another organisation: {method} {path}: {answer}");
        let (s, answer) = trainer.send(method.clone(), path, body.clone()).await;
        assert_eq!(s, 403, "a trainer: {method} {path}: {answer}");
    }
    for path in ["/api/v1/runs", "/api/v1/calendar?from=2026-03-01&to=2026-03-31"] {
        let (s, _) = trainer.get(path).await;
        assert_eq!(s, 403, "{path}");
        let (s, list) = other.get(path).await;
        assert_eq!((s, list.clone()), (200, json!([])), "{path}");
    }
    // The pages too.
    let b = app.browser();
    b.login(&theirs.coordinator.email).await;
    let t = app.browser();
    t.login(&mine.trainer.email).await;
    for path in [
        format!("/courses/{course}/edit"),
        format!("/courses/{course}/delete"),
        format!("/courses/{course}/modules/{module}/edit"),
        format!("/courses/{course}/modules/{module}/delete"),
        format!("/runs/{run}/edit"),
        format!("/runs/{run}/delete"),
        format!("/sessions/{session}/delete"),
        format!("/locations/{lid}/edit"),
        format!("/locations/{lid}/delete"),
    ] {
        assert_eq!(b.get(&path).await.status, 404, "{path}");
        assert_eq!(t.get(&path).await.status, 403, "{path}");
    }
    let csrf = b.get("/courses").await.csrf();
    for path in [
        format!("/courses/{course}/delete"),
        format!("/runs/{run}/archive"),
        format!("/locations/{lid}/delete"),
    ] {
        let page = b.post_form(&path, &[("csrf_token", &csrf)]).await;
        assert_eq!(page.status, 404, "{path}");
    }
    assert_eq!(t.get("/runs").await.status, 403);
    let after = ["courses", "course_modules", "course_runs", "training_sessions", "locations"]
        .map(|t| app.count(t));
    assert_eq!(before, after, "nothing changed");
}
both_backends!(foreign_ids_and_trainers, other_organisations_and_trainers_are_refused);

/// Text no form may save: line breaks and bidi controls in one-line fields, far too long,
/// and emoji where the certificate prints the text.
const HOSTILE: &[&str] =
    &["Miet\nvertrag", "Miet\u{202E}vertrag", "Mietvertrag 🏠", "\u{2066}x\u{2069}", ""];

async fn hostile_text_is_refused_and_nothing_changes(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("feindlich");
    let api = app.api_token(&org.coordinator.email).await;
    let (course, module, _run, _session) = planned(&api, "HOST").await;
    let (_, loc) = api.post("/api/v1/locations", json!({"name": "Raum A"})).await;
    let lid = loc["id"].as_i64().unwrap();
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let (_, course_before) = api.get(&format!("/api/v1/courses/{course}")).await;
    let (_, loc_before) = api.get(&format!("/api/v1/locations/{lid}")).await;
    let long = "x".repeat(10_000);
    let mut texts: Vec<&str> = HOSTILE.to_vec();
    texts.push(&long);
    for text in texts {
        let (s, body) = api
            .put(&format!("/api/v1/courses/{course}"), json!({"code": "HOST", "title": text}))
            .await;
        assert_eq!((s, body["field"].as_str()), (422, Some("title")), "{text:?}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        let (s, body) = api
            .put(
                &format!("/api/v1/courses/{course}/modules/{module}"),
                json!({"title": text, "duration_minutes": 60}),
            )
            .await;
        assert_eq!((s, body["field"].as_str()), (422, Some("title")), "{text:?}: {body}");
        if !text.contains('🏠') {
            let (s, body) =
                api.put(&format!("/api/v1/locations/{lid}"), json!({"name": text})).await;
            assert_eq!((s, body["field"].as_str()), (422, Some("name")), "{text:?}: {body}");
        }
        let page = b
            .submit(
                &format!("/courses/{course}/edit"),
                &format!("/courses/{course}/edit"),
                &[("code", "HOST"), ("title", text), ("description", "")],
            )
            .await;
        assert_eq!(page.status, 422, "{text:?}");
        assert!(page.body.contains("error-summary"));
    }
    let (s, body) = api
        .put(
            &format!("/api/v1/courses/{course}"),
            json!({"code": "HOST", "title": "Gut", "description": long}),
        )
        .await;
    assert_eq!((s, body["field"].as_str()), (422, Some("description")), "{body}");
    let (_, course_after) = api.get(&format!("/api/v1/courses/{course}")).await;
    let (_, loc_after) = api.get(&format!("/api/v1/locations/{lid}")).await;
    assert_eq!(course_before, course_after);
    assert_eq!(loc_before, loc_after);
}
both_backends!(hostile_text, hostile_text_is_refused_and_nothing_changes);

/// In Chromium: "Neuen Ort anlegen" in the middle of a new session keeps what was typed and
/// ticked, the session is saved at the new place, and deleting a place goes through its
/// confirmation page with a warning-styled button and ends with a banner.
async fn new_place_and_deletion_in_the_browser(backend: Backend) {
    if !common::browser::available() {
        return;
    }
    let app = common::spawn_app(backend).await;
    let org = app.create_org("klickort");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run, modules) = common::plan_run(&api, "KLK", 5, &[("M", true), ("N", false)]).await;
    let chrome = common::browser::Chromium::start(1200, 900).await;
    chrome.log_in(&app.url(""), &org.coordinator.email).await;

    chrome.goto(&app.url(&format!("/runs/{run}"))).await;
    let form = format!("form[action=\"/runs/{run}/sessions\"]");
    chrome
        .script(&format!(
            "var f = document.querySelector('{form}'); f.closest('details').open = true; \
             f.querySelector('#date').value = '2026-03-09'; \
             f.querySelector('#start').value = '13:30'; f.querySelector('#end').value = '15:00';"
        ))
        .await;
    chrome.click(&format!("{form} input[name=module_ids][value=\"{}\"]", modules[1])).await;
    chrome.click(&format!("{form} input[name=interpreter_languages][value=\"ps\"]")).await;
    chrome.click(&format!("{form} [data-test=new-location]")).await;
    chrome.wait_for_text("name=\"draft\"").await;
    chrome.type_into("#name", "Stadtteilzentrum Nord").await;
    chrome.click("form[action=\"/locations\"] button[type=submit]").await;
    chrome.wait_for_text("data-test=\"flash\"").await;

    let kept = chrome
        .script(&format!(
            "var f = document.querySelector('{form}'); \
             return [f.closest('details').open, f.querySelector('#date').value, \
               f.querySelector('#start').value, f.querySelector('#end').value, \
               Array.from(f.querySelectorAll('input:checked')).map(function (i) {{ return i.name + '=' + i.value; }}), \
               f.querySelector('#location_id').selectedOptions[0].textContent];"
        ))
        .await;
    let ticked = json!([format!("module_ids={}", modules[1]), "interpreter_languages=ps"]);
    assert_eq!(
        kept,
        json!([true, "2026-03-09", "13:30", "15:00", ticked, "Stadtteilzentrum Nord"]),
        "everything typed before is still there, with the new place chosen"
    );
    chrome.click(&format!("{form} button:not([formaction])")).await;
    chrome.wait_for_text(&common::said("done.session_added", &[])).await;
    let (_, detail) = api.get(&format!("/api/v1/runs/{run}")).await;
    assert_eq!(detail["sessions"].as_array().map(Vec::len), Some(1), "{detail}");
    assert_eq!(detail["sessions"][0]["module_ids"], json!([modules[1]]));
    assert_eq!(detail["sessions"][0]["interpreter_language_codes"], json!(["ps"]));

    // A place nothing uses: its deletion page, then the banner.
    let (_, spare) = api.post("/api/v1/locations", json!({"name": "Turnhalle"})).await;
    chrome.goto(&app.url(&format!("/locations/{}/delete", spare["id"]))).await;
    let page = chrome.wait_for_text("data-test=\"confirm-heading\"").await;
    assert!(page.contains("button-warning"), "a destructive action looks like one");
    assert_eq!(app.count("locations WHERE name = 'Turnhalle'"), 1, "the page deleted nothing");
    chrome.click("[data-test=confirm-button]").await;
    chrome.wait_for_text("data-test=\"flash\"").await;
    assert_eq!(app.count("locations WHERE name = 'Turnhalle'"), 0);
}
both_backends!(new_place_and_deletion_browser, new_place_and_deletion_in_the_browser);
