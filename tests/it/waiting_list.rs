//! A full run puts new registrations on a waiting list; a cancellation moves the first
//! person up and tells them (or their referrer) by email.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};
use mietschulung::mail::outbox;

async fn waiting_list(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("warte");
    let api = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let (_, run_id, modules) = common::plan_run(&api, "MS-WL", 2, &[("Mietvertrag", true)]).await;
    let (_, s) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "trainer_id": org.trainer.user_id, "module_ids": modules}))
        .await;
    let session_id = s["id"].as_i64().unwrap();
    let a = common::register(&api, "Amal", "Aziz", None).await;
    let b = common::register(&api, "Berhane", "Tesfay", None).await;
    // Registered by a social worker; has no email of their own.
    let (st, c) = api
        .post("/api/v1/participants", json!({"given_name": "Chiara", "family_name": "Conte", "preferred_language": "en", "consent": true,
            "referrer_name": "Frau Sozialarbeiterin", "referrer_organisation": "Diakonie", "referrer_contact": "beratung@diakonie.example"}))
        .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["referrer_organisation"], "Diakonie");
    let c = c["id"].as_i64().unwrap();
    let d = common::register(&api, "Dana", "Dorn", Some("dana@example.org")).await;
    let mut statuses = Vec::new();
    for pid in [a, b, c, d] {
        let (s, e) = api
            .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        assert_eq!(s, 201, "{e}");
        statuses.push(e["status"].as_str().unwrap().to_string());
    }
    assert_eq!(statuses, ["enrolled", "enrolled", "waiting", "waiting"]);
    let (s, e) =
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": c})).await;
    assert_eq!(s, 409, "already on the waiting list: {e}");
    assert_eq!(
        e["message"],
        common::said("error.participants.already_waiting", &[("name", "Chiara Conte")])
    );

    // People on the waiting list are not on the roster and cannot be marked.
    let (_, roster) = trainer.get(&format!("/api/v1/sessions/{session_id}/roster")).await;
    assert_eq!(roster.as_array().unwrap().len(), 2);
    let (s, _) = trainer
        .put(&format!("/api/v1/sessions/{session_id}/attendance/{c}"), json!({"status": "present"}))
        .await;
    assert_eq!(s, 422);

    // A cancellation gives the place to the first person waiting, who is notified via the referrer.
    let (s, outcome) =
        api.post(&format!("/api/v1/runs/{run_id}/enrollments/{a}/cancel"), json!({})).await;
    assert_eq!(s, 200, "{outcome}");
    assert_eq!(outcome["cancelled"]["status"], "cancelled");
    assert_eq!(outcome["promoted"]["participant_id"], c);
    let (_, queue) = api.get(&format!("/api/v1/runs/{run_id}/waiting-list")).await;
    assert_eq!(
        queue.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect::<Vec<_>>(),
        [d]
    );
    let mails = app.db.run_blocking(outbox::all).unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].recipient, "beratung@diakonie.example");
    assert!(mails[0].body_text.contains("Chiara Conte"));
    assert!(mails[0].body_text.contains("Frau Sozialarbeiterin"));
    // Chiara reads English; the mail to her referrer is in her language.
    let title = mietschulung::i18n::text("en", "mail.participant.waitlist.title");
    assert!(mails[0].subject.contains(&title), "{}", mails[0].subject);

    // Cancelling a waiting-list entry frees no place; re-registering queues at the end.
    let (s, outcome) =
        api.post(&format!("/api/v1/runs/{run_id}/enrollments/{d}/cancel"), json!({})).await;
    assert_eq!(s, 200);
    assert!(outcome["promoted"].is_null());
    let (s, e) =
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": a})).await;
    assert_eq!(s, 201);
    assert_eq!(e["status"], "waiting");
    let (s, _) =
        api.post(&format!("/api/v1/runs/{run_id}/enrollments/{a}/cancel"), json!({})).await;
    assert_eq!(s, 200);
    let (s, _) =
        api.post(&format!("/api/v1/runs/{run_id}/enrollments/{a}/cancel"), json!({})).await;
    assert_eq!(s, 404, "nothing left to cancel");
    assert_eq!(app.db.run_blocking(outbox::all).unwrap().len(), 1, "no mail without a freed place");

    // The same in the browser: the run page shows the queue and cancels with a form.
    let (s, e) =
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": d})).await;
    assert_eq!((s, e["status"].as_str().unwrap()), (201, "waiting"));
    let browser = app.browser();
    browser.login(&org.coordinator.email).await;
    let run_path = format!("/runs/{run_id}");
    let page = browser.get(&run_path).await;
    assert!(page.body.contains("Warteliste"));
    assert!(page.body.contains("Dorn, Dana"));
    let page =
        browser.submit(&run_path, &format!("/runs/{run_id}/enrollments/{b}/cancel"), &[]).await;
    assert_eq!(page.status, 303);
    let page = browser.get(page.location.as_deref().unwrap()).await;
    assert!(page.body.contains(&common::said("done.promoted", &[])), "{}", page.body);
    let mails = app.db.run_blocking(outbox::all).unwrap();
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].recipient, "dana@example.org");
}

both_backends!(waiting_list_moves_up_and_notifies, waiting_list);

async fn run_edits(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("aendern");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run_id, _) = common::plan_run(&api, "MS-ED", 2, &[("Mietvertrag", true)]).await;
    let (s, _) = api
        .post(
            &format!("/api/v1/runs/{run_id}/sessions"),
            json!({"starts_at": "2026-03-20T09:00", "ends_at": "2026-03-20T10:00"}),
        )
        .await;
    assert_eq!(s, 201);
    let mut people = Vec::new();
    for n in ["Eins", "Zwei", "Drei", "Vier"] {
        let pid =
            common::register(&api, n, "Person", Some(&format!("{}@example.org", n.to_lowercase())))
                .await;
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        people.push(pid);
    }
    let body = |capacity: i32, start: &str| json!({"start_date": start, "end_date": "2026-03-31", "place": "VHS", "capacity": capacity, "interpreter_languages": ["uk"]});
    let (s, e) = api.put(&format!("/api/v1/runs/{run_id}"), body(1, "2026-03-02")).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (422, Some("capacity")),
        "capacity below current enrollment: {e}"
    );
    let (s, e) = api.put(&format!("/api/v1/runs/{run_id}"), body(2, "2026-03-25")).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (422, Some("start_date")),
        "a session would fall outside: {e}"
    );
    // Two more places: both people waiting move up, in order, and are told.
    let (s, run) = api.put(&format!("/api/v1/runs/{run_id}"), body(4, "2026-03-02")).await;
    assert_eq!(s, 200, "{run}");
    assert_eq!(run["capacity"], 4);
    assert_eq!(run["interpreter_languages"], "uk");
    let (_, queue) = api.get(&format!("/api/v1/runs/{run_id}/waiting-list")).await;
    assert_eq!(queue, json!([]));
    let mails = app.db.run_blocking(outbox::all).unwrap();
    let recipients: Vec<&str> = mails.iter().map(|m| m.recipient.as_str()).collect();
    assert_eq!(recipients, ["drei@example.org", "vier@example.org"]);
}

both_backends!(runs_can_be_edited_without_breaking_enrollments, run_edits);
