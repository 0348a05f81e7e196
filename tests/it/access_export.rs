//! Access requests (Art. 15/20): the export of a participant or a stakeholder contact holds
//! every table that holds their data. The test lists the tables of the live database and
//! fails on one that `privacy::access::PERSONAL_TABLES` does not classify, then fills every
//! table classified as a person's and finds each in that person's export. Also: another
//! organisation's people are not found, a trainer is refused, hostile stored text is escaped
//! on the readable page, an erased person's export is gone, and a correction (Art. 16)
//! keeps the rules of registration and offers to replace a certificate with the old name.

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Backend};
use mietschulung::db::schema::*;
use mietschulung::privacy::access::{holds, Holds, PERSONAL_TABLES};

/// The tables of the live database, without diesel's own.
fn live_tables(app: &common::TestApp) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let sql = match app.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '__diesel_schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '__diesel_schema_migrations'"
        }
    };
    app.db
        .run_blocking(move |conn| Ok(diesel::sql_query(sql).load::<Name>(conn)?))
        .expect("tables")
        .into_iter()
        .map(|n| n.name)
        .collect()
}

/// A run with one past session and the person enrolled and marked present.
async fn enrolled_and_present(api: &common::Api, code: &str, pid: i64) -> (i64, i64) {
    let (_, run_id, modules) = common::plan_run(api, code, 10, &[("Mietvertrag", true)]).await;
    let (s, session) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}))
        .await;
    assert_eq!(s, 201, "{session}");
    let (s, e) = api
        .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
        .await;
    assert_eq!(s, 201, "{e}");
    common::mark_present(api, run_id, &[pid]).await;
    (run_id, session["id"].as_i64().unwrap())
}

/// Issues the run's certificates and answers the id of the person's.
async fn issue(api: &common::Api, run_id: i64, pid: i64) -> i64 {
    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    summary["issued"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["participant_id"] == pid))
        .and_then(|c| c["id"].as_i64())
        .unwrap_or_else(|| panic!("issued for {pid}: {summary}"))
}

/// The part of an export at `pointer` holds something.
fn filled(export: &Value, pointer: &str) -> bool {
    match export.pointer(pointer) {
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(fields)) => !fields.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    }
}

