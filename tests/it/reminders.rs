//! Reminders before sessions: due once per kind, to the participant or their referrer, in
//! their language, with the session as .ics and a working apology link.

use chrono::Duration;
use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};
use mietschulung::mail::outbox;
use mietschulung::reminders::service::{due_kind, run_due};

#[test]
fn the_latest_due_reminder_is_chosen() {
    let hours = [48, 2];
    assert_eq!(due_kind(&hours, Duration::hours(72)), None);
    assert_eq!(due_kind(&hours, Duration::hours(47)), Some(48));
    assert_eq!(due_kind(&hours, Duration::hours(2)), Some(2));
    assert_eq!(due_kind(&hours, Duration::minutes(30)), Some(2));
    assert_eq!(due_kind(&[], Duration::minutes(30)), None);
}

async fn reminders(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("erinnerung");
    let api = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let (s, course) =
        api.post("/api/v1/courses", json!({"code": "MS-REM", "title": "Mietführerschein"})).await;
    assert_eq!(s, 201);
    let course_id = course["id"].as_i64().unwrap();
    let today = mietschulung::time::today_local();
    let (_, run) = api
        .post(&format!("/api/v1/courses/{course_id}/runs"), json!({"start_date": today.to_string(), "end_date": (today + Duration::days(5)).to_string(), "place": "VHS", "capacity": 10}))
        .await;
    let run_id = run["id"].as_i64().unwrap();
    // One session in about 30 hours (the 48-hour reminder is due), one in 4 days (none yet).
    // Local wall-clock times of real instants, so none falls into the spring DST gap.
    let in_hours = |h: i64| {
        mietschulung::time::to_local(mietschulung::time::now_utc() + Duration::hours(h))
            .naive_local()
    };
    let soon = in_hours(30);
    let later = in_hours(96);
    let mut sessions = Vec::new();
    for start in [soon, later] {
        let (s, session) = api
            .post(
                &format!("/api/v1/runs/{run_id}/sessions"),
                json!({
                "starts_at": start.format("%Y-%m-%dT%H:%M").to_string(),
                "ends_at": (start + Duration::hours(2)).format("%Y-%m-%dT%H:%M").to_string(),
                "location": "Raum 4", "trainer_id": org.trainer.user_id}),
            )
            .await;
        assert_eq!(s, 201, "{session}");
        sessions.push(session["id"].as_i64().unwrap());
    }
    let with_email = common::register(&api, "Nadia", "Karimi", Some("nadia@example.org")).await;
    let (_, via) = api
        .post("/api/v1/participants", json!({"given_name": "Ivan", "family_name": "Petrenko", "preferred_language": "en", "consent": true,
            "referrer_name": "Herr Berater", "referrer_contact": "berater@caritas.example"}))
        .await;
    let via_referrer = via["id"].as_i64().unwrap();
    let unreachable = common::register(&api, "Ohne", "Kontakt", None).await;
    for pid in [with_email, via_referrer, unreachable] {
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
    }

    let public_url = app.settings.public_url.clone();
    let now = mietschulung::time::now_utc();
    let hours = vec![48, 2];
    let (u, h) = (public_url.clone(), hours.clone());
    let queued = app.db.run_blocking(move |conn| run_due(conn, &u, &h, now)).unwrap();
    assert_eq!(queued, 2, "participant with email and the referrer; nobody to tell for the third");
    // Two replicas running the job at the same time still send each reminder once.
    let runs = (0..4).map(|_| {
        let db = app.db.clone();
        let (u, h) = (public_url.clone(), hours.clone());
        async move { db.run(move |conn| run_due(conn, &u, &h, now)).await.unwrap() }
    });
    let again: usize = futures_util::future::join_all(runs).await.into_iter().sum();
    assert_eq!(again, 0);
    assert_eq!(app.count("session_reminders"), 3);
    let mails = app.db.run_blocking(outbox::all).unwrap();
    assert_eq!(mails.len(), 2);
    let to_nadia = mails.iter().find(|m| m.recipient == "nadia@example.org").unwrap();
    // Nadia reads Arabic (`common::register`): the reminder is hers, right to left.
    let ar = |key| mietschulung::i18n::text("ar", key);
    assert!(to_nadia.subject.starts_with("تذكير"), "{}", to_nadia.subject);
    assert!(to_nadia.body_html.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert_eq!(
        to_nadia.attachment_mime.as_deref().map(|m| m.starts_with("text/calendar")),
        Some(true)
    );
    let ics = String::from_utf8(to_nadia.attachment.clone().unwrap()).unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    let to_referrer = mails.iter().find(|m| m.recipient == "berater@caritas.example").unwrap();
    assert!(to_referrer.subject.starts_with("Reminder"), "English where a translation exists");
    assert!(to_referrer.body_text.contains("please remind Ivan Petrenko"));

    // 2 hours before, the next kind is due; the later session still has nothing.
    let close = now + Duration::hours(29);
    let (u, h) = (public_url.clone(), hours.clone());
    assert_eq!(app.db.run_blocking(move |conn| run_due(conn, &u, &h, close)).unwrap(), 2);

    // The apology link: no login, shows the appointment but no names.
    let link_start = to_nadia.body_text.find(&format!("{public_url}/absage/")).unwrap();
    let link = to_nadia.body_text[link_start..].split_whitespace().next().unwrap().to_string();
    let b = app.browser();
    let path = &link[app.base.len()..];
    let page = b.get(path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Raum 4") && !page.body.contains("Karimi"));
    assert!(
        page.body.contains("dir=\"rtl\"") && page.body.contains(&ar("apology.explain")),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let page = b.post_form(path, &[("csrf_token", &csrf)]).await;
    assert_eq!(page.status, 200);
    let thanks = ar("apology.thanks");
    assert!(page.body.contains(&thanks));
    let page = b.post_form(path, &[("csrf_token", &csrf)]).await;
    assert!(page.body.contains(&thanks), "sending twice is harmless");
    assert!(b.get(path).await.body.contains(&ar("apology.already")));
    let (_, roster) = trainer.get(&format!("/api/v1/sessions/{}/roster", sessions[0])).await;
    let nadia =
        roster.as_array().unwrap().iter().find(|e| e["participant_id"] == with_email).unwrap();
    assert!(nadia["apologised_at_local"].is_string());
    assert_eq!(b.get("/absage/not-a-real-link").await.status, 404);
}

both_backends!(reminders_go_out_once_and_apologies_reach_the_roster, reminders);
