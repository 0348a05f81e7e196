//! The organisation's report filtered by period and course (a run in the first quarter, one
//! in the third), in German number and date form, with charts that have an accessible name
//! and a table; the exports take the same filter; a wrong filter is refused (422).

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Api, Backend};

/// A run of the course between the dates with one session on `day` at 09:00, the people
/// enrolled and marked as given; returns the run's id.
async fn run_with_marks(
    api: &Api, (trainer, trainer_id): (&Api, i32), course_id: i64, module: i64,
    (start, end): (&str, &str), day: &str, marks: &[(i64, &str)],
) -> i64 {
    let (s, run) = api
        .post(
            &format!("/api/v1/courses/{course_id}/runs"),
            json!({"start_date": start, "end_date": end, "place": "VHS", "capacity": 10}),
        )
        .await;
    assert_eq!(s, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let (s, session) = api
        .post(&format!("/api/v1/runs/{run_id}/sessions"), json!({"starts_at": format!("{day}T09:00"), "ends_at": format!("{day}T11:00"), "trainer_id": trainer_id, "module_ids": [module]}))
        .await;
    assert_eq!(s, 201, "{session}");
    let sid = session["id"].as_i64().unwrap();
    for (pid, status) in marks {
        let (s, e) = api
            .post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
        assert_eq!(s, 201, "{e}");
        let (s, m) = trainer
            .put(&format!("/api/v1/sessions/{sid}/attendance/{pid}"), json!({"status": status}))
            .await;
        assert_eq!(s, 200, "{m}");
    }
    run_id
}

async fn report_filters(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("filter");
    let other = app.create_org("filter-b");
    let api = app.api_token(&org.coordinator.email).await;
    let trainer = app.api_token(&org.trainer.email).await;
    let (course_id, _, modules) =
        common::plan_run(&api, "MS-F", 10, &[("Mietvertrag", true)]).await;
    let (_, empty_course) =
        api.post("/api/v1/courses", json!({"code": "MS-LEER", "title": "Leer"})).await;
    let empty_course = empty_course["id"].as_i64().unwrap();
    let mut people = Vec::new();
    for (given, family) in [("Anna", "Nowak"), ("Omar", "Haddad"), ("Lena", "Berg")] {
        people.push(common::register(&api, given, family, None).await);
    }
    let tid = org.trainer.user_id.0;
    let q1 = run_with_marks(
        &api,
        (&trainer, tid),
        course_id,
        modules[0],
        ("2025-01-13", "2025-03-28"),
        "2025-02-10",
        &[(people[0], "present"), (people[1], "late"), (people[2], "absent")],
    )
    .await;
    run_with_marks(
        &api,
        (&trainer, tid),
        course_id,
        modules[0],
        ("2025-07-07", "2025-09-26"),
        "2025-08-12",
        &[(people[0], "present"), (people[1], "excused")],
    )
    .await;

    let report = |query: &'static str| {
        let api = &api;
        async move {
            let (s, r) = api.get(&format!("/api/v1/reports/organisation{query}")).await;
            assert_eq!(s, 200, "{query}: {r}");
            r
        }
    };
    let year = report("?from=2025-01-01&to=2025-12-31").await;
    assert_eq!(
        (year["runs"].as_i64(), year["sessions_held"].as_i64(), year["marks"].as_i64()),
        (Some(2), Some(2), Some(5)),
        "the run of plan_run (March 2026) is outside 2025: {year}"
    );
    assert_eq!(year["attendance_rate"], json!(60.0));
    let q1_only = report("?from=2025-01-01&to=2025-03-31").await;
    assert_eq!(q1_only["runs"], 1, "{q1_only}");
    assert_eq!(q1_only["sessions_held"], 1);
    assert_eq!(q1_only["marks"], 3);
    assert_eq!(q1_only["participants"], 3);
    assert_eq!(q1_only["attendance_rate"], json!(66.7));
    assert_eq!(q1_only["no_show_rate"], json!(33.3));
    assert_eq!(q1_only["months"].as_array().unwrap().len(), 1);
    assert_eq!(q1_only["months"][0]["month"], "2025-02");
    assert_eq!(
        q1_only["filter"],
        json!({"from": "2025-01-01", "to": "2025-03-31", "course": null})
    );
    let q3 = report("?from=2025-07-01&to=2025-09-30").await;
    assert_eq!((q3["marks"].as_i64(), q3["participants"].as_i64()), (Some(2), Some(2)), "{q3}");
    assert_eq!(q3["attendance_rate"], json!(50.0));
    let (_, empty) = api.get(&format!("/api/v1/reports/organisation?course={empty_course}")).await;
    assert_eq!((empty["runs"].as_i64(), empty["marks"].as_i64()), (Some(0), Some(0)), "{empty}");
    let (_, everything) = api.get("/api/v1/reports/organisation").await;
    assert_eq!(everything["runs"], 3, "no filter: everything");

    // Refused filters name their field; another organisation's course is not found.
    for (query, field) in [
        ("?from=2025-04-01&to=2025-03-31", "to"),
        ("?from=gestern", "from"),
        ("?to=2025-02-30", "to"),
        ("?period=decade", "period"),
        ("?course=abc", "course"),
    ] {
        let (s, e) = api.get(&format!("/api/v1/reports/organisation{query}")).await;
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{query}: {e}");
    }
    let other_api = app.api_token(&other.coordinator.email).await;
    let (s, _) = other_api.get(&format!("/api/v1/reports/organisation?course={course_id}")).await;
    assert_eq!(s, 404);
    assert_eq!(other_api.get(&format!("/api/v1/runs/{q1}/report.csv")).await.0, 404);

    // Exports take the filter.
    let (s, csv) = api.get("/api/v1/reports/organisation.csv?from=2025-01-01&to=2025-03-31").await;
    assert_eq!(s, 200);
    let csv = csv.as_str().unwrap_or_default().to_string();
    assert!(csv.contains("2025-02;3;2;1;"), "{csv}");
    assert!(!csv.contains("2025-08"), "{csv}");
    let (s, run_csv) = api.get(&format!("/api/v1/runs/{q1}/report.csv")).await;
    assert_eq!(s, 200);
    assert!(run_csv.as_str().unwrap_or_default().contains("Haddad, Omar;verspätet"), "{run_csv}");
    let (s, xlsx) = api.get(&format!("/api/v1/runs/{q1}/report.xlsx")).await;
    assert_eq!(s, 200);
    assert!(matches!(xlsx, Value::String(_)), "a file, not JSON");
    assert_eq!(api.get(&format!("/api/v1/runs/{q1}/report.pdf")).await.0, 404);

    // The page: a GET form, German figures and months, the chart with its name and table.
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get("/reports?from=2025-01-01&to=2025-03-31&course=").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<form method=\"get\" action=\"/reports\""));
    assert!(page.body.contains("66,7 %"), "German percent");
    assert!(page.body.contains("Februar 2025") && !page.body.contains("August 2025"));
    assert!(page.body.contains("01.01.2025 – 31.03.2025"));
    assert!(
        page.body.contains("role=\"img\"") && page.body.contains("<title id=\"months-title\">")
    );
    assert!(page.body.contains("data-test=\"month-table\""), "the chart's data as a table");
    assert!(page.body.contains("href=\"/reports/organisation.csv?from=2025-01-01&to=2025-03-31\""));
    let year_page = b.get("/reports?from=2025-01-01&to=2025-12-31").await;
    assert!(year_page.body.contains("60,0 %"), "the issue's example");
    let refused = b.get("/reports?from=2025-04-01&to=2025-03-31").await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains(&common::said("error.rep.from_after_to", &[])));
    assert!(refused.body.contains("value=\"2025-04-01\""), "the typed dates stay");
    for preset in ["this_quarter", "last_quarter", "this_year"] {
        let page = b.get(&format!("/reports?period={preset}")).await;
        assert_eq!(page.status, 200, "{preset}");
        assert!(page.body.contains("aria-current=\"true\""), "{preset} is marked as chosen");
    }
    let (s, _, csv) = b.get_bytes("/reports/organisation.csv?from=2025-07-01&to=2025-09-30").await;
    assert_eq!(s, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("2025-08") && !csv.contains("2025-02"), "{csv}");

    // The run report has its chart too: attendance per session.
    let run_page = b.get(&format!("/runs/{q1}/report")).await;
    assert_eq!(run_page.status, 200);
    assert!(run_page.body.contains("<title id=\"sessions-title\">"), "{}", run_page.body);
    assert!(run_page.body.contains("66,7 %") && run_page.body.contains("2 von 3"));
    assert!(run_page.body.contains("data-test=\"session-table\""));
    let (_, run) = api.get(&format!("/api/v1/runs/{q1}/report")).await;
    assert_eq!(run["attendance_by_session"][0]["attended"], 2);
    assert_eq!(run["attendance_by_session"][0]["enrolled"], 3);
}

both_backends!(report_filters_change_the_figures, report_filters);
