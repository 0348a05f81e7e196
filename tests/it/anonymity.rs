//! Anonymous surveys that are anonymous: twelve landlords and one social worker answer
//! through their personal links in a known order (drafts saved first, "save for later"
//! racing "submit" in both orders, a double submit); then neither the tables, nor
//! PostgreSQL's `xmin`/`ctid`, nor the logs link an answer to its invitation; no draft
//! survives; the small group shows neither results nor a count; and after the raw answers
//! are erased the figures stay.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, logs, Backend};
use mietschulung::db::schema::{
    stakeholders, survey_answers, survey_drafts, survey_invitations, survey_pending_answers,
    survey_responses, surveys,
};
use mietschulung::db::DbConn;
use mietschulung::surveys::release::{self, PoolKey};

/// (response id, value answered, PostgreSQL xmin and ctid of the response and its answer).
type Stored = (i32, i64, Option<(String, String, String, String)>);

#[derive(QueryableByName)]
struct SystemColumns {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    xmin: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    ctid: String,
}

/// `xmin` and `ctid` of every row of `table` (PostgreSQL only).
fn system_columns(conn: &mut DbConn, table: &str) -> BTreeMap<i32, (String, String)> {
    let DbConn::Pg(pg) = conn else { return BTreeMap::new() };
    diesel::sql_query(format!("SELECT id, xmin::text AS xmin, ctid::text AS ctid FROM {table}"))
        .load::<SystemColumns>(pg)
        .expect("system columns")
        .into_iter()
        .map(|r| (r.id, (r.xmin, r.ctid)))
        .collect()
}

fn stored(app: &common::TestApp, survey: i32) -> Vec<Stored> {
    app.db
        .run_blocking(move |conn| {
            let rows: Vec<(i32, i32, String)> = survey_answers::table
                .inner_join(survey_responses::table)
                .filter(survey_responses::survey_id.eq(survey))
                .order(survey_responses::id)
                .select((survey_responses::id, survey_answers::id, survey_answers::value_json))
                .load(conn)?;
            let responses = system_columns(conn, "survey_responses");
            let answers = system_columns(conn, "survey_answers");
            Ok(rows
                .into_iter()
                .map(|(rid, aid, value)| {
                    let pg = responses
                        .get(&rid)
                        .zip(answers.get(&aid))
                        .map(|(r, a)| (r.0.clone(), r.1.clone(), a.0.clone(), a.1.clone()));
                    (rid, value.parse().expect("a number"), pg)
                })
                .collect())
        })
        .expect("stored answers")
}

async fn post(app: &common::TestApp, token: &str, value: i64, q: i64, submit: bool) -> u16 {
    reqwest::Client::new()
        .post(app.url(&format!("/api/v1/responses/{token}")))
        .json(&json!({"answers": {q.to_string(): value}, "submit": submit}))
        .send()
        .await
        .expect("response")
        .status()
        .as_u16()
}

fn drafts_of(app: &common::TestApp, token: &str) -> i64 {
    let token = token.to_string();
    app.db
        .run_blocking(move |conn| {
            Ok(survey_drafts::table
                .filter(survey_drafts::token.eq(token))
                .count()
                .get_result(conn)?)
        })
        .expect("drafts")
}

