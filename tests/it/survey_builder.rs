//! The coordinator's survey builder (issue 14): the question form chosen by kind first and
//! keeping what was typed, translation completeness, check-your-answers before inviting
//! (blocked without questions; contacts without consent get nothing and are named with the
//! reason), paper invitations in the contact's language, deleting and archiving, the API
//! counterparts, and who may do any of it.

use serde_json::{json, Value};

use crate::both_backends;
use crate::common::{self, Api, Backend, Browser, TestApp};
use mietschulung::i18n;

const FLASH: &str = "data-test=\"flash\"";

async fn contact(
    api: &Api, group: &str, name: &str, email: Option<&str>, consent: bool, lang: &str,
) -> i64 {
    let (s, b) = api
        .post(
            "/api/v1/stakeholders",
            json!({"stakeholder_group": group, "name": name, "email": email,
                   "contact_consent": consent, "preferred_language": lang}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_i64().unwrap()
}

async fn survey(api: &Api, title: &str, audience: &[&str], extra: Value) -> i64 {
    let today = mietschulung::time::today_local();
    let mut body = json!({"title": title, "opens_on": today.to_string(),
        "closes_on": (today + chrono::Duration::days(14)).to_string(), "audience": audience});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (s, b) = api.post("/api/v1/surveys", body).await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_i64().unwrap()
}

async fn question(api: &Api, survey: i64, body: Value) -> i64 {
    let (s, q) = api.post(&format!("/api/v1/surveys/{survey}/questions"), body).await;
    assert_eq!(s, 201, "{q}");
    q["id"].as_i64().unwrap()
}

/// The part of `body` from the first `marker` to the end of its element's line block:
/// enough to look inside one card or one list item.
fn section<'a>(body: &'a str, marker: &str, end: &str) -> &'a str {
    let start = body.find(marker).unwrap_or_else(|| panic!("{marker} not in {body}"));
    let rest = &body[start..];
    let stop = rest.find(end).map(|i| i + end.len()).unwrap_or(rest.len());
    &rest[..stop]
}

/// Every card of the paper sheet.
fn cards(body: &str) -> Vec<&str> {
    body.match_indices("data-test=\"sheet-card\"")
        .map(|(i, _)| {
            let rest = &body[body[..i].rfind("<section").expect("card starts")..];
            &rest[..rest.find("</section>").expect("card ends")]
        })
        .collect()
}

async fn logged_in(app: &TestApp, email: &str) -> Browser {
    let b = app.browser();
    b.login(email).await;
    b
}

