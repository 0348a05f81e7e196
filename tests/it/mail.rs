//! The outbox against a real SMTP server on loopback: down, then up, and the mail arrives once.

use std::time::Duration;

use serde_json::json;

use crate::both_backends;
use crate::common::{self, smtp::SmtpServer, Backend, Options};
use mietschulung::mail::outbox::{self, MailStatus};

async fn outage(backend: Backend) {
    // Reserve a port, then free it: nothing listens there until the test starts the server.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app =
        common::spawn_app_with(backend, Options { smtp_port: Some(port), ..Default::default() })
            .await;
    let org = app.create_org("mail");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, run_id, modules) = common::plan_run(&api, "MS-MAIL", 5, &[("Mietvertrag", true)]).await;
    let (_, s) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}))
        .await;
    let session_id = s["id"].as_i64().unwrap();
    let pid = common::register(&api, "Mariam", "Ahmadi", Some("mariam@example.org")).await;
    api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid})).await;
    api.put(
        &format!("/api/v1/sessions/{session_id}/attendance/{pid}"),
        json!({"status": "present"}),
    )
    .await;
    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");

    let db = app.db.clone();
    let outbox_row = move || db.run_blocking(outbox::all).unwrap();
    let rows = outbox_row();
    assert_eq!(rows.len(), 1, "the mail was queued with the certificate");
    common::wait_until("a failed delivery attempt", Duration::from_secs(20), || {
        outbox_row()[0].attempts >= 1
    })
    .await;
    let row = outbox_row().remove(0);
    assert_eq!(row.status, MailStatus::Pending, "kept for a retry");
    assert!(row.last_error.is_some());

    let server = SmtpServer::start_on(port).expect("SMTP server starts on the reserved port");
    common::wait_until("delivery after the server is up", Duration::from_secs(30), || {
        outbox_row()[0].status == MailStatus::Sent
    })
    .await;
    // Give a would-be duplicate time to show up.
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "delivered exactly once");
    let m = &messages[0];
    assert!(m.to[0].contains("mariam@example.org"));
    assert!(m.data.contains("Subject:"));
    assert!(m.data.contains("application/pdf"));
    assert!(m.data.contains("Teilnahmebescheinigung"));
}

both_backends!(mail_survives_an_smtp_outage_and_arrives_once, outage);