async fn every_personal_table_is_in_the_export(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("auskunft");
    let api = app.api_token(&org.coordinator.email).await;

    // Every table of the live schema is classified, and the list names no table that is gone.
    let tables = live_tables(&app);
    let unclassified: Vec<&String> = tables.iter().filter(|t| holds(t).is_none()).collect();
    assert!(
        unclassified.is_empty(),
        "tables not in privacy::access::PERSONAL_TABLES (say whose data they hold and where the export shows it): {unclassified:?}"
    );
    let stale: Vec<&str> = PERSONAL_TABLES
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| !tables.iter().any(|l| l == t))
        .collect();
    assert!(stale.is_empty(), "classified tables the database does not have: {stale:?}");

    // A participant in every table that holds a participant's data: through the API where
    // it is the ordinary path (registration, enrolment, marks, issuing, reissue), directly
    // where the path is proven elsewhere and slow here (reminders, checks, test results).
    let pid = common::register(&api, "Amina", "Haddad", Some("amina@example.org")).await;
    let (run_id, session_id) = enrolled_and_present(&api, "MS-A", pid).await;
    let first = issue(&api, run_id, pid).await;
    let (s, r) = api
        .post(&format!("/api/v1/certificates/{first}/revoke"), json!({"reason": "Versehen"}))
        .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = api
        .post(
            &format!("/api/v1/runs/{run_id}/participants/{pid}/certificate/reissue"),
            json!({"reason": "Anwesenheit belegt"}),
        )
        .await;
    assert_eq!(s, 201, "{r}");

    let (s, contact) = api
        .post("/api/v1/stakeholders", json!({"stakeholder_group": "landlord", "name": "Jana Vermieterin", "email": "jana@example.org", "preferred_language": "uk", "contact_consent": true}))
        .await;
    assert_eq!(s, 201, "{contact}");
    let sid = contact["id"].as_i64().unwrap() as i32;
    // Withdrawing the consent to be contacted is a line of the consent history.
    let (s, changed) = api
        .put(&format!("/api/v1/stakeholders/{sid}"), json!({"stakeholder_group": "landlord", "name": "Jana Vermieterin", "email": "jana@example.org", "preferred_language": "uk", "contact_consent": false}))
        .await;
    assert_eq!(s, 200, "{changed}");
    let (org_id, pid32, run32, session32, first32) =
        (org.id, pid as i32, run_id as i32, session_id as i32, first as i32);
    let user = org.coordinator.user_id;
    app.db
        .run_blocking(move |conn| {
            let now = mietschulung::time::now_utc();
            let day = now.date();
            diesel::insert_into(test_results::table)
                .values((
                    test_results::organisation_id.eq(org_id),
                    test_results::run_id.eq(run32),
                    test_results::participant_id.eq(pid32),
                    test_results::points.eq(17),
                    test_results::must_pass_correct.eq(3),
                    test_results::recorded_by.eq(user),
                    test_results::recorded_at.eq(now),
                ))
                .execute(conn)?;
            diesel::insert_into(certificate_checks::table)
                .values((
                    certificate_checks::organisation_id.eq(org_id),
                    certificate_checks::certificate_id.eq(first32),
                    certificate_checks::day.eq(day),
                    certificate_checks::checks.eq(4),
                ))
                .execute(conn)?;
            diesel::insert_into(session_reminders::table)
                .values((
                    session_reminders::organisation_id.eq(org_id),
                    session_reminders::session_id.eq(session32),
                    session_reminders::participant_id.eq(pid32),
                    session_reminders::kind.eq("day_before"),
                    session_reminders::recipient.eq(Some("amina@example.org")),
                    session_reminders::apology_token.eq("ENTSCHULDIGUNGS-SCHLUESSEL-0001"),
                    session_reminders::created_at.eq(now),
                ))
                .execute(conn)?;
            for (subject, id) in [("participant", pid32), ("stakeholder", sid)] {
                diesel::insert_into(erasures::table)
                    .values((
                        erasures::organisation_id.eq(org_id),
                        erasures::subject.eq(subject),
                        erasures::subject_id.eq(Some(id)),
                        erasures::reason.eq("retention"),
                        erasures::erased_at.eq(now),
                        erasures::counts.eq("{\"mails\":1}"),
                    ))
                    .execute(conn)?;
            }
            // The contact: invited to a named survey (answered), to another (a draft kept),
            // and to an anonymous one (answered; the answer is nobody's).
            let mut survey = |title: &str, anonymous: bool| -> QueryResult<i32> {
                let id: i32 = diesel::insert_into(surveys::table)
                    .values((
                        surveys::organisation_id.eq(org_id),
                        surveys::title.eq(title),
                        surveys::introduction.eq(""),
                        surveys::opens_on.eq(day),
                        surveys::closes_on.eq(day),
                        surveys::anonymous.eq(anonymous),
                        surveys::reminder_max.eq(0),
                        surveys::reminder_interval_days.eq(7),
                        surveys::open_token.eq(format!("offen-{title}-0123456789")),
                        surveys::created_at.eq(now),
                        surveys::updated_at.eq(now),
                    ))
                    .returning(surveys::id)
                    .get_result(conn)?;
                let question: i32 = diesel::insert_into(survey_questions::table)
                    .values((
                        survey_questions::survey_id.eq(id),
                        survey_questions::position.eq(1),
                        survey_questions::kind.eq("text"),
                        survey_questions::text.eq("Was fehlt Ihnen?"),
                        survey_questions::help.eq(""),
                        survey_questions::required.eq(false),
                        survey_questions::options_json.eq("[]"),
                        survey_questions::created_at.eq(now),
                    ))
                    .returning(survey_questions::id)
                    .get_result(conn)?;
                Ok(id * 1000 + question)
            };
            let named = survey("Benannt", false)?;
            let later = survey("Später", false)?;
            let secret = survey("Anonym", true)?;
            let invite =
                |conn: &mut mietschulung::db::DbConn, survey: i32, token: &str, answered: bool| {
                    diesel::insert_into(survey_invitations::table)
                        .values((
                            survey_invitations::survey_id.eq(survey / 1000),
                            survey_invitations::stakeholder_id.eq(sid),
                            survey_invitations::token.eq(token),
                            survey_invitations::sent_at.eq(Some(now)),
                            survey_invitations::reminders_sent.eq(0),
                            survey_invitations::answered_on.eq(answered.then_some(day)),
                            survey_invitations::created_at.eq(now),
                        ))
                        .returning(survey_invitations::id)
                        .get_result::<i32>(conn)
                };
            let respond = |conn: &mut mietschulung::db::DbConn,
                           survey: i32,
                           invitation: Option<i32>,
                           text: &str| {
                let response: i32 = diesel::insert_into(survey_responses::table)
                    .values((
                        survey_responses::survey_id.eq(survey / 1000),
                        survey_responses::invitation_id.eq(invitation),
                        survey_responses::stakeholder_group.eq("landlord"),
                        survey_responses::language.eq("de"),
                        survey_responses::submitted_on.eq(day),
                    ))
                    .returning(survey_responses::id)
                    .get_result(conn)?;
                diesel::insert_into(survey_answers::table)
                    .values((
                        survey_answers::response_id.eq(response),
                        survey_answers::question_id.eq(survey % 1000),
                        survey_answers::value_json.eq(json!(text).to_string()),
                    ))
                    .execute(conn)
            };
            let named_invitation = invite(conn, named, "PERSOENLICHER-LINK-benannt-01", true)?;
            respond(conn, named, Some(named_invitation), "Mehr Hausmeister")?;
            invite(conn, later, "PERSOENLICHER-LINK-spaeter-01", false)?;
            diesel::insert_into(survey_drafts::table)
                .values((
                    survey_drafts::survey_id.eq(later / 1000),
                    survey_drafts::token.eq("PERSOENLICHER-LINK-spaeter-01"),
                    survey_drafts::stakeholder_group.eq("landlord"),
                    survey_drafts::language.eq("de"),
                    survey_drafts::answers_json
                        .eq(format!("{{\"{}\": \"halb fertig\"}}", later % 1000)),
                    survey_drafts::updated_at.eq(now),
                ))
                .execute(conn)?;
            invite(conn, secret, "PERSOENLICHER-LINK-anonym-001", true)?;
            respond(conn, secret, None, "GEHEIME ANONYME ANTWORT")?;
            // A mail about the contact (the invitation path is proven in the survey tests).
            diesel::insert_into(mail_outbox::table)
                .values((
                    mail_outbox::organisation_id.eq(Some(org_id)),
                    mail_outbox::recipient.eq("jana@example.org"),
                    mail_outbox::subject.eq("Einladung zur Umfrage"),
                    mail_outbox::body_text.eq("…"),
                    mail_outbox::body_html.eq("…"),
                    mail_outbox::status.eq("sent"),
                    mail_outbox::attempts.eq(1),
                    mail_outbox::next_attempt_at.eq(now),
                    mail_outbox::created_at.eq(now),
                    mail_outbox::sent_at.eq(Some(now)),
                    mail_outbox::message_id.eq("<umfrage-1@example.org>"),
                    mail_outbox::stakeholder_id.eq(Some(sid)),
                ))
                .execute(conn)?;
            Ok(())
        })
        .expect("the rest of the person's data");

    let (s, participant) = api.get(&format!("/api/v1/participants/{pid}/export")).await;
    assert_eq!(s, 200, "{participant}");
    let (s, stakeholder) = api.get(&format!("/api/v1/stakeholders/{sid}/export")).await;
    assert_eq!(s, 200, "{stakeholder}");
    for (table, holds) in PERSONAL_TABLES {
        let parts: Vec<(&str, &Value)> = match holds {
            Holds::Participant(at) => vec![(*at, &participant)],
            Holds::Stakeholder(at) => vec![(*at, &stakeholder)],
            Holds::Both(at) => vec![(*at, &participant), (*at, &stakeholder)],
            Holds::Nobody(_) => vec![],
        };
        for (at, export) in parts {
            assert!(filled(export, at), "{table} is not in the export at {at}: {export:#}");
        }
    }
    // What each part says, where it matters.
    assert_eq!(participant["person"]["given_name"], "Amina");
    assert_eq!(participant["certificates"][0]["checks"][0]["checks"], 4);
    assert_eq!(participant["certificates"].as_array().map(Vec::len), Some(2), "revoked and new");
    assert!(participant["mails"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["recipient"] == "amina@example.org"));
    assert_eq!(participant["consent_events"][0]["kind"], "participation");
    let actions: Vec<&str> = participant["audit_entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    for action in ["participant.create", "enrollment.create", "certificate.revoke"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let given: Vec<&Value> =
        stakeholder["consent_events"].as_array().unwrap().iter().map(|c| &c["given"]).collect();
    assert_eq!(given, [&json!(true), &json!(false)], "given, then withdrawn");
    assert_eq!(stakeholder["survey_responses"][0]["answers"][0]["answer"], "Mehr Hausmeister");
    let draft = &stakeholder["survey_drafts"][0]["answers"][0];
    assert_eq!(
        (&draft["question"], &draft["answer"]),
        (&json!("Was fehlt Ihnen?"), &json!("halb fertig"))
    );
    let anonymous = stakeholder["survey_invitations"]
        .as_array()
        .and_then(|l| l.iter().find(|i| i["anonymous"] == true))
        .expect("the anonymous survey's invitation");
    assert_eq!((&anonymous["answered"], &anonymous["answered_on"]), (&json!(true), &Value::Null));
    // No keys, no anonymous answer.
    let both = format!("{participant}{stakeholder}");
    for never in ["GEHEIME ANONYME ANTWORT", "PERSOENLICHER-LINK", "ENTSCHULDIGUNGS-SCHLUESSEL"] {
        assert!(!both.contains(never), "{never} must not be in an export");
    }

    // Each export is on the record, about the person.
    let audited = |action: &'static str| {
        app.db
            .run_blocking(move |conn| {
                Ok(audit_log::table
                    .filter(audit_log::action.eq(action))
                    .filter(
                        audit_log::participant_id
                            .eq(Some(pid32))
                            .or(audit_log::stakeholder_id.eq(Some(sid))),
                    )
                    .count()
                    .get_result::<i64>(conn)?)
            })
            .expect("count")
    };
    assert_eq!((audited("participant.export"), audited("stakeholder.export")), (1, 1));

    // The readable page and the file, through the browser.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get(&format!("/participants/{pid}/export")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for (table, holds) in PERSONAL_TABLES {
        if let Holds::Participant(at) | Holds::Both(at) = holds {
            let section = at.trim_start_matches('/').split('/').next().unwrap();
            assert!(
                page.body.contains(&format!("data-section=\"{section}\"")),
                "{table} on the page"
            );
        }
    }
    // Headings also in the person's language (Arabic) where the service has them.
    assert!(page.body.contains("lang=\"ar\" dir=\"rtl\""), "{}", page.body);
    let resp = b
        .client
        .get(format!("{}/stakeholders/{sid}/export.json", b.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200);
    let disposition = resp.headers().get("content-disposition").and_then(|v| v.to_str().ok());
    assert!(disposition.is_some_and(|d| d.starts_with("attachment")), "a file to keep");
    let file: Value = resp.json().await.expect("JSON");
    assert_eq!(file["person"]["name"], "Jana Vermieterin");

    // In the API's document, with the export's schema.
    let (_, doc) = api.get("/api/v1/openapi.json").await;
    for (path, method) in [
        ("/api/v1/participants/{id}", "get"),
        ("/api/v1/participants/{id}", "put"),
        ("/api/v1/participants/{id}/export", "get"),
        ("/api/v1/stakeholders/{id}/export", "get"),
    ] {
        assert!(
            doc["paths"][path][method]["responses"]["410"].is_object()
                || method == "get" && path == "/api/v1/participants/{id}",
            "{method} {path}"
        );
    }
    assert!(doc["components"]["schemas"]["ParticipantDisclosure"]["properties"]
        ["attendance_history"]
        .is_object());
}
both_backends!(every_personal_table_is_in_the_export, every_personal_table_is_in_the_export);

