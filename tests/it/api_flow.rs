//! The same path through the JSON API, plus the OpenAPI document.

use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend};

async fn api_path(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("greiz");
    let coord = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;

    let (_, run_id, modules) = common::plan_run(
        &coord,
        "MS-API",
        10,
        &[("Mietvertrag", true), ("Heizen und Lüften", true), ("Energie sparen", false)],
    )
    .await;
    let (s, session) = coord
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({
            "starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T12:00", "location": "Rathaus, Saal 2",
            "trainer_id": org.trainer.user_id, "module_ids": [modules[0], modules[1]]
        }))
        .await;
    assert_eq!(s, 201, "{session}");
    let session_id = session["id"].as_i64().unwrap();
    // 09:00 in Berlin in March (CET, UTC+1) is 08:00 UTC.
    assert_eq!(session["starts_at"], "2026-03-03T08:00:00Z");

    let anna = common::register(&coord, "Anna", "Nowak", Some("anna@example.org")).await;
    let omar = common::register(&coord, "Omar", "Haddad", None).await;
    for pid in [anna, omar] {
        let (s, e) = coord
            .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        assert_eq!(s, 201, "{e}");
    }
    let (s, e) = coord
        .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": anna}))
        .await;
    assert_eq!(s, 409, "double enrollment refused: {e}");

    let (s, mine) = trainer.get("/api/v1/my/sessions").await;
    assert_eq!(s, 200);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["starts_at_local"], "09:00");
    let (s, roster) = trainer.get(&format!("/api/v1/sessions/{session_id}/roster")).await;
    assert_eq!(s, 200);
    assert_eq!(roster.as_array().unwrap().len(), 2);

    let (s, m) = trainer
        .put(
            &format!("/api/v1/sessions/{session_id}/attendance/{anna}"),
            json!({"status": "present"}),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    let (s, _) = trainer
        .put(
            &format!("/api/v1/sessions/{session_id}/attendance/{omar}"),
            json!({"status": "excused"}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, e) = trainer
        .put(
            &format!("/api/v1/sessions/{session_id}/attendance/{omar}"),
            json!({"status": "sleeping"}),
        )
        .await;
    assert_eq!(s, 422, "unknown status: {e}");
    // Programs branch on the stable code; people read the message.
    assert_eq!(e["code"], "invalid_input", "{e}");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");

    let (s, completion) = coord.get(&format!("/api/v1/runs/{run_id}/completion")).await;
    assert_eq!(s, 200);
    let by_id = |id: i64| {
        completion.as_array().unwrap().iter().find(|c| c["participant_id"] == id).unwrap().clone()
    };
    assert_eq!(by_id(anna)["completed"], true);
    assert_eq!(by_id(omar)["completed"], false);
    assert_eq!(by_id(omar)["missing_modules"], json!(["Mietvertrag", "Heizen und Lüften"]));

    let (s, summary) = coord.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    assert_eq!(summary["issued"].as_array().unwrap().len(), 1);
    assert_eq!(summary["not_completed"], 1);
    let cert = &summary["issued"][0];
    assert_eq!(cert["holder_name"], "Anna Nowak");
    let url = cert["verification_url"].as_str().unwrap();
    let token = url.rsplit('/').next().unwrap();
    let (s, v) = coord.get(&format!("/api/v1/verify/{token}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "valid");
    assert_eq!(v["facts"]["holder_name"], "Anna Nowak");
    assert_eq!(v["facts"]["completion_date"], "2026-03-03");

    let cert_id = cert["id"].as_i64().unwrap();
    let resp = coord
        .client
        .get(app.url(&format!("/api/v1/certificates/{cert_id}/pdf")))
        .bearer_auth(&coord.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let pdf = resp.bytes().await.unwrap();
    assert_eq!(common::pdf_qr::decode_qr_from_pdf(&pdf).unwrap(), url);

    let (s, r) =
        coord.post(&format!("/api/v1/certificates/{cert_id}/revoke"), json!({"reason": ""})).await;
    assert_eq!(s, 422, "a reason is required: {r}");
    let (s, r) = coord
        .post(&format!("/api/v1/certificates/{cert_id}/revoke"), json!({"reason": "Irrtum"}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "revoked");
    let (_, v) = coord.get(&format!("/api/v1/verify/{token}")).await;
    assert_eq!(v["status"], "revoked");
    let (s, _) = coord
        .post(&format!("/api/v1/certificates/{cert_id}/revoke"), json!({"reason": "nochmal"}))
        .await;
    assert_eq!(s, 409);
}

both_backends!(whole_path_through_the_json_api, api_path);

#[actix_web::test]
async fn openapi_document_describes_the_api() {
    let app = common::spawn_app(Backend::Sqlite).await;
    let doc: serde_json::Value =
        reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/token",
        "/api/v1/courses",
        "/api/v1/runs/{id}/sessions",
        "/api/v1/runs/{id}/enrollments",
        "/api/v1/sessions/{id}/attendance/{participant_id}",
        "/api/v1/runs/{id}/certificates",
        "/api/v1/verify/{token}",
        "/api/v1/stakeholders",
        "/api/v1/stakeholders/import",
        "/api/v1/surveys",
        "/api/v1/surveys/{id}/questions",
        "/api/v1/surveys/{id}/invitations",
        "/api/v1/surveys/{id}/results",
        "/api/v1/surveys/{id}/translations/{language}",
        "/api/v1/responses/{token}",
        "/api/v1/surveys/open/{open_token}/{group}",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[actix_web::test]
async fn health_and_readiness() {
    let app = common::spawn_app(Backend::Sqlite).await;
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200);
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    assert!(
        mietschulung::i18n::missing_keys().is_empty(),
        "{:?}",
        mietschulung::i18n::missing_keys()
    );
}
