//! State programmes: membership and what it shares, figures without personal data (small
//! counts held back, the rest matching the members' own figures), exports, leaving, the
//! shared library, and the `programme` role reading nothing personal through any route.

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Api, Backend, TestApp};

const NAMES: &[&str] = &["Nowak", "Haddad", "Rahimi", "Kovalenko", "Yilmaz"];

/// A person with a place (or on the waiting list) in `run_id`.
async fn enrol(api: &Api, run_id: i64, n: usize, language: &str) {
    for i in 0..n {
        let family = NAMES[i % NAMES.len()];
        let (s, p) = api
            .post(
                "/api/v1/participants",
                json!({"given_name": format!("Person{i}"), "family_name": family,
                "preferred_language": language, "consent": true}),
            )
            .await;
        assert_eq!(s, 201, "{p}");
        let (s, e) = api
            .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": p["id"]}))
            .await;
        assert!(s == 201 || s == 200, "{s} {e}");
    }
}

async fn run_between(api: &Api, code: &str, capacity: i32, start: &str, end: &str) -> i64 {
    common::plan_run_between(api, code, capacity, &[("Mietvertrag", true)], start, end).await.1
}

/// An account of the programme's office, invited through the API and given a password
/// the way the operator's command line does.
async fn office_account(app: &TestApp, admin: &Api, programme: i64, email: &str) -> Api {
    let (s, body) = admin
        .post(
            &format!("/api/v1/admin/programmes/{programme}/accounts"),
            json!({"email": email, "display_name": "Programmbüro"}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let email = email.to_string();
    let _ = body;
    app.db
        .run_blocking(move |conn| {
            mietschulung::auth::service::set_password(conn, &email, common::PASSWORD)
        })
        .expect("password");
    app.api_token(&email_for(programme)).await
}

fn email_for(programme: i64) -> String {
    format!("buero{programme}@land.example.org")
}

struct Setting {
    admin: Api,
    programme: i64,
    a: Api,
    b: Api,
    c: Api,
    office: Api,
}

/// A programme of 2026 with three members: `a` shares figures and templates, `b` figures,
/// `c` templates only.
async fn programme_of_three(app: &TestApp) -> Setting {
    app.create_admin("admin@land.example.org");
    let admin = app.api_token("admin@land.example.org").await;
    let (s, p) = admin
        .post("/api/v1/admin/programmes", json!({"name": "Mietschulungen Thüringen", "funding_body": "Freistaat Thüringen",
            "periods": [{"label": "Förderjahr 2025", "starts_on": "2025-01-01", "ends_on": "2025-12-31"},
                        {"label": "Förderjahr 2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}]}))
        .await;
    assert_eq!(s, 201, "{p}");
    let programme = p["id"].as_i64().unwrap();
    let mut apis = Vec::new();
    for (slug, figures, templates) in
        [("a-prog", true, true), ("b-prog", true, false), ("c-prog", false, true)]
    {
        let org = app.create_org(slug);
        let (s, body) = admin
            .post(
                &format!("/api/v1/admin/programmes/{programme}/members"),
                json!({"organisation_id": org.id}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        let api = app.api_token(&org.coordinator.email).await;
        let (s, m) = api
            .put(
                &format!("/api/v1/programmes/{programme}/membership"),
                json!({"figures": figures, "templates": templates}),
            )
            .await;
        assert_eq!(s, 200, "{m}");
        assert_eq!(m["state"], "member");
        apis.push(api);
    }
    let office = office_account(app, &admin, programme, &email_for(programme)).await;
    let c = apis.pop().unwrap();
    let b = apis.pop().unwrap();
    let a = apis.pop().unwrap();
    Setting { admin, programme, a, b, c, office }
}

fn count(v: &Value) -> Option<u64> {
    v.as_u64()
}

const PERSONAL: &[&str] =
    &["enrolled", "waiting", "completed", "certificates_issued", "marks", "no_shows"];
const THINGS: &[&str] =
    &["courses", "runs", "sessions_held", "places_offered", "certificate_checks"];

/// Every figure the programme shows is either the member's own figure, or held back in a
/// way that fits it ("< 5": 1 to 4, "x": 5 or more); totals are the sums of the members'.
fn assert_matches_own(programme: &Value, own: &[Value]) {
    let members = programme["figures"]["members"].as_array().unwrap();
    assert_eq!(members.len(), own.len());
    let quarters = programme["figures"]["quarters"].as_array().unwrap().len();
    let cells = |row: &Value| -> Vec<Value> {
        let mut v: Vec<Value> = row["quarters"].as_array().unwrap().clone();
        v.push(row["period"].clone());
        v
    };
    // The programme shows the quarters that have ended; an organisation sees all its own.
    // The test's data lie in ended quarters, so the periods agree too.
    let codes: Vec<&Value> =
        programme["figures"]["quarters"].as_array().unwrap().iter().map(|q| &q["code"]).collect();
    let own: Vec<Value> = own
        .iter()
        .map(|d| {
            let mut d = d.clone();
            let all = d["figures"]["quarters"].as_array().unwrap().clone();
            let row = &mut d["figures"]["members"][0];
            let kept: Vec<Value> = all
                .iter()
                .zip(row["quarters"].as_array().unwrap())
                .filter(|(q, _)| codes.contains(&&q["code"]))
                .map(|(_, c)| c.clone())
                .collect();
            row["quarters"] = Value::Array(kept);
            d
        })
        .collect();
    let own = &own[..];
    for (shown_row, own_dash) in members.iter().zip(own) {
        let own_row = &own_dash["figures"]["members"][0];
        assert_eq!(shown_row["organisation"], own_row["organisation"]);
        for (shown, truth) in cells(shown_row).iter().zip(cells(own_row)) {
            for m in PERSONAL {
                let t = count(&truth[m]).expect("own figures hold nothing back");
                match &shown[m] {
                    Value::Number(n) => assert_eq!(n.as_u64(), Some(t), "{m}"),
                    Value::String(s) if s == "< 5" => assert!((1..5).contains(&t), "{m}: {t}"),
                    Value::String(s) if s == "x" => assert!(t >= 5, "{m}: {t} hidden as x"),
                    other => panic!("{m}: {other}"),
                }
            }
            for m in THINGS {
                assert_eq!(shown[m], truth[m], "{m}");
            }
        }
    }
    let total = &programme["figures"]["total"];
    for (i, shown) in cells(total).iter().enumerate() {
        for m in PERSONAL.iter().chain(THINGS) {
            let sum: u64 = own
                .iter()
                .map(|d| {
                    let row = &d["figures"]["members"][0];
                    let cell = if i < quarters { &row["quarters"][i] } else { &row["period"] };
                    cell[m].as_u64().unwrap()
                })
                .sum();
            match &shown[m] {
                Value::Number(n) => assert_eq!(n.as_u64(), Some(sum), "total {m}"),
                Value::String(s) if s == "< 5" => assert!((1..5).contains(&sum)),
                Value::String(s) if s == "x" => assert!(sum >= 5),
                other => panic!("total {m}: {other}"),
            }
        }
    }
}

fn no_person_in(text: &str) {
    for name in NAMES {
        assert!(!text.contains(name), "a participant's name reached the programme: {name}");
    }
    assert!(!text.contains("Person0"), "a participant's given name reached the programme");
}

async fn figures(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let Setting { admin, programme, a, b, c, office } = programme_of_three(&app).await;
    // a: one run in the first quarter, 7 places taken, 2 waiting.
    let run_a = run_between(&a, "MS-A", 7, "2026-02-02", "2026-02-27").await;
    enrol(&a, run_a, 9, "ar").await;
    // b: 3 in the first quarter (a small count), 6 in the second, two of them Farsi.
    let run_b1 = run_between(&b, "MS-B1", 10, "2026-02-02", "2026-02-27").await;
    enrol(&b, run_b1, 3, "ar").await;
    let run_b2 = run_between(&b, "MS-B2", 10, "2026-05-04", "2026-05-29").await;
    enrol(&b, run_b2, 4, "ar").await;
    enrol(&b, run_b2, 2, "fa").await;
    // c shares no figures: its 9 people appear nowhere.
    let run_c = run_between(&c, "MS-C", 10, "2026-02-02", "2026-02-27").await;
    enrol(&c, run_c, 9, "uk").await;

    // b also had people in 2025, which nobody looks at before b leaves.
    let run_b0 = run_between(&b, "MS-B0", 10, "2025-11-03", "2025-11-28").await;
    enrol(&b, run_b0, 6, "ar").await;

    let (_, detail) = office.get(&format!("/api/v1/programmes/{programme}")).await;
    let period_2025 = detail["periods"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/programmes/{programme}/figures");
    // Four first views at once (as from two replicas): each quarter is frozen once, and
    // every view shows the same figures.
    let views = futures_util::future::join_all((0..4).map(|_| office.get(&path))).await;
    let (s, dash) = views[0].clone();
    assert_eq!(s, 200, "{dash}");
    for (s, v) in &views {
        assert_eq!((*s, &v["figures"]), (200, &dash["figures"]));
    }
    let text = dash.to_string();
    no_person_in(&text);
    assert_eq!(dash["period"]["label"], "Förderjahr 2026");
    let today = mietschulung::time::today_local();
    let ended =
        (1..=4).filter(|q| mietschulung::reports::filter::quarter(2026, *q).1 < today).count();
    assert_eq!(dash["figures"]["quarters"].as_array().unwrap().len(), ended, "ended quarters only");
    assert_eq!(dash["open_quarters"].as_array().unwrap().len(), 4 - ended);
    assert_eq!(app.count("programme_quarters") as usize, ended, "each ended quarter frozen once");
    let members = dash["figures"]["members"].as_array().unwrap();
    assert_eq!(members.len(), 2, "c shares no figures: {text}");
    assert!(!text.contains("c-prog"));
    assert_eq!(members[1]["quarters"][0]["enrolled"], "< 5", "b's 3 people in Q1");
    assert_eq!(members[0]["quarters"][0]["waiting"], "< 5", "a's waiting list of 2");
    assert_eq!(dash["figures"]["total"]["period"]["enrolled"], 16);
    assert_eq!(dash["figures"]["total"]["period"]["places_offered"], 27);
    let languages = dash["figures"]["languages"].as_array().unwrap();
    assert!(!text.contains("\"uk\""), "c's languages are not counted");
    let fa = languages.iter().find(|l| l["code"] == "fa").expect("Farsi listed");
    assert_eq!(fa["places"], "< 5");
    let ar = languages.iter().find(|l| l["code"] == "ar").unwrap();
    assert_eq!(ar["places"], "x", "else 16 - 14 would give the Farsi count away");

    // The figures are the members' own, as each sees them.
    let (s, own_a) = a.get(&format!("/api/v1/programmes/{programme}/own-figures")).await;
    assert_eq!(s, 200, "{own_a}");
    let (_, own_b) = b.get(&format!("/api/v1/programmes/{programme}/own-figures")).await;
    assert_eq!(
        own_b["figures"]["members"][0]["quarters"][0]["enrolled"], 3,
        "own: nothing held back"
    );
    assert_matches_own(&dash, &[own_a, own_b]);
    assert_eq!(admin.get(&path).await.1, dash, "admins see what the office sees");

    // Files for the funding report hold the same figures back.
    let (s, csv) = office.get(&format!("{path}.csv")).await;
    assert_eq!(s, 200);
    let csv = csv.as_str().unwrap().to_string();
    assert!(
        csv.contains("< 5") && csv.contains("Insgesamt") && csv.contains("Landkreis a-prog"),
        "{csv}"
    );
    no_person_in(&csv);
    let (s, xlsx) = office.get(&format!("{path}.xlsx")).await;
    assert_eq!(s, 200);
    assert!(xlsx.as_str().unwrap().starts_with("PK"));
    assert_eq!(office.get(&format!("{path}.exe")).await.0, 404);
    let pdf = office
        .client
        .get(format!("{}{path}.pdf", office.base))
        .bearer_auth(&office.token)
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    let pdf = pdf.bytes().await.expect("bytes").to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bericht.pdf");
    std::fs::write(&file, &pdf).expect("write");
    common::qpdf_check(&file);
    if common::tool_available("pdftotext") {
        let out = std::process::Command::new("pdftotext")
            .arg(&file)
            .arg("-")
            .output()
            .expect("pdftotext");
        common::assert_succeeded(&out);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Mietschulungen Thüringen") && text.contains("Insgesamt"), "{text}");
        assert!(text.contains("Landkreis a-prog") && text.contains("Landkreis b-prog"), "{text}");
        assert!(text.contains("<5") || text.contains("< 5"), "held back in the report too: {text}");
        no_person_in(&text);
    }

    // Members and others read nothing of the programme's figures.
    for other in [&a, &c] {
        assert_eq!(other.get(&path).await.0, 403);
    }
    // b leaves: what it shared stays as published, it shares nothing from then on.
    let (s, left) =
        b.post(&format!("/api/v1/programmes/{programme}/membership/leave"), json!({})).await;
    assert_eq!(s, 200, "{left}");
    assert_eq!(left["state"], "left");
    assert_eq!(
        b.post(&format!("/api/v1/programmes/{programme}/membership/leave"), json!({})).await.0,
        409
    );
    let (_, after) = office.get(&path).await;
    assert_eq!(
        after["figures"], dash["figures"],
        "published quarters never change: nothing to subtract"
    );
    let (_, earlier) = office.get(&format!("{path}?period={period_2025}")).await;
    let members = earlier["figures"]["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{earlier}");
    assert_eq!(members[0]["organisation"], "Landkreis a-prog");
    assert_eq!(
        earlier["figures"]["total"]["period"]["enrolled"], 0,
        "b's 2025 people were never shared"
    );
    assert_eq!(office.get(&format!("{path}?period=abc")).await.0, 404);
    assert_eq!(b.get(&format!("/api/v1/programmes/{programme}/own-figures")).await.0, 200);
    for action in [
        "programme.create",
        "programme.invite",
        "programme.join",
        "programme.leave",
        "programme.export",
    ] {
        assert!(app.count(&format!("audit_log WHERE action = '{action}'")) > 0, "{action} audited");
    }
    app.assert_rules_hold();
}

both_backends!(figures_are_the_members_own_with_small_counts_held_back, figures);

async fn membership(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.create_admin("admin@land.example.org");
    let admin = app.api_token("admin@land.example.org").await;
    let (s, p) = admin
        .post("/api/v1/admin/programmes", json!({"name": "Landesprogramm", "funding_body": "Land"}))
        .await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    let (_, detail) = admin.get(&format!("/api/v1/programmes/{id}")).await;
    assert_eq!(detail["periods"].as_array().unwrap().len(), 1, "the current year by default");
    for (period, field) in [
        (
            json!({"label": "Halbjahr", "starts_on": "2027-02-01", "ends_on": "2027-06-30"}),
            "starts_on",
        ),
        (
            json!({"label": "Halbjahr", "starts_on": "2027-01-01", "ends_on": "2027-06-15"}),
            "ends_on",
        ),
        (
            json!({"label": "Überschneidung", "starts_on": "2026-07-01", "ends_on": "2027-06-30"}),
            "starts_on",
        ),
        (json!({"label": "", "starts_on": "2027-01-01", "ends_on": "2027-06-30"}), "label"),
    ] {
        let (s, e) = admin.post(&format!("/api/v1/admin/programmes/{id}/periods"), period).await;
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{e}");
    }
    let (s, periods) = admin
        .post(
            &format!("/api/v1/admin/programmes/{id}/periods"),
            json!({"label": "2027", "starts_on": "01.01.2027", "ends_on": "31.12.2027"}),
        )
        .await;
    assert_eq!(s, 201, "{periods}");
    let org = app.create_org("mitglied");
    let api = app.api_token(&org.coordinator.email).await;
    // Never invited: nothing to accept.
    assert_eq!(
        api.put(&format!("/api/v1/programmes/{id}/membership"), json!({"figures": true})).await.0,
        404
    );
    admin
        .post(&format!("/api/v1/admin/programmes/{id}/members"), json!({"organisation_id": org.id}))
        .await;
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/admin/programmes/{id}/members"),
                json!({"organisation_id": org.id})
            )
            .await
            .0,
        409,
        "invited twice"
    );
    assert_eq!(app.count("mail_outbox WHERE subject LIKE 'Einladung in das Programm%'"), 1);
    let (_, list) = api.get("/api/v1/programmes").await;
    assert_eq!(list[0]["state"], "invited");
    // Declined: an answer after that is refused; an admin invites again.
    assert_eq!(
        api.post(&format!("/api/v1/programmes/{id}/membership/decline"), json!({})).await.0,
        200
    );
    assert_eq!(
        api.put(&format!("/api/v1/programmes/{id}/membership"), json!({"figures": true})).await.0,
        409
    );
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/admin/programmes/{id}/members"),
                json!({"organisation_id": org.id})
            )
            .await
            .0,
        201
    );
    let (s, m) = api
        .put(
            &format!("/api/v1/programmes/{id}/membership"),
            json!({"figures": true, "templates": false}),
        )
        .await;
    assert_eq!((s, &m["sharing"]), (200, &json!({"figures": true, "templates": false})));
    let (s, m) = api
        .put(
            &format!("/api/v1/programmes/{id}/membership"),
            json!({"figures": false, "templates": true}),
        )
        .await;
    assert_eq!(
        (s, &m["sharing"]),
        (200, &json!({"figures": false, "templates": true})),
        "changed while a member"
    );
    // Only admins set programmes up; coordinators cannot make a programme account.
    assert_eq!(
        api.post("/api/v1/admin/programmes", json!({"name": "x", "funding_body": "y"})).await.0,
        403
    );
    let (s, e) = api
        .post(
            "/api/v1/users",
            json!({"email": "p@x.example.org", "display_name": "P", "role": "programme"}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("role")), "{e}");
    app.assert_rules_hold();
}

both_backends!(organisations_answer_invitations_choose_what_they_share_and_leave, membership);

async fn library(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let Setting { programme, a, b, c, office, .. } = programme_of_three(&app).await;
    let (_, shelves) = b.get("/api/v1/library").await;
    let starter = shelves[0]["templates"].as_array().unwrap();
    assert_eq!(starter.len(), 2, "the starter set: {shelves}");
    let course_t = starter.iter().find(|t| t["kind"] == "course").unwrap()["id"].as_i64().unwrap();
    let survey_t = starter.iter().find(|t| t["kind"] == "survey").unwrap()["id"].as_i64().unwrap();

    // The starter set copies with its translations.
    let (s, copied) = c.post(&format!("/api/v1/library/{course_t}/copy"), json!({})).await;
    assert_eq!(s, 201, "{copied}");
    let course_id = copied["target_id"].as_i64().unwrap();
    let (_, course) = c.get(&format!("/api/v1/courses/{course_id}")).await;
    assert_eq!(course["modules"].as_array().map(Vec::len), Some(5), "{course}");
    let (_, titles) = c.get(&format!("/api/v1/courses/{course_id}/translations")).await;
    let ar = titles["languages"].as_array().unwrap().iter().find(|l| l["lang"] == "ar").unwrap();
    assert_eq!(ar["complete"], true, "{ar}");
    let (s, copied) = c.post(&format!("/api/v1/library/{survey_t}/copy"), json!({})).await;
    assert_eq!(s, 201, "{copied}");
    let survey_id = copied["target_id"].as_i64().unwrap();
    let (_, survey) = c.get(&format!("/api/v1/surveys/{survey_id}")).await;
    assert!(survey["questions"].as_array().unwrap().len() >= 20, "{survey}");

    // a publishes its own course; b copies and adapts it.
    let (course_a, _, _) = common::plan_run_between(
        &a,
        "MS-EIGEN",
        10,
        &[("Mietvertrag", true), ("Lüften", true)],
        "2026-02-02",
        "2026-02-27",
    )
    .await;
    let publish = json!({"programme_id": programme, "kind": "course", "source_id": course_a});
    let (s, t) = a.post("/api/v1/library", publish.clone()).await;
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["version"], 1);
    let t_id = t["id"].as_i64().unwrap();
    assert_eq!(
        a.post("/api/v1/library", publish.clone()).await.1["version"],
        1,
        "unchanged: no new version"
    );
    // b shares no templates: it may not publish.
    let (_, course_b) =
        b.post("/api/v1/courses", json!({"code": "B-1", "title": "Eigener Kurs"})).await;
    let (s, e) = b
        .post(
            "/api/v1/library",
            json!({"programme_id": programme, "kind": "course", "source_id": course_b["id"]}),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    let (s, copy) = b.post(&format!("/api/v1/library/{t_id}/copy"), json!({})).await;
    assert_eq!(s, 201, "{copy}");
    let b_course = copy["target_id"].as_i64().unwrap();
    let (s, _) = b
        .put(
            &format!("/api/v1/courses/{b_course}"),
            json!({"code": "MS-EIGEN", "title": "Unser Kurs (angepasst)", "description": ""}),
        )
        .await;
    assert_eq!(s, 200, "b adapts its copy");

    // a changes its course and publishes again: b sees the new version and what changed.
    a.post(
        &format!("/api/v1/courses/{course_a}/modules"),
        json!({"title": "Mülltrennung", "duration_minutes": 60, "mandatory": false}),
    )
    .await;
    let (s, t2) = a.post("/api/v1/library", publish.clone()).await;
    assert_eq!((s, &t2["version"]), (201, &json!(2)), "{t2}");
    let (_, detail) = b.get(&format!("/api/v1/library/{t_id}")).await;
    assert_eq!(detail["new_version"], true, "{detail}");
    let diffs = detail["copy"]["differences"].as_array().unwrap();
    assert!(diffs.iter().any(|d| d["change"] == "added" && d["what"].as_str().unwrap().contains("Mülltrennung")), "{diffs:?}");
    let (_, shelves) = b.get("/api/v1/library").await;
    let line = shelves[0]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == t_id)
        .unwrap()
        .clone();
    assert_eq!(line["new_version"], true);
    assert_eq!(b.post(&format!("/api/v1/library/{t_id}/acknowledge"), json!({})).await.0, 204);
    assert_eq!(b.get(&format!("/api/v1/library/{t_id}")).await.1["new_version"], false);
    assert_eq!(b.post(&format!("/api/v1/library/{t_id}/acknowledge"), json!({})).await.0, 409);
    let (_, adapted) = b.get(&format!("/api/v1/courses/{b_course}")).await;
    assert_eq!(
        adapted["course"]["title"], "Unser Kurs (angepasst)",
        "a new version never overwrites a copy"
    );

    // The office reads the library, copies nothing.
    assert_eq!(office.get(&format!("/api/v1/library/{t_id}")).await.0, 200);
    assert_eq!(office.post(&format!("/api/v1/library/{t_id}/copy"), json!({})).await.0, 403);

    // a leaves: its template is off the shelf at once; b's copy stays.
    a.post(&format!("/api/v1/programmes/{programme}/membership/leave"), json!({})).await;
    assert_eq!(b.get(&format!("/api/v1/library/{t_id}")).await.0, 404);
    assert_eq!(b.post(&format!("/api/v1/library/{t_id}/copy"), json!({})).await.0, 404);
    let (_, shelves) = b.get("/api/v1/library").await;
    assert!(
        !shelves.to_string().contains("MS-EIGEN")
            || shelves[0]["templates"].as_array().unwrap().iter().all(|x| x["id"] != t_id)
    );
    assert_eq!(b.get(&format!("/api/v1/courses/{b_course}")).await.0, 200);
    // An organisation of no programme sees no library, and no template by id.
    let outsider = app.create_org("draussen");
    let outsider = app.api_token(&outsider.coordinator.email).await;
    assert_eq!(outsider.get("/api/v1/library").await.1, json!([]));
    assert_eq!(outsider.get(&format!("/api/v1/library/{course_t}")).await.0, 404);
    assert_eq!(outsider.post(&format!("/api/v1/library/{course_t}/copy"), json!({})).await.0, 404);
    app.assert_rules_hold();
}

both_backends!(
    a_template_published_by_one_member_is_copied_adapted_and_updated_by_another,
    library
);

/// Every route the app has, asked by a programme account: only the programme's own pages
/// and API answer; everything of an organisation is refused, and nothing answers with a
/// person's name.
async fn programme_role(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let Setting { programme, a, office, .. } = programme_of_three(&app).await;
    let run = run_between(&a, "MS-A", 10, "2026-02-02", "2026-02-27").await;
    enrol(&a, run, 6, "ar").await;
    let (_, t) = a.get("/api/v1/library").await;
    let template = t[0]["templates"][0]["id"].as_i64().unwrap();
    const OWN_PAGES: &[&str] = &[
        "/programm",
        "/programm/{id}/zahlen",
        "/programm/{id}/zahlen.{format}",
        "/bibliothek",
        "/bibliothek/{id}",
        "/account",
    ];
    const OWN_API: &[&str] = &[
        "/api/v1/programmes/{id}",
        "/api/v1/programmes/{id}/figures",
        "/api/v1/programmes/{id}/figures.{format}",
        "/api/v1/library",
        "/api/v1/library/{id}",
        "/api/v1/library/{id}/versions/{version}",
        "/api/v1/auth/tokens",
        "/api/v1/auth/me",
    ];
    let b = app.browser();
    b.login(&email_for(programme)).await;
    let mut wrong = Vec::new();
    for (file, route) in super::referrers::get_routes() {
        if file.ends_with("/public.rs")
            || file.ends_with("/startup.rs")
            || file.ends_with("/openapi.rs")
        {
            continue;
        }
        if route.starts_with("/api/v1/verify/") || route.starts_with("/api/v1/responses/") {
            continue;
        }
        let id = if route.starts_with("/bibliothek") || route.starts_with("/api/v1/library") {
            template
        } else if route.contains("programm") {
            programme
        } else {
            run
        };
        let path = super::referrers::concrete(&route, id)
            .replace(&format!("/versions/{id}"), "/versions/1");
        let (status, body) = if route.starts_with("/api/") {
            let (s, v) = office.get(&path).await;
            (s, v.to_string())
        } else {
            let page = b.get(&path).await;
            (page.status, page.body)
        };
        let own = OWN_PAGES.contains(&route.as_str()) || OWN_API.contains(&route.as_str());
        if own {
            if status != 200 {
                wrong.push(format!("{path} ({file}): {status}, expected 200"));
            }
        } else if status != 403 && status != 404 {
            wrong.push(format!("{path} ({file}): {status}"));
        }
        for name in NAMES {
            if body.contains(name) {
                wrong.push(format!("{path}: shows the name {name}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a programme account reads only its programme:\n{}",
        wrong.join("\n")
    );
    app.assert_rules_hold();
}

both_backends!(the_programme_role_reads_nothing_personal_anywhere, programme_role);

/// The pages, as an admin, a coordinator and the office click through them; hostile names
/// are refused with the form kept.
async fn pages(backend: Backend) {
    let app = common::spawn_app(backend).await;
    app.create_admin("admin@land.example.org");
    let org = app.create_org("seiten");
    let admin = app.browser();
    admin.login("admin@land.example.org").await;
    for name in ["Programm \u{202E}gnuhcsetiM", &"L".repeat(10_000), ""] {
        let page = admin
            .submit(
                "/admin/programme",
                "/admin/programme",
                &[("name", name), ("funding_body", "Land")],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.body.contains("aria-describedby") || page.body.contains("error-message"));
        assert!(page.body.contains("value=\"Land\""), "what was typed stays");
    }
    assert_eq!(app.count("programmes"), 0);
    let page = admin
        .submit(
            "/admin/programme",
            "/admin/programme",
            &[
                ("name", "Mietschulungen Thüringen"),
                ("funding_body", "Freistaat Thüringen"),
                ("label", "Förderjahr 2026"),
                ("starts_on", "01.01.2026"),
                ("ends_on", "31.12.2026"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = common::id_from_location(&page.location);
    let show = format!("/admin/programme/{id}");
    let org_id = org.id.to_string();
    let page =
        admin.submit(&show, &format!("{show}/mitglieder"), &[("organisation_id", &org_id)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = admin
        .submit(
            &show,
            &format!("{show}/konten"),
            &[("display_name", "Büro"), ("email", "buero@land.example.org")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    let coordinator = app.browser();
    coordinator.login(&org.coordinator.email).await;
    let list = coordinator.get("/programme").await;
    assert!(list.body.contains("data-state=\"invited\""), "{}", list.body);
    let page = coordinator
        .submit(
            "/programme",
            &format!("/programme/{id}/teilen"),
            &[("figures", "1"), ("templates", "1")],
        )
        .await;
    assert_eq!(page.status, 303);
    assert!(coordinator.get("/programme").await.body.contains("data-state=\"member\""));
    let own = coordinator.get(&format!("/programme/{id}/zahlen")).await;
    assert_eq!(own.status, 200);
    assert!(own.body.contains("data-test=\"own-note\""));
    let shelf = coordinator.get("/bibliothek").await;
    let at = shelf.body.find("href=\"/bibliothek/").expect("a template on the shelf");
    let template =
        shelf.body[at + "href=\"/bibliothek/".len()..].split('"').next().unwrap().to_string();
    let copied = coordinator
        .submit(
            &format!("/bibliothek/{template}"),
            &format!("/bibliothek/{template}/kopieren"),
            &[],
        )
        .await;
    assert_eq!(copied.status, 303, "{}", copied.body);
    assert!(
        copied.location.as_deref().unwrap_or("").starts_with("/courses/")
            || copied.location.as_deref().unwrap_or("").starts_with("/surveys/")
    );
    let confirm = coordinator.get(&format!("/programme/{id}/austreten")).await;
    assert_eq!(confirm.status, 200);

    let office = app.browser();
    let email = "buero@land.example.org".to_string();
    app.db
        .run_blocking(move |conn| {
            mietschulung::auth::service::set_password(conn, &email, common::PASSWORD)
        })
        .expect("password");
    let login = office.login("buero@land.example.org").await;
    assert_eq!(login.location.as_deref(), Some("/programm"));
    let start = office.get("/programm").await;
    assert!(start.body.contains("Landkreis seiten"), "{}", start.body);
    let figures = office.get(&format!("/programm/{id}/zahlen")).await;
    assert_eq!(figures.status, 200);
    assert!(
        figures.body.contains("data-test=\"figures-table\"")
            && figures.body.contains("data-test=\"legend\"")
    );
    let quarter = office.get(&format!("/programm/{id}/zahlen?quarter=2026-Q2")).await;
    assert!(quarter.body.contains("2026 Q2"), "{}", quarter.body);
    assert_eq!(office.get(&format!("/programm/{id}/zahlen?period=abc")).await.status, 404);
    assert_eq!(office.get("/programme").await.status, 403);
    assert_eq!(office.get("/participants").await.status, 403);
    let left = coordinator
        .submit(&format!("/programme/{id}/austreten"), &format!("/programme/{id}/austreten"), &[])
        .await;
    assert_eq!(left.status, 303);
    let figures = office.get(&format!("/programm/{id}/zahlen")).await;
    assert!(figures.body.contains("Landkreis seiten"), "the quarters it shared stay as published");
    assert!(
        figures.body.contains("data-test=\"open-quarters\""),
        "the running quarter comes once it ended"
    );
    app.assert_rules_hold();
}

both_backends!(admins_coordinators_and_the_office_use_the_pages, pages);

/// The topics question of a member's pre-survey, answered through its open link: the
/// programme counts who chose which topic per group, holding back 1 to 4.
async fn topics(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let Setting { programme, a, office, .. } = programme_of_three(&app).await;
    let (s, survey) = a
        .post("/api/v1/surveys", json!({"title": "Vorbefragung", "introduction": "", "opens_on": "2026-09-01",
            "closes_on": "2026-12-31", "audience": ["landlord"], "anonymous": false, "course_id": null,
            "reminder_max": null, "reminder_interval_days": null, "open_groups": ["landlord"]}))
        .await;
    assert_eq!(s, 201, "{survey}");
    let sid = survey["id"].as_i64().unwrap();
    let topics: Vec<&str> = mietschulung::programmes::figures::MODULE_TOPICS.to_vec();
    let (s, q) = a
        .post(&format!("/api/v1/surveys/{sid}/questions"), json!({"kind": "multiple",
            "text": "Welche Themen sind aus Ihrer Sicht am wichtigsten?", "help": "", "required": true,
            "groups": [], "options": topics, "min_value": null, "max_value": null, "max_length": null}))
        .await;
    assert_eq!(s, 201, "{q}");
    let qid = q["id"].as_i64().unwrap().to_string();
    let open = {
        use diesel::prelude::*;
        use mietschulung::db::schema::surveys;
        let id = i32::try_from(sid).unwrap();
        app.db
            .run_blocking(move |conn| {
                Ok(surveys::table.find(id).select(surveys::open_token).first::<String>(conn)?)
            })
            .unwrap()
    };
    // Six landlords: all choose the tenancy contract, two of them heating and airing too.
    for i in 0..6 {
        let (s, started) =
            a.post(&format!("/api/v1/surveys/open/{open}/landlord"), json!({})).await;
        assert_eq!(s, 201, "{started}");
        let token = started["token"].as_str().unwrap();
        let chosen = if i < 2 { json!([0, 2]) } else { json!([0]) };
        let (s, r) = a
            .post(
                &format!("/api/v1/responses/{token}"),
                json!({"answers": {qid.clone(): chosen}, "submit": true}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
    }
    let (_, own) = a.get(&format!("/api/v1/programmes/{programme}/own-figures")).await;
    let needs = &own["figures"]["module_needs"];
    assert_eq!(needs[0]["topic"], topics[0]);
    assert_eq!(needs[0]["groups"][0]["group"], "landlord");
    assert_eq!(needs[0]["groups"][0]["chosen"], 6, "{needs}");
    assert_eq!(needs[2]["groups"][0]["chosen"], 2, "own figures hold nothing back");
    assert_eq!(needs[1]["groups"][0]["chosen"], 0);
    let (_, dash) = office.get(&format!("/api/v1/programmes/{programme}/figures")).await;
    let needs = &dash["figures"]["module_needs"];
    assert_eq!(needs[0]["groups"][0]["chosen"], 6, "{needs}");
    assert_eq!(needs[2]["groups"][0]["chosen"], "< 5");
    assert_eq!(needs[1]["groups"][0]["chosen"], 0);
    app.assert_rules_hold();
}

both_backends!(the_pre_surveys_topics_are_counted_per_group, topics);
