//! Parallel requests never overbook a run and never double a mark.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn parallel_enrollments(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("parallel");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run_id, _) = common::plan_run(&api, "MS-PAR", 3, &[("Mietvertrag", true)]).await;
    let mut people = Vec::new();
    for i in 0..12 {
        people.push(
            common::register(&api, "Person", &format!("Nummer{}", char::from(b'A' + i)), None)
                .await,
        );
    }
    let requests = people.iter().map(|pid| {
        let client = api.client.clone();
        let url = app.url(&format!("/api/v1/runs/{run_id}/enrollments"));
        let token = api.token.clone();
        let pid = *pid;
        async move {
            let resp = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"participant_id": pid}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body: serde_json::Value = resp.json().await.unwrap();
            (status, body["status"].as_str().unwrap_or_default().to_string())
        }
    });
    let responses = futures_util::future::join_all(requests).await;
    assert!(responses.iter().all(|(s, _)| *s == 201), "{responses:?}");
    let enrolled = responses.iter().filter(|(_, st)| st == "enrolled").count();
    let waiting = responses.iter().filter(|(_, st)| st == "waiting").count();
    assert_eq!(enrolled, 3, "{responses:?}");
    assert_eq!(waiting, 9, "{responses:?}");
    let (_, list) = api.get(&format!("/api/v1/runs/{run_id}/participants")).await;
    assert_eq!(list.as_array().unwrap().len(), 3, "never more places than capacity");
    let (_, queue) = api.get(&format!("/api/v1/runs/{run_id}/waiting-list")).await;
    let mut ids: Vec<i64> =
        queue.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 9);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 9, "everyone on the waiting list once");
}

both_backends!(parallel_registrations_never_overbook_and_queue_the_rest, parallel_enrollments);

async fn repeated_marks(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("marks");
    let api = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let (_, run_id, modules) = common::plan_run(&api, "MS-MRK", 5, &[("Mietvertrag", true)]).await;
    let (_, s) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "trainer_id": org.trainer.user_id, "module_ids": modules}))
        .await;
    let session_id = s["id"].as_i64().unwrap();
    let pid = common::register(&api, "Lina", "Saleh", None).await;
    api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid})).await;
    // A flaky phone connection retries the same mark many times at once.
    let requests = (0..8).map(|_| {
        let client = trainer.client.clone();
        let url = app.url(&format!("/api/v1/sessions/{session_id}/attendance/{pid}"));
        let token = trainer.token.clone();
        async move {
            client
                .put(url)
                .bearer_auth(token)
                .json(&json!({"status": "present"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(app.count("attendance"), 1);
    assert_eq!(app.count("attendance_marks"), 1, "a retried identical mark is applied once");
    let (s, _) = trainer
        .put(
            &format!("/api/v1/sessions/{session_id}/attendance/{pid}"),
            json!({"status": "late", "expected_revision": 1}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.count("attendance"), 1);
    assert_eq!(app.count("attendance_marks"), 2, "a correction is kept in the history");
    // Two phones correct the same mark at once, both having seen revision 2: one wins, the
    // other learns what the mark is now.
    let mark_path = format!("/api/v1/sessions/{session_id}/attendance/{pid}");
    let corrections = ["absent", "excused", "present", "late"]
        .map(|status| trainer.put(&mark_path, json!({"status": status, "expected_revision": 2})));
    let answers = futures_util::future::join_all(corrections).await;
    let saved: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    let stale = answers.iter().filter(|(s, _)| *s == 409).count();
    // "late" is what the mark is: sending it again is harmless, and may come first or last.
    assert!(saved.len() <= 2 && saved.len() + stale == 4, "{answers:?}");
    let changed = saved.iter().filter(|(_, e)| e["status"] != "late").count();
    assert_eq!(changed, 1, "exactly one correction wins: {answers:?}");
    assert_eq!(app.count("attendance_marks"), 2 + changed as i64, "{answers:?}");
}

both_backends!(repeated_marks_end_as_one_mark, repeated_marks);
