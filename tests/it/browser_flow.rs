//! The whole path through the browser UI: admin → organisation and users → coordinator plans
//! and registers → trainer marks attendance on the roster → coordinator issues → landlord
//! scans the QR code → coordinator revokes.

use crate::both_backends;
use crate::common::{self, id_from_location, Backend};

async fn whole_path(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.create_admin("admin@example.org");

    // Admin: organisation and its users.
    let admin = app.browser();
    let page = admin.login("admin@example.org").await;
    assert_eq!(page.location.as_deref(), Some("/admin/organisations"));
    let page = admin
        .submit(
            "/admin/organisations",
            "/admin/organisations",
            &[
                ("slug", "altenburger-land"),
                ("name", "Landkreis Altenburger Land"),
                ("issuer_name", "Landratsamt Altenburger Land – Integrationsmanagement"),
                ("signatory_name", "Dr. Sabine Müller"),
                ("signatory_title", "Integrationsmanagerin"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let org_path = page.location.clone().unwrap();
    for (email, name, role) in [
        ("koordination@altenburg.example", "Katrin Koordinatorin", "coordinator"),
        ("trainer@altenburg.example", "Tarek Trainer", "trainer"),
    ] {
        let page = admin
            .submit(
                &org_path,
                &format!("{org_path}/users"),
                &[("display_name", name), ("email", email), ("role", role)],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // The admin makes up no password: the person chooses it through the invitation.
        super::accounts::accept_invitation(&app, email, common::PASSWORD).await;
    }
    let page = admin.get(&org_path).await;
    assert!(page.body.contains("trainer@altenburg.example"));

    // Coordinator: course, modules, run, sessions, participants, enrollment.
    let coord = app.browser();
    let page = coord.login("koordination@altenburg.example").await;
    assert_eq!(page.location.as_deref(), Some("/courses"));
    let page = coord
        .submit(
            "/courses",
            "/courses",
            &[("code", "ms-2026"), ("title", "Mietführerschein Frühjahr"), ("description", "")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let course_path = page.location.clone().unwrap();
    let course_id = id_from_location(&page.location);
    for (title, minutes, mandatory) in [
        ("Mietvertrag", "90", true),
        ("Rechte und Pflichten", "60", true),
        ("Heizen und Lüften", "45", true),
        ("Energie und Wasser sparen", "45", false),
        ("Mülltrennung und Hausordnung", "60", true),
    ] {
        let mut fields = vec![("title", title), ("duration_minutes", minutes)];
        if mandatory {
            fields.push(("mandatory", "on"));
        }
        let page =
            coord.submit(&course_path, &format!("/courses/{course_id}/modules"), &fields).await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    let page = coord.get(&course_path).await;
    assert!(page.body.contains("Mülltrennung und Hausordnung"));
    assert!(page.body.contains("MS-2026"), "course code is upper-cased");
    let page = coord
        .submit(
            &course_path,
            &format!("/courses/{course_id}/runs"),
            &[
                ("start_date", "2026-03-02"),
                ("end_date", "2026-03-09"),
                ("place", "VHS Altenburg"),
                ("capacity", "12"),
                ("interpreter_languages", "ar"),
                ("interpreter_languages", "uk"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let run_path = page.location.clone().unwrap();
    let run_id = id_from_location(&page.location);
    let run_page = coord.get(&run_path).await;
    assert!(run_page.body.contains("العربية"), "interpreter languages shown");
    let module_ids: Vec<String> = run_page
        .body
        .match_indices("name=\"module_ids\" value=\"")
        .map(|(i, m)| run_page.body[i + m.len()..].split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(module_ids.len(), 5);
    let trainer_option = run_page.body.find("> Tarek Trainer</label>").expect("trainer offered");
    let value_at = run_page.body[..trainer_option].rfind("value=\"").unwrap() + 7;
    let trainer_id = run_page.body[value_at..trainer_option].trim_end_matches('"').to_string();
    // Session 1: modules 1-3, session 2: modules 4-5 (a day of a DST change is not needed here).
    for (date, modules) in [("2026-03-02", &module_ids[..3]), ("2026-03-09", &module_ids[3..])] {
        let mut fields = vec![
            ("date", date),
            ("start", "09:00"),
            ("end", "12:00"),
            ("location", "VHS Raum 1.12"),
            ("trainer_ids", trainer_id.as_str()),
        ];
        for m in modules {
            fields.push(("module_ids", m.as_str()));
        }
        let page = coord.submit(&run_path, &format!("/runs/{run_id}/sessions"), &fields).await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    for (given, family, email) in
        [("Jürgen", "Größmann", "juergen@example.org"), ("Олена", "Шевченко", "")]
    {
        let page = coord
            .submit(
                "/participants",
                "/participants",
                &[
                    ("given_name", given),
                    ("family_name", family),
                    ("preferred_language", "uk"),
                    ("phone", ""),
                    ("email", email),
                    ("consent", "on"),
                    ("consent_date", "2026-02-20"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    let run_page = coord.get(&run_path).await;
    let candidates: Vec<String> = run_page
        .body
        .split("name=\"participant_ids\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(candidates.len(), 2);
    // One enrolled on their own, then the rest ticked together ("Ausgewählte anmelden").
    for pids in [&candidates[..1], &candidates[1..]] {
        let fields: Vec<(&str, &str)> =
            pids.iter().map(|p| ("participant_ids", p.as_str())).collect();
        let page = coord.submit(&run_path, &format!("/runs/{run_id}/enrollments"), &fields).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(
            !page.location.as_deref().unwrap_or("").contains('?'),
            "the redirect carries no message in the address: {:?}",
            page.location
        );
    }
    // Post/redirect/get: the page after the redirect confirms the save once; a reload
    // neither posts again nor repeats the confirmation.
    let confirmed = coord.get(&run_path).await;
    assert_eq!(confirmed.body.matches("data-test=\"flash\"").count(), 1, "{}", confirmed.body);
    let reloaded = coord.get(&run_path).await;
    assert!(!reloaded.body.contains("data-test=\"flash\""));

    // Trainer on the phone: my sessions, roster, marks, a correction.
    let trainer = app.browser();
    let page = trainer.login("trainer@altenburg.example").await;
    assert_eq!(page.location.as_deref(), Some("/my/sessions"));
    let mine = trainer.get("/my/sessions").await;
    let session_ids: Vec<String> = mine
        .body
        .match_indices("href=\"/sessions/")
        .map(|(i, m)| mine.body[i + m.len()..].split('/').next().unwrap().to_string())
        .collect();
    assert_eq!(session_ids.len(), 2, "{}", mine.body);
    for sid in &session_ids {
        let roster_path = format!("/sessions/{sid}/roster");
        let roster = trainer.get(&roster_path).await;
        assert!(roster.body.contains("Größmann, Jürgen"));
        for pid in &candidates {
            let page = trainer
                .submit(
                    &roster_path,
                    &format!("/sessions/{sid}/attendance"),
                    &[("participant_id", pid), ("status", "absent"), ("revision", "0")],
                )
                .await;
            assert_eq!(page.status, 303);
            // The correction: absent → present (the second participant only "late" in session 2).
            let status =
                if pid == &candidates[1] && sid == &session_ids[1] { "late" } else { "present" };
            let page = trainer
                .submit(
                    &roster_path,
                    &format!("/sessions/{sid}/attendance"),
                    &[("participant_id", pid), ("status", status), ("revision", "1")],
                )
                .await;
            assert_eq!(page.status, 303);
            let shown = trainer.get(page.location.as_deref().unwrap()).await;
            assert!(shown.body.contains("Gespeichert"), "visible confirmation");
        }
    }
    assert_eq!(app.count("attendance"), 4, "one current mark per person and session");
    assert_eq!(app.count("attendance_marks"), 8, "every mark is kept");
    // The trainer cannot reach the coordinator's pages.
    assert_eq!(trainer.get(&run_path).await.status, 403);

    // Coordinator: completion and certificates.
    let run_page = coord.get(&run_path).await;
    assert_eq!(run_page.body.matches("abgeschlossen am").count(), 2, "{}", run_page.body);
    // Issuing runs as a batch with a progress page; issuing again creates nothing new.
    for expected in ["2 ausgestellt", "0 ausgestellt, 2 hatten schon eine"] {
        let page = coord.submit(&run_path, &format!("/runs/{run_id}/certificates"), &[]).await;
        assert_eq!(page.status, 303);
        let progress = page.location.clone().expect("progress page");
        let started = std::time::Instant::now();
        let mut page = coord.get(&progress).await;
        while !page.body.contains("Fertig.") {
            assert!(started.elapsed() < std::time::Duration::from_secs(60));
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
            page = coord.get(&progress).await;
        }
        assert!(page.body.contains(expected), "{}", page.body);
    }
    assert_eq!(app.count("certificates"), 2);
    let run_page = coord.get(&run_path).await;
    let cert_ids: Vec<String> = run_page
        .body
        .match_indices("href=\"/certificates/")
        .map(|(i, m)| run_page.body[i + m.len()..].split('/').next().unwrap().to_string())
        .collect();
    assert_eq!(cert_ids.len(), 2);
    let (status, ct, pdf) = coord.get_bytes(&format!("/certificates/{}/pdf", cert_ids[0])).await;
    assert_eq!(status, 200);
    assert_eq!(ct.as_deref(), Some("application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    let url = common::pdf_qr::decode_qr_from_pdf(&pdf).expect("QR decodes in-process");
    assert!(url.starts_with(&app.base.to_uppercase()), "{url}");
    assert!(url.contains("/Z/"));
    if common::tool_available("pdftotext") {
        let path = app.data_dir.path().join("cert.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Teilnahmebescheinigung"));
        assert!(text.contains("Jürgen Größmann") || text.contains("Олена Шевченко"), "{text}");
        assert!(text.contains("Landratsamt Altenburger Land"));
        assert!(text.contains("Mietvertrag"));
        // Page 2 tells the landlord where to prepare checking without a network.
        let host = app.base.trim_start_matches("http://");
        assert!(text.contains(&format!("{host}/pruefen")), "{text}");
    }

    // Landlord: scans the QR code (no account, any case of the path).
    let landlord = app.browser();
    let path = url[app.base.len()..].to_string();
    let page = landlord.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(common::verdict(&page.body) == Some("valid"));
    assert!(page.body.contains(&common::said("verify.id_hint", &[])));
    assert!(page.body.contains("Landratsamt Altenburger Land – Integrationsmanagement"));
    assert!(!page.body.contains("juergen@example.org"), "no contact data on the public page");
    assert!(!page.body.contains("VHS Raum"), "no attendance details on the public page");
    let lower = path.replacen("/Z/", "/z/", 1);
    assert!(common::verdict(&landlord.get(&lower).await.body) == Some("valid"));
    // The printed code typed in by hand.
    let code_marker = "<code dir=\"ltr\">";
    let code_start = page.body.find(code_marker).unwrap() + code_marker.len();
    let code = page.body[code_start..].split('<').next().unwrap().to_string();
    let by_code = landlord.get(&format!("/z?code={}", code.to_lowercase().replace('-', " "))).await;
    assert!(common::verdict(&by_code.body) == Some("valid"), "{}", by_code.body);

    // Coordinator revokes; the public page says so without the reason.
    let holder_id = &cert_ids[0];
    let page = coord
        .submit(
            &run_path,
            &format!("/certificates/{holder_id}/revoke"),
            &[("reason", "Name falsch geschrieben – interner Vermerk")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = landlord.get(&path).await;
    assert!(common::verdict(&page.body) == Some("revoked"), "{}", page.body);
    assert!(!page.body.contains("interner Vermerk"));

    // The participant with an email got the certificate through the outbox (file transport);
    // the other mails are the two invitations.
    let mail_dir = app.settings.mail_dir();
    let certificate_mails = || -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(&mail_dir) else { return Vec::new() };
        dir.flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter(|eml| eml.contains("application/pdf"))
            .collect()
    };
    common::wait_until("certificate mail written", std::time::Duration::from_secs(15), || {
        certificate_mails().len() == 1
    })
    .await;
    let eml = certificate_mails().remove(0);
    assert!(eml.contains("juergen@example.org"));
    assert!(eml.contains("application/pdf"));

    // Logout ends the session.
    let page = coord.submit("/courses", "/logout", &[]).await;
    assert_eq!(page.status, 303);
    assert_eq!(coord.get("/courses").await.location.as_deref(), Some("/login"));
}

both_backends!(whole_path_in_the_browser_ui, whole_path);