async fn unlinkable(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("anonymitaet");
    let api = app.api_token(&org.coordinator.email).await;
    for (group, name) in (0..12)
        .map(|i| ("landlord", format!("Vermieterin {i:02}")))
        .chain([("social_worker", "Einzige Sozialarbeiterin".to_string())])
    {
        let (s, b) = api
            .post("/api/v1/stakeholders", json!({"stakeholder_group": group, "name": name, "email": null, "contact_consent": true}))
            .await;
        assert_eq!(s, 201, "{b}");
    }
    let today = mietschulung::time::today_local();
    let (_, survey) = api
        .post(
            "/api/v1/surveys",
            json!({"title": "Anonym", "opens_on": today.to_string(),
               "closes_on": (today + Duration::days(5)).to_string(),
               "audience": ["landlord", "social_worker"], "anonymous": true}),
        )
        .await;
    let sid = survey["id"].as_i64().unwrap();
    let (_, q) = api
        .post(
            &format!("/api/v1/surveys/{sid}/questions"),
            json!({"kind": "number", "text": "Wie viele Wohnungen?", "required": true}),
        )
        .await;
    let q = q["id"].as_i64().unwrap();
    let (_, outcome) = api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    assert_eq!(outcome["on_paper"], 13, "{outcome}");
    let survey_id = i32::try_from(sid).unwrap();
    // The links in the contacts' order: landlords 00–11, then the social worker.
    let links: Vec<(i32, String)> = app
        .db
        .run_blocking(move |conn| {
            Ok(survey_invitations::table
                .inner_join(stakeholders::table)
                .filter(survey_invitations::survey_id.eq(survey_id))
                .order((stakeholders::stakeholder_group, stakeholders::name))
                .select((survey_invitations::id, survey_invitations::token))
                .load(conn)?)
        })
        .unwrap();
    for (_, token) in &links {
        logs::secret(token);
    }

    // Landlord i answers 100 + i. Every one of them but one races a "save for later" against
    // the submission, in alternating order; some saved a draft before; landlord 4 taps
    // "send" twice at once.
    for (i, (_, token)) in links.iter().take(12).enumerate() {
        let value = 100 + i as i64;
        if i % 3 == 1 {
            assert_eq!(post(&app, token, 1, q, false).await, 200, "draft first");
            let t = token.clone();
            let kept: String = app
                .db
                .run_blocking(move |conn| {
                    Ok(survey_drafts::table
                        .filter(survey_drafts::token.eq(t))
                        .select(survey_drafts::answers_json)
                        .first(conn)?)
                })
                .unwrap();
            assert!(kept.starts_with("sealed:"), "a draft is sealed too: {kept}");
        }
        if i == 4 {
            let (a, b) = futures_util::future::join(
                post(&app, token, value, q, true),
                post(&app, token, value, q, true),
            )
            .await;
            assert_eq!(BTreeSet::from([a, b]), BTreeSet::from([200, 409]), "double submit");
            assert_eq!(drafts_of(&app, token), 0, "the draft saved before is gone");
            continue;
        }
        let (draft, submit) = (post(&app, token, 2, q, false), post(&app, token, value, q, true));
        let (draft, submit) = if i % 2 == 0 {
            futures_util::future::join(draft, submit).await
        } else {
            let (s, d) = futures_util::future::join(submit, draft).await;
            (d, s)
        };
        assert_eq!(submit, 200, "landlord {i}");
        assert!([200, 409].contains(&draft), "landlord {i}: draft {draft}");
        assert_eq!(drafts_of(&app, token), 0, "no draft survives landlord {i}'s submission");
    }
    let social = &links[12].1;
    assert_eq!(post(&app, social, 7, q, true).await, 200);

    // Two full batches of five landlords are out; two landlords and the social worker wait.
    assert_eq!(app.count("survey_pending_answers"), 3);
    let (_, results) = api.get(&format!("/api/v1/surveys/{sid}/results")).await;
    assert_eq!(results["pending_release"], true, "{results}");
    assert_eq!(results["responses"], 10);
    let pending: Vec<String> = app
        .db
        .run_blocking(|conn| {
            Ok(survey_pending_answers::table.select(survey_pending_answers::sealed).load(conn)?)
        })
        .unwrap();
    // Sealed: base64 of a ciphertext, no JSON and no group in the clear. (A search for the
    // answered number would fail now and then: "110" turns up in random base64.)
    for sealed in &pending {
        assert!(data_encoding::BASE64.decode(sealed.as_bytes()).is_ok(), "{sealed}");
        assert!(serde_json::from_str::<serde_json::Value>(sealed).is_err(), "{sealed}");
        assert!(!sealed.contains("landlord") && !sealed.contains('{'), "{sealed}");
    }

    // The survey closes; the job releases the rest.
    app.db
        .run_blocking(move |conn| {
            diesel::update(surveys::table.find(survey_id))
                .set(surveys::closes_on.eq(today - Duration::days(1)))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    let key = PoolKey::from_settings(&app.settings);
    let released = app.db.run_blocking(move |conn| release::release_due(conn, &key, today));
    assert_eq!(released.unwrap(), 3);
    assert_eq!(app.count("survey_pending_answers"), 0);
    assert_eq!(app.count("survey_drafts"), 0);

    // The tables: no response names an invitation, every day is the survey's Monday, the
    // invitations know only the week.
    let monday = release::monday_of(today);
    let (linked, days, answered): (i64, Vec<chrono::NaiveDate>, Vec<Option<chrono::NaiveDate>>) =
        app.db
            .run_blocking(move |conn| {
                let linked = survey_responses::table
                    .filter(survey_responses::invitation_id.is_not_null())
                    .count()
                    .get_result(conn)?;
                let days = survey_responses::table
                    .filter(survey_responses::survey_id.eq(survey_id))
                    .select(survey_responses::submitted_on)
                    .load(conn)?;
                let answered = survey_invitations::table
                    .filter(survey_invitations::survey_id.eq(survey_id))
                    .select(survey_invitations::answered_on)
                    .load(conn)?;
                Ok((linked, days, answered))
            })
            .unwrap();
    assert_eq!(linked, 0);
    assert!(days.iter().all(|d| *d == monday && d.weekday() == chrono::Weekday::Mon), "{days:?}");
    assert!(answered.iter().all(|d| *d == Some(monday)), "{answered:?}");

    // Ids and physical order follow a shuffle per batch: each batch holds exactly the
    // answers given between two releases, and not all of them in the order given (all
    // three in order by chance: 1 in 120·120·6).
    let rows = stored(&app, survey_id);
    let values: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let batches: Vec<&[i64]> = vec![&values[0..5], &values[5..10], &values[10..13]];
    let expected: [BTreeSet<i64>; 3] =
        [(100..105).collect(), (105..110).collect(), [110, 111, 7].into_iter().collect()];
    for (batch, want) in batches.iter().zip(&expected) {
        assert_eq!(&batch.iter().copied().collect::<BTreeSet<i64>>(), want, "{values:?}");
    }
    let in_given_order = [
        &values[0..5] == [100, 101, 102, 103, 104].as_slice(),
        &values[5..10] == [105, 106, 107, 108, 109].as_slice(),
        &values[10..13] == [110, 111, 7].as_slice(),
    ];
    assert!(in_given_order.contains(&false), "no batch was shuffled: {values:?}");

    if backend == Backend::Postgres {
        let invitation_xmins: BTreeSet<String> = app
            .db
            .run_blocking(|conn| Ok(system_columns(conn, "survey_invitations")))
            .unwrap()
            .into_values()
            .map(|(x, _)| x)
            .collect();
        let pg: Vec<&(String, String, String, String)> =
            rows.iter().map(|r| r.2.as_ref().expect("system columns")).collect();
        for (at, (rx, _, ax, _)) in pg.iter().enumerate() {
            assert!(!invitation_xmins.contains(rx) && !invitation_xmins.contains(ax), "{pg:?}");
            assert_eq!(rx, ax, "a response and its answers are written together");
            let batch = if at < 5 {
                0
            } else if at < 10 {
                5
            } else {
                10
            };
            assert_eq!(rx, &pg[batch].0, "one transaction per batch: {pg:?}");
        }
        let xmins: BTreeSet<&String> = pg.iter().map(|r| &r.0).collect();
        assert_eq!(xmins.len(), 3, "three batches: {pg:?}");
        // The physical order is the id order, which is the shuffled one.
        let ctid = |c: &str| -> (u32, u32) {
            let (page, row) = c.trim_matches(|c| c == '(' || c == ')').split_once(',').unwrap();
            (page.parse().unwrap(), row.parse().unwrap())
        };
        let physical: Vec<(u32, u32)> = pg.iter().map(|r| ctid(&r.1)).collect();
        assert!(physical.windows(2).all(|w| w[0] < w[1]), "{pg:?}");
    }

    // The logs: no token, no name; the submissions' lines name the route only.
    let log = logs::text();
    for (_, token) in &links {
        assert!(!log.contains(token.as_str()), "a personal link reached the log");
    }
    assert!(!log.contains("Vermieterin") && !log.contains("Einzige Sozialarbeiterin"));

    // The results: the lone social worker shows neither results nor a count, anywhere.
    let (_, results) = api.get(&format!("/api/v1/surveys/{sid}/results")).await;
    assert_eq!(results["withheld_groups"], json!(["social_worker"]), "{results}");
    assert_eq!(results["responses"], 12, "the total leaves the withheld group out");
    assert_eq!(results["responses_by_group"], json!({"landlord": 12}));
    assert_eq!(results["pending_release"], false);
    let groups = results["questions"][0]["groups"].as_array().unwrap().clone();
    let social_row = groups.iter().find(|g| g["group"] == "social_worker").unwrap();
    assert_eq!(
        (social_row["responses"].clone(), social_row["answered"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(groups[0]["answered"], 12, "the total is the landlords'");
    let (_, detail) = api.get(&format!("/api/v1/surveys/{sid}")).await;
    assert_eq!(detail["responses"], 12);
    let (_, invitations) = api.get(&format!("/api/v1/surveys/{sid}/invitations")).await;
    assert!(invitations.as_array().unwrap().iter().all(|i| i.get("answered").is_none()));
    let raw = api
        .client
        .get(app.url(&format!("/api/v1/surveys/{sid}/results.csv?part=raw")))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(raw.lines().count(), 13, "the landlords only: {raw}");
    assert!(!raw.lines().any(|l| l.ends_with(",7")), "{raw}");
    let b = app.browser();
    b.login(&org.coordinator.email).await;
    let page = b.get(&format!("/surveys/{sid}/results")).await;
    assert!(page.body.contains(&common::said("surveys.withheld_group", &[])), "{}", page.body);
    assert!(page.body.contains(&common::said("anonymity.batches", &[])));
    let detail = b.get(&format!("/surveys/{sid}")).await;
    let counted = format!("12 {}", common::said("anonymity.responses_shown", &[]));
    assert!(detail.body.contains(&counted), "{}", detail.body);
    let list = b.get("/surveys").await;
    assert!(list.body.contains("<td>12</td>") && !list.body.contains("<td>13</td>"));

    // Retention: the raw answers go, the figures stay.
    let erased = app.db.run_blocking(move |conn| {
        mietschulung::db::write_transaction(conn, |conn| {
            mietschulung::surveys::retention::erase_raw_answers(conn, survey_id.into())
        })
    });
    assert_eq!(erased.unwrap(), 13);
    assert_eq!(app.count("survey_responses"), 0);
    let (_, kept) = api.get(&format!("/api/v1/surveys/{sid}/results")).await;
    assert_eq!(kept["raw_erased_on"], json!(today.to_string()), "{kept}");
    let kept_landlords: &Value = kept["questions"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "landlord")
        .unwrap();
    assert_eq!(kept_landlords["average"], 105.5);
    assert_eq!(kept["withheld_groups"], json!(["social_worker"]));
}

both_backends!(no_order_or_id_links_an_answer_to_its_link, unlinkable);