async fn access_is_scoped_escaped_and_corrections_keep_the_rules(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("berichtigung");
    let other = app.create_org("nachbarkreis");
    let api = app.api_token(&org.coordinator.email).await;
    let pid = common::register(&api, "Olena", "Kowalenko", Some("olena@example.org")).await;
    let (run_id, _) = enrolled_and_present(&api, "MS-B", pid).await;
    let cert = issue(&api, run_id, pid).await;

    // Another organisation's coordinator finds nobody; a trainer of the same one is refused.
    let stranger = app.api_token(&other.coordinator.email).await;
    for path in
        [format!("/api/v1/participants/{pid}/export"), format!("/api/v1/participants/{pid}")]
    {
        let (s, e) = stranger.get(&path).await;
        assert_eq!(s, 404, "{path}: {e}");
    }
    let (s, e) = stranger
        .put(
            &format!("/api/v1/participants/{pid}"),
            json!({"given_name": "X", "family_name": "Y", "preferred_language": "de"}),
        )
        .await;
    assert_eq!(s, 404, "{e}");
    let trainer = app.api_token(&org.trainer.email).await;
    let (s, e) = trainer.get(&format!("/api/v1/participants/{pid}/export")).await;
    assert_eq!(s, 403, "{e}");
    let sb = app.browser();
    sb.login(&other.coordinator.email).await;
    assert_eq!(sb.get(&format!("/participants/{pid}/export")).await.status, 404);
    assert_eq!(sb.get(&format!("/participants/{pid}")).await.status, 404);

    // Correction with the rules of registration.
    let coordinator = &api;
    let correct = move |body: Value| async move {
        coordinator.put(&format!("/api/v1/participants/{pid}"), body).await
    };
    let (s, e) = correct(json!({"given_name": "Olena\u{202e}", "family_name": "Kowalenko", "preferred_language": "uk"})).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("given_name")), "{e}");
    let (s, e) = correct(json!({"given_name": "Olena", "family_name": "Kowalenko", "preferred_language": "uk", "email": "keine-adresse"})).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("email")), "{e}");
    // The family name as in the passport, the email gone, the consent date corrected.
    let (s, done) = correct(json!({"given_name": "Olena", "family_name": "Kovalenko", "preferred_language": "uk", "consent_date": "2026-02-01"})).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(
        done["changed"],
        json!(["family_name", "preferred_language", "email", "consent_date"])
    );
    assert_eq!(done["certificates_with_old_name"], json!([cert]));
    assert_eq!(done["participant"]["email"], Value::Null);
    let (pid32, org_id) = (pid as i32, org.id);
    let (detail, consents) = app
        .db
        .run_blocking(move |conn| {
            let detail: String = audit_log::table
                .filter(audit_log::action.eq("participant.correct"))
                .filter(audit_log::participant_id.eq(Some(pid32)))
                .select(audit_log::detail)
                .first(conn)?;
            let consents: i64 = consent_events::table
                .filter(consent_events::organisation_id.eq(org_id))
                .filter(consent_events::participant_id.eq(Some(pid32)))
                .count()
                .get_result(conn)?;
            Ok((detail, consents))
        })
        .expect("audit and consent");
    assert_eq!(
        detail, "family_name,preferred_language,email,consent_date",
        "field names, no values"
    );
    assert_eq!(consents, 2, "registration and the corrected date");
    // The same again changes nothing and writes nothing.
    let (s, same) = correct(json!({"given_name": "Olena", "family_name": "Kovalenko", "preferred_language": "uk", "consent_date": "2026-02-01"})).await;
    assert_eq!((s, same["changed"].clone()), (200, json!([])), "{same}");

    // The page says the certificate still shows the old name and offers the replacement.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let path = format!("/participants/{pid}");
    let page = b.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-test=\"old-name-certificate\""), "{}", page.body);
    for action in ["/edit", "/export", "/erase"] {
        assert!(page.body.contains(&format!("href=\"{path}{action}\"")), "{action}");
    }
    let replaced = b
        .submit(
            &path,
            &format!("/certificates/{cert}/reissue"),
            &[("given_name", "Olena"), ("family_name", "Kovalenko")],
        )
        .await;
    assert_eq!(replaced.status, 303, "{}", replaced.body);
    let (_, list) = api.get(&format!("/api/v1/runs/{run_id}/certificates")).await;
    let valid: Vec<&Value> =
        list.as_array().unwrap().iter().filter(|c| c["status"] == "valid").collect();
    assert_eq!(valid.len(), 1, "{list}");
    assert_eq!(valid[0]["holder_name"], "Olena Kovalenko");
    assert!(!b.get(&path).await.body.contains("old-name-certificate"));

    // The form: a refusal shows the page again with the message, in the page's language.
    let refused = b
        .submit(
            &format!("{path}/edit"),
            &format!("{path}/edit"),
            &[("given_name", "Olena"), ("family_name", ""), ("preferred_language", "uk")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("error-summary"), "{}", refused.body);
    let saved = b
        .submit(
            &format!("{path}/edit"),
            &format!("{path}/edit"),
            &[
                ("given_name", "Olena"),
                ("family_name", "Kovalenko"),
                ("preferred_language", "uk"),
                ("phone", "+49 170 1234567"),
                ("consent_date", "2026-02-01"),
            ],
        )
        .await;
    assert_eq!(
        (saved.status, saved.location.as_deref()),
        (303, Some(path.as_str())),
        "{}",
        saved.body
    );

    // Text that reached the database some other way is escaped and isolated on the page.
    let long = "Ж".repeat(10_000);
    let hostile = format!("<script>alert(1)</script>\u{202e}gnp.exe\nzweite Zeile 🏠 {long}");
    app.db
        .run_blocking(move |conn| {
            diesel::update(participants::table.find(pid32))
                .set(participants::referrer_organisation.eq(Some(hostile)))
                .execute(conn)?;
            Ok(())
        })
        .expect("stored text");
    let export = b.get(&format!("{path}/export")).await;
    assert_eq!(export.status, 200);
    assert!(!export.body.contains("<script>alert(1)"), "escaped");
    assert!(export.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!export.body.contains('\u{202e}'), "no bidi control reaches the page");
    assert!(export.body.contains("🏠") && export.body.contains(&long));

    // Once erased, there is nothing left to disclose or correct.
    let (s, e) = api
        .post(&format!("/api/v1/participants/{pid}/erasure"), json!({"reason": "request"}))
        .await;
    assert_eq!(s, 200, "{e}");
    let (s, e) = api.get(&format!("/api/v1/participants/{pid}/export")).await;
    assert_eq!((s, e["code"].as_str()), (410, Some("gone")), "{e}");
    let (s, _) = correct(
        json!({"given_name": "Olena", "family_name": "Kovalenko", "preferred_language": "uk"}),
    )
    .await;
    assert_eq!(s, 410);
    let page = b.get(&path).await;
    assert!(
        page.body.contains("data-test=\"erased\"") && !page.body.contains("/export\""),
        "{}",
        page.body
    );
    assert_eq!(b.get(&format!("{path}/export")).await.status, 410);
}
both_backends!(
    access_is_scoped_escaped_and_corrections_keep_the_rules,
    access_is_scoped_escaped_and_corrections_keep_the_rules
);
