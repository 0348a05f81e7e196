//! Editing, moving and cancelling sessions; several trainers; locations and the warnings a
//! coordinator needs before a trainer or a room is booked twice.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};
use mietschulung::mail::outbox;

async fn planning(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("termine");
    let co_trainer = {
        let org_id = org.id;
        app.db
            .run_blocking(move |conn| {
                mietschulung::auth::service::create_user(
                    conn,
                    None,
                    mietschulung::auth::service::NewUser {
                        organisation_id: Some(mietschulung::ids::OrgId(org_id)),
                        email: "co@termine.example.org".into(),
                        display_name: "Cora Co-Trainerin".into(),
                        password: common::PASSWORD.into(),
                        role: mietschulung::auth::Role::Trainer,
                    },
                )
            })
            .unwrap()
    };
    let api = app.api_token(&org.coordinator.email).await;
    let co = app.api_token("co@termine.example.org").await;
    let (s, room) = api.post("/api/v1/locations", json!({"name": "VHS Raum 2", "address": "Markt 1, Altenburg", "room": "2", "capacity": 1})).await;
    assert_eq!(s, 201, "{room}");
    assert_eq!(api.post("/api/v1/locations", json!({"name": "VHS Raum 2"})).await.0, 409);
    assert_eq!(api.post("/api/v1/locations", json!({"name": "", "capacity": 0})).await.0, 422);
    let (_, run_a, modules) = common::plan_run_between(
        &api,
        "MS-A",
        5,
        &[("Mietvertrag", true)],
        "2027-03-01",
        "2027-03-31",
    )
    .await;
    let (_, run_b, _) = common::plan_run_between(
        &api,
        "MS-B",
        5,
        &[("Mietvertrag", true)],
        "2027-03-01",
        "2027-03-31",
    )
    .await;
    let (s, session) = api
        .post(&format!("/api/v1/runs/{run_a}/sessions"), json!({"starts_at": "2027-03-10T09:00", "ends_at": "2027-03-10T12:00",
            "location": "VHS Raum 2", "trainer_id": org.trainer.user_id, "trainer_ids": [co_trainer.id], "module_ids": modules}))
        .await;
    assert_eq!(s, 201, "{session}");
    let session_a = session["id"].as_i64().unwrap();
    // The co-trainer sees the session and may mark attendance.
    let (_, mine) = co.get("/api/v1/my/sessions").await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert!(mine[0]["trainer_name"].as_str().unwrap().contains("Cora Co-Trainerin"));
    // A second run's session at an overlapping time, same trainer and same room.
    let (s, _) = api
        .post(
            &format!("/api/v1/runs/{run_b}/sessions"),
            json!({"starts_at": "2027-03-10T11:00", "ends_at": "2027-03-10T13:00",
            "location": "VHS Raum 2", "trainer_id": org.trainer.user_id}),
        )
        .await;
    assert_eq!(s, 201, "double bookings are warned about, not refused");
    for pid in [
        common::register(&api, "Aylin", "Demir", Some("aylin@example.org")).await,
        common::register(&api, "Bilal", "Saeed", None).await,
    ] {
        api.post(&format!("/api/v1/runs/{run_a}/enrollments"), json!({"participant_id": pid}))
            .await;
    }
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get(&format!("/runs/{run_a}")).await;
    assert!(
        page.body.contains(&common::said("warning.trainer_busy", &[("name", "training termine")])),
        "{}",
        page.body
    );
    let room_busy = |room| common::said("warning.room_busy", &[("room", room)]);
    assert!(page.body.contains(&room_busy("VHS Raum 2")));
    assert!(page.body.contains(&common::said(
        "warning.room_too_small",
        &[("capacity", "1"), ("enrolled", "2")]
    )));

    // Move the session to the afternoon: no more clash; participants are told.
    let edit = format!("/sessions/{session_a}/edit");
    let page = b.get(&edit).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("value=\"2027-03-10\""));
    let page = b
        .submit(
            &edit,
            &format!("/sessions/{session_a}"),
            &[
                ("date", "2027-03-10"),
                ("start", "14:00"),
                ("end", "16:00"),
                ("location", "Rathaus Saal"),
                ("trainer_ids", &org.trainer.user_id.to_string()),
                ("module_ids", &modules[0].to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = b.get(&format!("/runs/{run_a}")).await;
    let clashes = [
        common::said("warning.trainer_busy", &[("name", "training termine")]),
        room_busy("VHS Raum 2"),
        room_busy("Rathaus Saal"),
    ];
    assert!(!clashes.iter().any(|c| page.body.contains(c)), "{}", page.body);
    let mails = app.db.run_blocking(outbox::all).unwrap();
    // A subject's words before its first `{place}`, in Arabic.
    let ar = |key| mietschulung::i18n::text("ar", key).split('{').next().unwrap_or("").to_string();
    let changed: Vec<_> =
        // Aylin reads Arabic (`common::register`).
        mails.iter().filter(|m| m.subject.starts_with(&ar("mail.participant.changed.subject"))).collect();
    assert_eq!(changed.len(), 1, "only Aylin has an email address");
    assert!(
        changed[0].body_text.contains("14:00–16:00")
            && changed[0].body_text.contains("Rathaus Saal")
    );
    let (_, mine) = co.get("/api/v1/my/sessions").await;
    assert_eq!(mine.as_array().unwrap().len(), 0, "the co-trainer was taken off");
    // A bad edit re-renders the form with the message and changes nothing.
    let page = b
        .submit(
            &edit,
            &format!("/sessions/{session_a}"),
            &[("date", "2027-03-10"), ("start", "16:00"), ("end", "15:00")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains(&common::said("error.planning.ends_before_start", &[])));

    // Cancel: shown as cancelled, participants told, no roster marks any more.
    let page = b.submit(&edit, &format!("/sessions/{session_a}/cancel"), &[]).await;
    assert_eq!(page.status, 303);
    let page = b.get(&format!("/runs/{run_a}")).await;
    assert!(page.body.contains("abgesagt"));
    let mails = app.db.run_blocking(outbox::all).unwrap();
    assert!(mails.iter().any(|m| m.subject.starts_with(&ar("mail.participant.cancelled.subject"))));
    let trainer = app.api_token(&org.trainer.email).await;
    let (s, _) = trainer
        .put(&format!("/api/v1/sessions/{session_a}/attendance/1"), json!({"status": "present"}))
        .await;
    assert!(s == 409 || s == 422 || s == 404, "{s}");
    let (s, _) = api
        .put(
            &format!("/api/v1/sessions/{session_a}"),
            json!({"starts_at": "2027-03-11T09:00", "ends_at": "2027-03-11T10:00"}),
        )
        .await;
    assert_eq!(s, 409, "a cancelled session stays cancelled");
    assert_eq!(api.post("/api/v1/sessions/999999/cancel", json!({})).await.0, 404);
    // The locations page lists rooms with their capacity.
    let page = b.get("/locations").await;
    assert!(page.body.contains("Markt 1, Altenburg"));
}

both_backends!(sessions_can_be_moved_cancelled_and_warn_about_double_bookings, planning);

async fn calendar_view(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("kalenderansicht");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run_id, modules) = common::plan_run(&api, "MS-CAL", 5, &[("Mietvertrag", true)]).await;
    for (day, hour) in [("2026-03-04", "09"), ("2026-03-04", "14"), ("2026-03-30", "10")] {
        let (s, _) = api
            .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": format!("{day}T{hour}:00"), "ends_at": format!("{day}T{hour}:45"),
                "location": "Raum A", "trainer_id": org.trainer.user_id, "module_ids": modules}))
            .await;
        assert_eq!(s, 201);
    }
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let week = b.get("/calendar?view=week&date=2026-03-05").await;
    assert_eq!(week.status, 200);
    assert!(week.body.contains("Woche 10"), "{}", week.body);
    assert_eq!(
        week.body.matches("Mietführerschein MS-CAL").count(),
        2,
        "both sessions of that week, not the later one"
    );
    assert!(week.body.contains("2026-02-23"), "a link to the week before");
    let month = b.get("/calendar?view=month&date=2026-03-15").await;
    assert!(month.body.contains(&format!("{} 2026", common::said("calendar.month.mar", &[]))));
    assert_eq!(month.body.matches("MS-CAL</a>").count(), 3);
    assert_eq!(b.get("/calendar?date=gestern").await.status, 422);
    let t = app.browser();
    t.login(&org.trainer.email).await;
    assert_eq!(t.get("/calendar").await.status, 403);
}