async fn question_form_by_kind(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("fragearten");
    let api = app.api_token(&org.coordinator.email).await;
    let sid = survey(&api, "Wohnen 2027", &["landlord", "vhs"], json!({})).await;
    let b = logged_in(&app, &org.coordinator.email).await;
    let new = format!("/surveys/{sid}/questions/new");

    // First the kind, nothing else.
    let choose = b.get(&new).await;
    assert_eq!(choose.status, 200, "{}", choose.body);
    assert!(choose.body.contains("data-test=\"kind-choice\""));
    for kind in ["single", "multiple", "scale", "text", "number", "rank"] {
        assert!(choose.body.contains(&format!("value=\"{kind}\"")), "{kind} offered");
    }
    assert!(!choose.body.contains("name=\"text\""), "no fields before the kind");
    // Then only the fields that kind needs.
    for (kind, shown, hidden) in [
        (
            "single",
            &["name=\"options\""][..],
            &["name=\"min_value\"", "name=\"scale_low\"", "name=\"max_length\""][..],
        ),
        ("multiple", &["name=\"options\""], &["name=\"min_value\"", "name=\"scale_low\""]),
        (
            "scale",
            &["name=\"scale_low\"", "name=\"scale_high\""],
            &["name=\"options\"", "name=\"min_value\""],
        ),
        ("text", &["name=\"max_length\""], &["name=\"options\"", "name=\"min_value\""]),
        (
            "number",
            &["name=\"min_value\"", "name=\"max_value\""],
            &["name=\"options\"", "name=\"max_length\""],
        ),
        ("rank", &["data-test=\"rank-topics\""], &["name=\"options\"", "name=\"min_value\""]),
    ] {
        let page = b.get(&format!("{new}?kind={kind}")).await;
        assert_eq!(page.status, 200, "{kind}");
        assert!(page.body.contains(&format!("name=\"kind\" value=\"{kind}\"")), "{kind}");
        for f in shown {
            assert!(page.body.contains(f), "{kind} shows {f}");
        }
        for f in hidden {
            assert!(!page.body.contains(f), "{kind} hides {f}");
        }
    }
    // Rank without a course: the reason beside a disabled button.
    let rank = b.get(&format!("{new}?kind=rank")).await;
    assert!(rank.body.contains(&common::said("error.surveys.rank_needs_course", &[])));
    assert!(rank.body.contains(" disabled "));

    // After an error everything typed stays: options, help, groups, required.
    let refused = b
        .submit(
            &format!("{new}?kind=single"),
            &format!("/surveys/{sid}/questions"),
            &[
                ("kind", "single"),
                ("text", "Wie oft vermieten Sie?"),
                ("help", "Im letzten Jahr"),
                ("options", "nur eine Möglichkeit"),
                ("groups", "vhs"),
                ("required", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains(&common::said("error.surveys.two_options", &[])));
    for typed in ["Wie oft vermieten Sie?", "Im letzten Jahr", "nur eine Möglichkeit"] {
        assert!(refused.body.contains(typed), "{typed} kept");
    }
    assert!(refused.body.contains("value=\"vhs\" checked"), "group kept");
    assert!(refused.body.contains("name=\"required\" type=\"checkbox\" value=\"on\" checked"));
    assert!(!refused.body.contains("name=\"min_value\""), "still the single-choice form");
    // A scale with one label only; a number that is not one: kept as typed.
    let scale = b
        .submit(
            &new,
            &format!("/surveys/{sid}/questions"),
            &[("kind", "scale"), ("text", "Wie wichtig?"), ("scale_low", "gar nicht")],
        )
        .await;
    assert_eq!(scale.status, 422);
    assert!(scale.body.contains(&common::said("error.svy.scale_both_labels", &[])));
    assert!(scale.body.contains("value=\"gar nicht\"") && scale.body.contains("Wie wichtig?"));
    let number = b
        .submit(
            &new,
            &format!("/surveys/{sid}/questions"),
            &[("kind", "number"), ("text", "Wie viele Wohnungen?"), ("min_value", "zwölf")],
        )
        .await;
    assert_eq!(number.status, 422);
    assert!(
        number.body.contains("value=\"zwölf\"") && number.body.contains("Wie viele Wohnungen?")
    );
    assert_eq!(app.count("survey_questions"), 0, "nothing saved");

    // Saved: a scale with both labels.
    let saved = b
        .submit(
            &new,
            &format!("/surveys/{sid}/questions"),
            &[
                ("kind", "scale"),
                ("text", "Wie wichtig?"),
                ("scale_low", "gar nicht"),
                ("scale_high", "sehr"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (_, d) = api.get(&format!("/api/v1/surveys/{sid}")).await;
    let qid = d["questions"][0]["id"].as_i64().unwrap();
    assert_eq!(d["questions"][0]["kind"], "scale");
    assert_eq!(d["questions"][0]["options"], json!([{"label": "gar nicht"}, {"label": "sehr"}]));
    // Editing: the fields of its kind, filled; a refused change keeps what was typed.
    let edit_path = format!("/surveys/{sid}/questions/{qid}");
    let edit = b.get(&edit_path).await;
    assert!(edit.body.contains("value=\"gar nicht\"") && edit.body.contains("value=\"sehr\""));
    assert!(!edit.body.contains("name=\"options\""));
    let other_kind = b.get(&format!("{edit_path}?kind=single")).await;
    assert!(
        other_kind.body.contains("name=\"options\"") && other_kind.body.contains("Wie wichtig?")
    );
    let refused = b
        .submit(
            &edit_path,
            &edit_path,
            &[
                ("kind", "scale"),
                ("text", "Wie wichtig ist Ihnen das?"),
                ("scale_low", ""),
                ("scale_high", "sehr wichtig"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("Wie wichtig ist Ihnen das?")
            && refused.body.contains("sehr wichtig")
    );

    // A refused translation keeps what was typed too.
    let single = question(
        &api,
        sid,
        json!({"kind": "single", "text": "Wie oft?", "options": ["selten", "oft"]}),
    )
    .await;
    let tr = format!("/surveys/{sid}/translations/ar");
    let refused = b
        .submit(
            &tr,
            &tr,
            &[
                ("title", "السكن"),
                (&format!("text_{single}"), "كم مرة؟"),
                (&format!("options_{single}"), "نادرًا"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    for typed in ["السكن", "كم مرة؟", "نادرًا"] {
        assert!(refused.body.contains(typed), "{typed} kept");
    }

    // The order through the API: down, then up again; the ends stay where they are.
    let order = |d: &Value| -> Vec<i64> {
        d["questions"].as_array().unwrap().iter().map(|q| q["id"].as_i64().unwrap()).collect()
    };
    let (s, _) = api.post(&format!("/api/v1/surveys/{sid}/questions/{qid}/down"), json!({})).await;
    assert_eq!(s, 204);
    assert_eq!(order(&api.get(&format!("/api/v1/surveys/{sid}")).await.1), [single, qid]);
    let (s, _) = api.post(&format!("/api/v1/surveys/{sid}/questions/{qid}/down"), json!({})).await;
    assert_eq!(s, 204, "the last stays last");
    assert_eq!(order(&api.get(&format!("/api/v1/surveys/{sid}")).await.1), [single, qid]);
    let (s, _) = api.post(&format!("/api/v1/surveys/{sid}/questions/{qid}/up"), json!({})).await;
    assert_eq!(s, 204);
    assert_eq!(order(&api.get(&format!("/api/v1/surveys/{sid}")).await.1), [qid, single]);
    let moved = b
        .submit(&format!("/surveys/{sid}"), &format!("/surveys/{sid}/questions/{qid}/down"), &[])
        .await;
    assert_eq!(moved.status, 303);
    assert_eq!(order(&api.get(&format!("/api/v1/surveys/{sid}")).await.1), [single, qid]);
}
both_backends!(the_question_form_is_chosen_by_kind_and_keeps_what_was_typed, question_form_by_kind);

async fn completeness(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("uebersetzt");
    let api = app.api_token(&org.coordinator.email).await;
    let sid =
        survey(&api, "Wohnen", &["target_group"], json!({"introduction": "Fünf Minuten."})).await;
    let q1 = question(
        &api,
        sid,
        json!({"kind": "single", "text": "Wie oft?", "options": ["selten", "oft"]}),
    )
    .await;
    let q2 = question(&api, sid, json!({"kind": "text", "text": "Was noch?"})).await;
    let q3 = question(
        &api,
        sid,
        json!({"kind": "scale", "text": "Wie wichtig?", "options": ["gar nicht", "sehr"]}),
    )
    .await;
    // Parts: title, introduction, three question texts, options of q1 and q3: seven.
    let (s, e) = api
        .put(
            &format!("/api/v1/surveys/{sid}/translations/ar"),
            json!({"title": "السكن", "questions": {
                q1.to_string(): {"text": "كم مرة؟", "options": ["نادرًا", "غالبًا"]},
                q2.to_string(): {"text": "ماذا أيضًا؟"},
                q3.to_string(): {"text": "ما مدى الأهمية؟"}}}),
        )
        .await;
    assert_eq!(s, 204, "{e}");
    let (s, all) = api.get(&format!("/api/v1/surveys/{sid}/translations")).await;
    assert_eq!(s, 200, "{all}");
    let of = |lang: &str| {
        all.as_array().unwrap().iter().find(|c| c["language"] == lang).unwrap().clone()
    };
    let ar = of("ar");
    assert_eq!((ar["done"].as_i64(), ar["total"].as_i64()), (Some(5), Some(7)), "{ar}");
    let missing: Vec<&str> =
        ar["missing"].as_array().unwrap().iter().map(|m| m["field"].as_str().unwrap()).collect();
    assert_eq!(missing, ["introduction".to_string(), format!("options_{q3}")]);
    assert_eq!(ar["complete"], false);
    assert_eq!((of("en")["done"].as_i64(), of("en")["total"].as_i64()), (Some(0), Some(7)));
    assert_eq!(all.as_array().unwrap().len(), 8, "every language a survey can be translated into");

    // The survey page says it the same way, with links to what is missing.
    let b = logged_in(&app, &org.coordinator.email).await;
    let page = b.get(&format!("/surveys/{sid}")).await;
    let item = section(&page.body, "data-test=\"translation-ar\"", "</li>");
    assert!(item.contains("<span data-test=\"completeness\">5/7</span>"), "{item}");
    assert!(item.contains(&format!("/surveys/{sid}/translations/ar#options_{q3}")), "{item}");
    assert!(item.contains(&common::said("svy.part.options", &[("n", "3")])), "{item}");
    let en = section(&page.body, "data-test=\"translation-en\"", "</li>");
    assert!(en.contains(">0/7<"), "{en}");

    // Completing it: 7/7; and the texts read back as stored.
    let (s, _) = api
        .put(
            &format!("/api/v1/surveys/{sid}/translations/ar"),
            json!({"title": "السكن", "introduction": "خمس دقائق.", "questions": {
                q1.to_string(): {"text": "كم مرة؟", "options": ["نادرًا", "غالبًا"]},
                q2.to_string(): {"text": "ماذا أيضًا؟"},
                q3.to_string(): {"text": "ما مدى الأهمية؟", "options": ["أبدًا", "جدًا"]}}}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, back) = api.get(&format!("/api/v1/surveys/{sid}/translations/ar")).await;
    assert_eq!(s, 200, "{back}");
    assert_eq!(back["title"], "السكن");
    assert_eq!(back["completeness"]["done"], 7);
    assert_eq!(back["completeness"]["complete"], true);
    let q1_back =
        back["questions"].as_array().unwrap().iter().find(|q| q["question_id"] == q1).unwrap();
    assert_eq!(q1_back["options"], json!(["نادرًا", "غالبًا"]));
    assert_eq!(api.get(&format!("/api/v1/surveys/{sid}/translations/xx")).await.0, 404);

    // The preview as a respondent in Arabic would see it; German where not translated.
    let (s, preview) = api.get(&format!("/api/v1/surveys/{sid}/preview?lang=ar")).await;
    assert_eq!(s, 200, "{preview}");
    assert_eq!(
        (preview["language"].as_str(), preview["title"].as_str()),
        (Some("ar"), Some("السكن"))
    );
    assert_eq!(preview["questions"][0]["options"], json!(["نادرًا", "غالبًا"]));
    let (_, german) = api.get(&format!("/api/v1/surveys/{sid}/preview?lang=uk")).await;
    assert_eq!(german["language"], "de");
    let (s, _) = api.get(&format!("/api/v1/surveys/{sid}/preview?group=landlord")).await;
    assert_eq!(s, 422, "a group the survey does not ask");
}
both_backends!(translation_completeness_is_counted_exactly, completeness);

async fn invitations(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("einladen");
    let api = app.api_token(&org.coordinator.email).await;
    contact(&api, "landlord", "Karl Brandt", Some("karl@example.org"), true, "de").await;
    contact(&api, "landlord", "Petra Hausmann", Some("petra@example.org"), true, "de").await;
    contact(&api, "landlord", "Amal Haddad", None, true, "ar").await;
    let refused =
        contact(&api, "landlord", "Otto Ohnezustimmung", Some("otto@example.org"), false, "de")
            .await;
    contact(&api, "landlord", "Nina Nichterreichbar", None, false, "de").await;
    contact(&api, "vhs", "VHS Altenburg", Some("vhs@example.org"), true, "de").await;
    let sid = survey(&api, "Vermieten an Neuzugewanderte", &["landlord"], json!({})).await;
    let b = logged_in(&app, &org.coordinator.email).await;

    // Without questions: blocked on the page (a disabled button with its reason) and in
    // the API.
    let page = b.get(&format!("/surveys/{sid}")).await;
    assert!(
        page.body.contains("data-test=\"invite-disabled\"")
            && page.body.contains("data-test=\"invite-blocked\"")
    );
    let confirm = b.get(&format!("/surveys/{sid}/invite")).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("data-test=\"confirm-blocked\""), "{}", confirm.body);
    assert!(confirm.body.contains(&common::said("error.svy.invite_no_questions", &[])));
    assert!(confirm.body.contains(" disabled "));
    let (s, e) = api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["message"], common::said("error.svy.invite_no_questions", &[]));
    let (_, preview) = api.get(&format!("/api/v1/surveys/{sid}/invitations/preview")).await;
    assert_eq!(preview["blocked"], "no_questions");
    let posted =
        b.submit(&format!("/surveys/{sid}/invite"), &format!("/surveys/{sid}/invite"), &[]).await;
    assert_eq!(posted.status, 409);
    assert_eq!(app.count("survey_invitations"), 0);

    question(&api, sid, json!({"kind": "text", "text": "Was brauchen Sie?"})).await;
    // Check your answers: counts, names, who is left out and why; nothing is sent.
    let confirm = b.get(&format!("/surveys/{sid}/invite")).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains(&common::said("svy.invite.lead", &[("emails", "2"), ("paper", "1")])),
        "{}",
        confirm.body
    );
    assert!(!confirm.body.contains("data-test=\"confirm-blocked\""));
    let summary = section(&confirm.body, "data-test=\"confirm-summary\"", "</dl>");
    for name in ["Karl Brandt", "Petra Hausmann", "Amal Haddad"] {
        assert!(summary.contains(name), "{name}");
    }
    for (name, reason) in [
        ("Otto Ohnezustimmung", "svy.left_out.no_consent"),
        ("Nina Nichterreichbar", "svy.left_out.no_consent"),
        ("VHS Altenburg", "svy.left_out.not_in_audience"),
    ] {
        let row =
            section(summary, &common::said("svy.invite.row_left_out", &[("name", name)]), "</div>");
        assert!(row.contains(&common::said(reason, &[])), "{name}: {row}");
    }
    assert!(summary.contains(&format!("/stakeholders/{refused}")), "a way to fix the consent");
    assert_eq!(app.count("survey_invitations"), 0, "the confirmation page sends nothing");
    assert_eq!(app.count("mail_outbox"), 0);
    let (s, preview) = api.get(&format!("/api/v1/surveys/{sid}/invitations/preview")).await;
    assert_eq!(s, 200, "{preview}");
    assert_eq!((preview["emails"].as_i64(), preview["paper"].as_i64()), (Some(2), Some(1)));
    assert!(preview["blocked"].is_null());
    let left: Vec<(&str, &str)> = preview["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap(), l["reason"].as_str().unwrap()))
        .collect();
    assert!(
        left.contains(&("Otto Ohnezustimmung", "no_consent"))
            && left.contains(&("VHS Altenburg", "not_in_audience")),
        "{left:?}"
    );
    assert_eq!(left.len(), 3);
    assert_eq!(app.count("survey_invitations"), 0, "the preview sends nothing");

    // Sending: the banner says what went out and links the sheets to print.
    let sent =
        b.submit(&format!("/surveys/{sid}/invite"), &format!("/surveys/{sid}/invite"), &[]).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let location = sent.location.clone().unwrap();
    assert_eq!(location, format!("/surveys/{sid}"));
    let after = b.get(&location).await;
    assert_eq!(after.body.matches(FLASH).count(), 1);
    let done =
        common::said("done.svy_invited", &[("emailed", "2"), ("on_paper", "1"), ("left_out", "2")]);
    assert!(after.body.contains(&done), "{}", after.body);
    assert!(section(&after.body, "data-test=\"flash-sheet\"", "</p>")
        .contains(&format!("/surveys/{sid}/sheet")));
    assert!(!b.get(&location).await.body.contains("data-test=\"flash-sheet\""), "once");
    // Contacts without consent get nothing: no link, no mail, no card.
    let (_, invited) = api.get(&format!("/api/v1/surveys/{sid}/invitations")).await;
    let mut names: Vec<&str> =
        invited.as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Amal Haddad", "Karl Brandt", "Petra Hausmann"]);
    let mails = app.db.run_blocking(mietschulung::mail::outbox::all).unwrap();
    let mut to: Vec<&str> = mails.iter().map(|m| m.recipient.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["karl@example.org", "petra@example.org"]);
    let sheet = b.get(&format!("/surveys/{sid}/sheet")).await;
    let cards = cards(&sheet.body);
    assert_eq!(cards.len(), 1);
    assert!(cards[0].contains("Amal Haddad") && !sheet.body.contains("Nina Nichterreichbar"));

    // Again: everyone is invited already; the page says so and blocks.
    let again = b.get(&format!("/surveys/{sid}/invite")).await;
    assert!(again.body.contains("data-test=\"confirm-blocked\""));
    assert!(again.body.contains(&common::said("error.svy.invite_nobody", &[])));
    let row = section(
        &again.body,
        &common::said("svy.invite.row_left_out", &[("name", "Karl Brandt")]),
        "</div>",
    );
    assert!(row.contains(&common::said("svy.left_out.already_invited", &[])));

    // Reminders at once: only the two invited by email, named (not anonymous).
    let (s, plan) = api.get(&format!("/api/v1/surveys/{sid}/reminders")).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["count"], 2);
    let remind = b.get(&format!("/surveys/{sid}/remind")).await;
    assert!(remind.body.contains("Karl Brandt") && !remind.body.contains("Amal Haddad"));
    assert_eq!(
        app.db.run_blocking(mietschulung::mail::outbox::all).unwrap().len(),
        2,
        "the page sends nothing"
    );
    let (s, r) = api.post(&format!("/api/v1/surveys/{sid}/reminders"), json!({})).await;
    assert_eq!((s, r["reminded"].as_i64()), (200, Some(2)), "{r}");
    assert_eq!(app.db.run_blocking(mietschulung::mail::outbox::all).unwrap().len(), 4);
}
both_backends!(inviting_is_checked_first_and_leaves_out_who_did_not_consent, invitations);

async fn paper_sheet(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("papier");
    let api = app.api_token(&org.coordinator.email).await;
    contact(&api, "target_group", "Amal Haddad", None, true, "ar").await;
    contact(&api, "target_group", "Olena Shevchenko", None, true, "uk").await;
    contact(&api, "target_group", "Ahmad Zai", None, true, "ps").await;
    let sid = survey(&api, "Wohnen in Altenburg", &["target_group"], json!({})).await;
    let q = question(&api, sid, json!({"kind": "text", "text": "Was ist schwer?"})).await;
    let (s, _) = api
        .put(&format!("/api/v1/surveys/{sid}/translations/ar"), json!({"title": "السكن في ألتنبورغ", "questions": {q.to_string(): {"text": "ما الصعب؟"}}}))
        .await;
    assert_eq!(s, 204);
    let (s, outcome) = api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    assert_eq!((s, outcome["on_paper"].as_i64()), (200, Some(3)), "{outcome}");

    let b = logged_in(&app, &org.coordinator.email).await;
    let sheet = b.get(&format!("/surveys/{sid}/sheet")).await;
    assert_eq!(sheet.status, 200);
    let cards = cards(&sheet.body);
    assert_eq!(cards.len(), 3);
    let card =
        |name: &str| *cards.iter().find(|c| c.contains(name)).unwrap_or_else(|| panic!("{name}"));
    let amal = card("Amal Haddad");
    assert!(amal.contains("lang=\"ar\" dir=\"rtl\""), "{amal}");
    for key in ["svy.sheet.heading", "svy.sheet.scan", "svy.sheet.type_link"] {
        assert!(amal.contains(&i18n::text("ar", key)), "{key} in Arabic: {amal}");
    }
    let issuer = "Landratsamt papier – Integrationsmanagement";
    assert!(
        amal.contains(&i18n::text("ar", "svy.sheet.issuer").replace("{issuer}", issuer)),
        "{amal}"
    );
    assert!(amal.contains("السكن في ألتنبورغ"), "the title in Arabic");
    assert!(amal.contains("/s/") && amal.contains("<svg"), "the link written out and its QR code");
    let olena = card("Olena Shevchenko");
    assert!(
        olena.contains("lang=\"uk\" dir=\"ltr\"")
            && olena.contains(&i18n::text("uk", "svy.sheet.scan"))
    );
    assert!(olena.contains("Wohnen in Altenburg"), "German title where not translated");
    let ahmad = card("Ahmad Zai");
    assert!(ahmad.contains("lang=\"ps\" dir=\"rtl\""), "Pashto, right to left: {ahmad}");
    assert!(ahmad.contains(&i18n::text("ps", "svy.sheet.scan")));
    // No internal labels: no group, no ids, no coordinator words.
    let group_name = mietschulung::stakeholders::models::StakeholderGroup::TargetGroup.name();
    for c in &cards {
        for internal in [
            "target_group",
            group_name.as_str(),
            &format!("/surveys/{sid}"),
            "stakeholder",
            "Kontakt",
            "Koordination",
        ] {
            assert!(!c.contains(internal), "{internal} on a card: {c}");
        }
    }
    // The API hands out the same cards.
    let (s, api_sheet) = api.get(&format!("/api/v1/surveys/{sid}/sheet")).await;
    assert_eq!(s, 200, "{api_sheet}");
    let api_cards = api_sheet["cards"].as_array().unwrap();
    assert_eq!(api_cards.len(), 3);
    let amal = api_cards.iter().find(|c| c["name"] == "Amal Haddad").unwrap();
    assert_eq!((amal["lang"].as_str(), amal["dir"].as_str()), (Some("ar"), Some("rtl")));
    assert_eq!(amal["scan"], i18n::text("ar", "svy.sheet.scan"));
}
both_backends!(paper_invitations_are_in_the_contacts_language_without_internal_labels, paper_sheet);

async fn delete_and_archive(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("loeschen");
    let api = app.api_token(&org.coordinator.email).await;
    let b = logged_in(&app, &org.coordinator.email).await;
    contact(&api, "volunteer", "Helga Ehrenamt", None, true, "de").await;

    // Nobody answered: a confirmation page (what goes, a warning button), then gone.
    let draft = survey(&api, "Entwurf", &["volunteer"], json!({})).await;
    question(&api, draft, json!({"kind": "text", "text": "Frage?"})).await;
    let (s, copy) = api.post(&format!("/api/v1/surveys/{draft}/copy"), json!({})).await;
    assert_eq!(s, 201);
    api.post(&format!("/api/v1/surveys/{draft}/invitations"), json!({})).await;
    let confirm = b.get(&format!("/surveys/{draft}/delete")).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains("button-warning")
            && confirm.body.contains("data-test=\"confirm-goes\"")
    );
    assert!(confirm.body.contains(&common::said("svy.delete.goes_invitations", &[("n", "1")])));
    assert!(!confirm.body.contains("data-test=\"confirm-blocked\""));
    assert_eq!(api.get(&format!("/api/v1/surveys/{draft}")).await.0, 200, "GET deletes nothing");
    let deleted = b
        .submit(&format!("/surveys/{draft}/delete"), &format!("/surveys/{draft}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(deleted.location.as_deref(), Some("/surveys"));
    assert!(b.get("/surveys").await.body.contains(&common::said("done.svy_deleted", &[])));
    assert_eq!(api.get(&format!("/api/v1/surveys/{draft}")).await.0, 404);
    assert_eq!(app.count("survey_invitations"), 0);
    let (s, kept) = api.get(&format!("/api/v1/surveys/{}", copy["id"])).await;
    assert_eq!(s, 200, "the copy stays");
    assert!(kept["copied_from"].is_null());
    let (s, _) =
        api.send(reqwest::Method::DELETE, &format!("/api/v1/surveys/{}", copy["id"]), None).await;
    assert_eq!(s, 204);

    // Answered: refused with the reason, archived instead; the results stay.
    let sid = survey(&api, "Ehrenamt", &["volunteer", "landlord"], json!({})).await;
    let q = question(
        &api,
        sid,
        json!({"kind": "single", "text": "Wie oft helfen Sie?", "options": ["selten", "oft"]}),
    )
    .await;
    api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    let (_, inv) = api.get(&format!("/api/v1/surveys/{sid}/invitations")).await;
    let token = inv[0]["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let (s, r) = api
        .post(
            &format!("/api/v1/responses/{token}"),
            json!({"answers": {q.to_string(): 1}, "submit": true}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (s, e) = api.send(reqwest::Method::DELETE, &format!("/api/v1/surveys/{sid}"), None).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["message"], common::said("error.svy.delete_answered", &[]));
    let (_, removal) = api.get(&format!("/api/v1/surveys/{sid}/removal")).await;
    assert_eq!(removal["answered"], true);
    let confirm = b.get(&format!("/surveys/{sid}/delete")).await;
    assert!(confirm.body.contains("data-test=\"confirm-blocked\""));
    let refused =
        b.submit(&format!("/surveys/{sid}/delete"), &format!("/surveys/{sid}/delete"), &[]).await;
    assert_eq!(refused.status, 409);
    assert_eq!(api.get(&format!("/api/v1/surveys/{sid}")).await.0, 200);
    // Settings: wording yes, dropping a group no (with the group named).
    let today = mietschulung::time::today_local();
    let settings = |audience: Value, title: &str| json!({"title": title, "opens_on": today.to_string(), "closes_on": (today + chrono::Duration::days(14)).to_string(), "audience": audience});
    let (s, e) = api
        .put(&format!("/api/v1/surveys/{sid}"), settings(json!(["volunteer"]), "Ehrenamt"))
        .await;
    assert_eq!(s, 409, "{e}");
    let landlord = mietschulung::stakeholders::models::StakeholderGroup::Landlord.name();
    assert_eq!(
        e["message"],
        common::said("error.svy.answered_group_dropped", &[("group", &landlord)])
    );
    let (s, _) = api
        .put(
            &format!("/api/v1/surveys/{sid}"),
            settings(json!(["volunteer", "landlord"]), "Ehrenamt 2027"),
        )
        .await;
    assert_eq!(s, 200, "wording may be corrected");
    let page = b.get(&format!("/surveys/{sid}")).await;
    assert!(
        page.body.contains("data-test=\"archive-link\"")
            && !page.body.contains("data-test=\"delete-link\"")
    );
    let archive = b.get(&format!("/surveys/{sid}/archive")).await;
    assert!(archive.body.contains("data-test=\"confirm-stays\""));
    let archived =
        b.submit(&format!("/surveys/{sid}/archive"), &format!("/surveys/{sid}/archive"), &[]).await;
    assert_eq!(archived.status, 303);
    let page = b.get(&format!("/surveys/{sid}")).await;
    assert!(page.body.contains("data-test=\"archived\""));
    assert!(b.get("/surveys").await.body.contains("data-test=\"archived-surveys\""));
    let (_, results) = api.get(&format!("/api/v1/surveys/{sid}/results")).await;
    assert_eq!(results["responses"], 1, "results stay");
    let (s, e) = api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    assert_eq!(
        (s, e["message"].as_str()),
        (409, Some(common::said("error.svy.archived", &[]).as_str()))
    );
    let (s, _) = api.post(&format!("/api/v1/surveys/{sid}/reminders"), json!({})).await;
    assert_eq!(s, 409);
    let (_, unarchived) = api.post(&format!("/api/v1/surveys/{sid}/unarchive"), json!({})).await;
    assert!(unarchived["archived_at"].is_null());
}
both_backends!(surveys_are_deleted_until_answered_then_archived, delete_and_archive);

async fn who_may(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("eigene");
    let other = app.create_org("fremde");
    let api = app.api_token(&org.coordinator.email).await;
    let sid = survey(&api, "Eigene", &["landlord"], json!({"open_groups": ["landlord"]})).await;
    let q = question(&api, sid, json!({"kind": "text", "text": "Frage?"})).await;
    let referrer = {
        let org_id = mietschulung::ids::OrgId(org.id);
        app.db
            .run_blocking(move |conn| {
                mietschulung::auth::service::create_user(
                    conn,
                    None,
                    mietschulung::auth::service::NewUser {
                        organisation_id: Some(org_id),
                        email: "vermittlung@eigene.example.org".into(),
                        display_name: "Vermittlung".into(),
                        password: common::PASSWORD.into(),
                        role: mietschulung::auth::Role::Referrer,
                    },
                )
            })
            .expect("referrer")
            .email
    };
    let reads = [
        format!("/api/v1/surveys/{sid}/preview"),
        format!("/api/v1/surveys/{sid}/sheet"),
        format!("/api/v1/surveys/{sid}/open-links"),
        format!("/api/v1/surveys/{sid}/translations"),
        format!("/api/v1/surveys/{sid}/translations/ar"),
        format!("/api/v1/surveys/{sid}/invitations/preview"),
        format!("/api/v1/surveys/{sid}/reminders"),
        format!("/api/v1/surveys/{sid}/removal"),
    ];
    let writes = [
        format!("/api/v1/surveys/{sid}/questions/{q}/up"),
        format!("/api/v1/surveys/{sid}/questions/{q}/down"),
        format!("/api/v1/surveys/{sid}/reminders"),
        format!("/api/v1/surveys/{sid}/archive"),
        format!("/api/v1/surveys/{sid}/invitations"),
    ];
    let pages =
        ["invite", "remind", "delete", "archive", "sheet", "questions/new", "translations/ar"]
            .map(|p| format!("/surveys/{sid}/{p}"));
    let (s, links) = api.get(&format!("/api/v1/surveys/{sid}/open-links")).await;
    assert_eq!(s, 200);
    assert!(links[0]["url"].as_str().unwrap().contains("/s/o/") && links[0]["group"] == "landlord");
    for (who, status) in
        [(other.coordinator.email.clone(), 404), (org.trainer.email.clone(), 403), (referrer, 403)]
    {
        let caller = app.api_token(&who).await;
        for path in &reads {
            assert_eq!(caller.get(path).await.0, status, "{who} GET {path}");
        }
        for path in &writes {
            assert_eq!(caller.post(path, json!({})).await.0, status, "{who} POST {path}");
        }
        let (s, _) =
            caller.send(reqwest::Method::DELETE, &format!("/api/v1/surveys/{sid}"), None).await;
        assert_eq!(s, status, "{who} DELETE");
        let b = logged_in(&app, &who).await;
        for path in &pages {
            assert_eq!(b.get(path).await.status, status, "{who} {path}");
        }
        let csrf = b.get("/account").await;
        if csrf.status == 200 {
            let token = csrf.csrf();
            let posted =
                b.post_form(&format!("/surveys/{sid}/delete"), &[("csrf_token", &token)]).await;
            assert_eq!(posted.status, status, "{who} POST delete");
        }
    }
    assert_eq!(api.get(&format!("/api/v1/surveys/{sid}")).await.0, 200, "still there");
    assert_eq!(app.count("survey_invitations"), 0);
}
both_backends!(another_organisation_gets_404_and_other_roles_403, who_may);

async fn hostile_texts(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("feindlich");
    let api = app.api_token(&org.coordinator.email).await;
    contact(&api, "landlord", "<b>Fett</b> & Co", None, true, "de").await;
    let sid = survey(&api, "<script>alert('t')</script>", &["landlord"], json!({})).await;
    let script = "<script>alert(1)</script>";
    let img = "\"><img src=x onerror=alert(2)>";
    let q = question(
        &api,
        sid,
        json!({"kind": "single", "text": script, "help": img, "options": [img, "{{name}} {n}"]}),
    )
    .await;
    for bad in ["Frage \u{202E}gnirts", "Frage\u{0007}", "Zwei\nZeilen"] {
        let (s, e) = api
            .post(&format!("/api/v1/surveys/{sid}/questions"), json!({"kind": "text", "text": bad}))
            .await;
        assert_eq!((s, e["field"].as_str()), (422, Some("text")), "{bad:?}: {e}");
    }
    let (s, _) = api
        .put(&format!("/api/v1/surveys/{sid}/translations/ar"), json!({"title": script, "questions": {q.to_string(): {"text": img, "options": [script, "{n}"]}}}))
        .await;
    assert_eq!(s, 204);
    api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    let b = logged_in(&app, &org.coordinator.email).await;
    for path in [
        "",
        "/questions/new?kind=single",
        &format!("/questions/{q}"),
        "/translations/ar",
        "/invite",
        "/sheet",
        "/delete",
        "/preview",
        "/preview?lang=ar",
    ] {
        let page = b.get(&format!("/surveys/{sid}{path}")).await;
        assert_eq!(page.status, 200, "{path}");
        for raw in ["<script>alert", "<img src=x", "<b>Fett</b>"] {
            assert!(!page.body.contains(raw), "{path} shows {raw} unescaped");
        }
    }
    let page = b.get(&format!("/surveys/{sid}")).await;
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(page.body.contains("{{name}} {n}"), "braces stay as typed");
    let (_, preview) = api.get(&format!("/api/v1/surveys/{sid}/preview")).await;
    assert_eq!(preview["questions"][0]["text"], script, "the API gives the text as typed");
}
both_backends!(hostile_question_texts_stay_text, hostile_texts);

#[test]
fn a_question_moves_within_the_list() {
    use mietschulung::surveys::questions::shifted;
    for n in 1..6usize {
        for at in 0..n {
            assert_eq!(shifted(at, n, -1), at.saturating_sub(1));
            assert_eq!(shifted(at, n, 1), (at + 1).min(n - 1));
        }
    }
}

/// In a real browser, without JavaScript doing the work: the survey page leads to the
/// check-your-answers page, its button sends, and the banner says what went out with the
/// sheet to print one click away.
#[actix_web::test]
async fn inviting_in_a_browser_checks_first_then_says_what_was_sent() {
    if !common::browser::available() {
        return;
    }
    let app = common::spawn_app(Backend::Sqlite).await;
    let org = app.create_org("browser-umfrage");
    let api = app.api_token(&org.coordinator.email).await;
    contact(&api, "landlord", "Karl Brandt", Some("karl@example.org"), true, "de").await;
    contact(&api, "landlord", "Amal Haddad", None, true, "ar").await;
    contact(&api, "landlord", "Otto Ohnezustimmung", None, false, "de").await;
    let sid = survey(&api, "Vermieten 2027", &["landlord"], json!({})).await;
    question(&api, sid, json!({"kind": "text", "text": "Was brauchen Sie?"})).await;

    let browser = common::browser::Chromium::start(1280, 900).await;
    browser.log_in(&app.url(""), &org.coordinator.email).await;
    browser.goto(&app.url(&format!("/surveys/{sid}"))).await;
    browser.click("a[data-test=invite-link]").await;
    let check = browser
        .wait_for_text(&common::said("svy.invite.lead", &[("emails", "1"), ("paper", "1")]))
        .await;
    assert!(
        check.contains("Otto Ohnezustimmung")
            && check.contains(&common::said("svy.left_out.no_consent", &[]))
    );
    assert_eq!(app.count("survey_invitations"), 0, "looking sends nothing");
    browser.click("button[data-test=confirm-button]").await;
    let done =
        common::said("done.svy_invited", &[("emailed", "1"), ("on_paper", "1"), ("left_out", "1")]);
    browser.wait_for_text(&done).await;
    assert_eq!(app.count("survey_invitations"), 2);
    browser.click("p[data-test=flash-sheet] a").await;
    let sheet = browser.wait_for_text("data-test=\"sheet-card\"").await;
    assert!(sheet.contains(&i18n::text("ar", "svy.sheet.scan")), "Amal's card in Arabic");
    assert!(!sheet.contains("Otto Ohnezustimmung"));
}
