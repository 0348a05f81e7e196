//! iCalendar feeds: secret links per trainer and per run, right across daylight saving time.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn feeds(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("kalender");
    let api = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let (s, course) = api
        .post("/api/v1/courses", json!({"code": "MS-ICS", "title": "Mietführerschein Kalender"}))
        .await;
    assert_eq!(s, 201);
    let course_id = course["id"].as_i64().unwrap();
    let (_, module) = api
        .post(
            &format!("/api/v1/courses/{course_id}/modules"),
            json!({"title": "Heizen und Lüften", "duration_minutes": 60, "mandatory": true}),
        )
        .await;
    let (s, run) = api
        .post(&format!("/api/v1/courses/{course_id}/runs"), json!({"start_date": "2026-03-01", "end_date": "2026-10-31", "place": "VHS", "capacity": 5}))
        .await;
    assert_eq!(s, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    // The day before, the day of the spring change (02:00 → 03:00) and the day of the autumn change.
    let mut utc = Vec::new();
    for day in ["2026-03-28", "2026-03-29", "2026-10-25"] {
        let (s, session) = api
            .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": format!("{day}T09:00"), "ends_at": format!("{day}T11:30"),
                "location": "Raum 1.12", "trainer_id": org.trainer.user_id, "module_ids": [module["id"]]}))
            .await;
        assert_eq!(s, 201, "{session}");
        utc.push(session["starts_at"].as_str().unwrap().to_string());
    }
    assert_eq!(
        utc,
        ["2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-10-25T08:00:00Z"],
        "stored in UTC"
    );
    let pid = common::register(&api, "Samira", "Nouri", None).await;
    api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid})).await;

    let (s, link) = trainer.post("/api/v1/my/calendar-link", json!({})).await;
    assert_eq!(s, 200, "{link}");
    let url = link["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&app.base) && url.ends_with(".ics"));
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = resp.text().await.unwrap();
    assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin"), "{ics}");
    assert!(ics.contains("TZOFFSETTO:+0200") && ics.contains("TZOFFSETTO:+0100"));
    for local in
        ["20260328T090000", "20260329T090000", "20260325T090000".replace("0325", "1025").as_str()]
    {
        assert!(ics.contains(&format!("DTSTART;TZID=Europe/Berlin:{local}")), "{local} in {ics}");
    }
    assert!(ics.contains("DTEND;TZID=Europe/Berlin:20260329T113000"));
    assert!(!ics.contains("Nouri"), "no participant names in a feed");
    let parsed: icalendar::Calendar = ics.parse().expect("the feed parses as iCalendar");
    assert_eq!(parsed.events().count(), 3);
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "line longer than 75 octets: {line}");
    }

    // Renewing the link turns the old one off.
    let (_, renewed) = trainer.post("/api/v1/my/calendar-link", json!({})).await;
    let new_url = renewed["url"].as_str().unwrap();
    assert_ne!(new_url, url);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
    assert_eq!(reqwest::get(new_url).await.unwrap().status(), 200);
    assert_eq!(reqwest::get(app.url("/calendar/trainer/guessed.ics")).await.unwrap().status(), 404);

    // The run's feed, for interpreters or the adult education centre.
    let (s, run_link) = api.post(&format!("/api/v1/runs/{run_id}/calendar-link"), json!({})).await;
    assert_eq!(s, 200);
    let run_ics =
        reqwest::get(run_link["url"].as_str().unwrap()).await.unwrap().text().await.unwrap();
    assert_eq!(run_ics.matches("BEGIN:VEVENT").count(), 3);
    assert!(run_ics.contains("Mietführerschein Kalender"));
    let (s, _) = trainer.post(&format!("/api/v1/runs/{run_id}/calendar-link"), json!({})).await;
    assert_eq!(s, 403, "only coordinators publish a run's calendar");

    // In the browser: the trainer creates the link on "Meine Termine".
    let b = app.browser();
    b.login(&org.trainer.email).await;
    let page = b.submit("/my/sessions", "/my/calendar-link", &[]).await;
    assert_eq!(page.status, 303);
    let page = b.get("/my/sessions").await;
    assert!(page.body.contains("/calendar/trainer/"), "{}", page.body);
}

both_backends!(calendar_feeds_follow_daylight_saving_time, feeds);