both_backends!(calendar_view_by_week_and_month, calendar_view);

async fn languages_and_module_order(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("sprachen");
    let api = app.api_token(&org.coordinator.email).await;
    let (course_id, run_id, modules) =
        common::plan_run(&api, "MS-L", 5, &[("Eins", true), ("Zwei", true), ("Drei", false)]).await;
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run_id}/sessions"),
            json!({"starts_at": "2026-03-05T09:00", "ends_at": "2026-03-05T10:00",
            "interpreter_languages": ["fa", "ti"], "trainer_id": org.trainer.user_id}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    assert_eq!(session["interpreter_languages"], "fa,ti");
    let (s, e) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-06T09:00", "ends_at": "2026-03-06T10:00", "interpreter_languages": ["xx"]}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("interpreter_languages")));
    let (_, run) = api.get(&format!("/api/v1/runs/{run_id}")).await;
    assert!(run["sessions"][0]["interpreter_languages"].as_str().unwrap().contains("ትግርኛ"));
    let trainer = app.api_token(&org.trainer.email).await;
    let (_, link) = trainer.post("/api/v1/my/calendar-link", json!({})).await;
    let ics = reqwest::get(link["url"].as_str().unwrap()).await.unwrap().text().await.unwrap();
    assert!(ics.contains("Dolmetschung"), "{ics}");
    // Module order: the third moves up twice and leads.
    for _ in 0..2 {
        let (s, _) = api
            .post(&format!("/api/v1/courses/{course_id}/modules/{}/up", modules[2]), json!({}))
            .await;
        assert_eq!(s, 200);
    }
    let (_, course) = api.get(&format!("/api/v1/courses/{course_id}")).await;
    let titles: Vec<&str> = course["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Drei", "Eins", "Zwei"]);
    assert_eq!(
        api.post(&format!("/api/v1/courses/{course_id}/modules/999999/up"), json!({})).await.0,
        404
    );
}

both_backends!(session_interpreter_languages_and_module_order, languages_and_module_order);
