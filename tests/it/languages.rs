//! What participants and respondents read, in their language: every participant text in
//! all nine languages and Leichte Sprache with the German text's places; an Arabic survey
//! refusing an answer in Arabic, right to left; reminders in Pashto, Tigrinya and Leichte
//! Sprache through a real SMTP server, with their calendar file and apology page.

use std::time::Duration;

use chrono::Duration as Days;
use serde_json::json;

use crate::both_backends;
use crate::common::{self, mime::decode, smtp::SmtpServer, Backend, Options};
use mietschulung::i18n::{self, Text};
use mietschulung::mail::outbox;
use mietschulung::reminders::service::run_due;

#[test]
fn participant_texts_are_complete_in_every_language() {
    let keys = i18n::participant_keys();
    // The set is found by prefix: a renamed prefix must not make the check pass empty.
    assert!(keys.len() > 150, "only {} participant keys found", keys.len());
    for must in ["mail.participant.reminder.subject", "apology.title", "survey.answer.between"] {
        assert!(keys.contains(&must), "{must} is a participant text");
    }
    let codes: Vec<&str> = i18n::PARTICIPANT_LANGUAGES.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, ["de", "en", "ar", "fa", "uk", "ru", "tr", "ti", "ps", i18n::EASY_GERMAN]);
    let problems = i18n::participant_texts_incomplete();
    assert!(
        problems.is_empty(),
        "{} participant texts missing or with other places than the German text:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(i18n::missing_keys(), Vec::<String>::new(), "keys German does not have");
}

#[test]
fn the_completeness_check_names_what_is_wrong() {
    assert_eq!(i18n::places("{date}, {start}–{end} Uhr {date}"), ["date", "end", "start"]);
    assert_eq!(i18n::places("ohne {"), Vec::<String>::new());
    for (lang, dir, html) in
        [("ar", "rtl", "ar"), ("fa", "rtl", "fa"), ("ps", "rtl", "ps"), ("ti", "ltr", "ti")]
    {
        assert_eq!((i18n::direction(lang), i18n::html_lang(lang)), (dir, html));
    }
    assert_eq!(i18n::html_lang(i18n::EASY_GERMAN), "de", "Leichte Sprache is German");
    assert_eq!(i18n::direction(i18n::EASY_GERMAN), "ltr");
}

/// A sentence of `lang` up to its first place (the part without arguments).
fn opening(lang: &str, key: &str) -> String {
    let t = i18n::text(lang, key);
    t.split('{').next().unwrap_or_default().to_string()
}

async fn reminders_in_three_languages(backend: Backend) {
    let smtp = SmtpServer::start_on(0).expect("smtp");
    let app = common::spawn_app_with(
        backend,
        Options { smtp_port: Some(smtp.port), ..Default::default() },
    )
    .await;
    let org = app.create_org("sprachen");
    let api = app.api_token(&org.coordinator.email).await;
    let (_, course) =
        api.post("/api/v1/courses", json!({"code": "MS-L", "title": "Wohnen in Gera"})).await;
    let course_id = course["id"].as_i64().unwrap();
    let today = mietschulung::time::today_local();
    let (_, run) = api
        .post(&format!("/api/v1/courses/{course_id}/runs"), json!({"start_date": today.to_string(), "end_date": (today + Days::days(5)).to_string(), "place": "VHS", "capacity": 10}))
        .await;
    let run_id = run["id"].as_i64().unwrap();
    let start =
        mietschulung::time::to_local(mietschulung::time::now_utc() + Days::hours(30)).naive_local();
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run_id}/sessions"),
            json!({"starts_at": start.format("%Y-%m-%dT%H:%M").to_string(),
                   "ends_at": (start + Days::hours(2)).format("%Y-%m-%dT%H:%M").to_string(),
                   "location": "Raum 4", "trainer_id": org.trainer.user_id}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let people = [("ps", "Gul", "gul@example.org"), ("ti", "Selam", "selam@example.org")];
    let people = people.into_iter().chain([(i18n::EASY_GERMAN, "Lena", "lena@example.org")]);
    let people: Vec<_> = people.collect();
    for (lang, given, email) in &people {
        let (s, p) = api
            .post("/api/v1/participants", json!({"given_name": given, "family_name": "Test", "preferred_language": lang, "email": email, "consent": true}))
            .await;
        assert_eq!(s, 201, "{p}");
        let pid = p["id"].as_i64().unwrap();
        api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid}))
            .await;
    }
    let url = app.settings.public_url.clone();
    let now = mietschulung::time::now_utc();
    let queued = app.db.run_blocking(move |conn| run_due(conn, &url, &[48, 2], now)).unwrap();
    assert_eq!(queued, 3);
    common::wait_until("three reminders delivered", Duration::from_secs(30), || {
        smtp.messages().len() >= 3
    })
    .await;
    let stored = app.db.run_blocking(outbox::all).unwrap();
    let b = app.browser();
    for (lang, given, email) in &people {
        let wire = smtp.messages().into_iter().find(|m| m.to[0].contains(email)).expect("mail");
        let mail = decode(&wire.data);
        let (html_lang, dir) = (i18n::html_lang(lang), i18n::direction(lang));
        assert!(
            mail.subject.starts_with(&opening(lang, "mail.participant.reminder.subject")),
            "{lang}: {}",
            mail.subject
        );
        let hello = Text::key("mail.participant.hello").arg("name", format!("{given} Test"));
        assert!(mail.text.contains(&hello.render(lang)), "{lang}: {}", mail.text);
        for key in ["mail.participant.reminder.intro", "mail.participant.reminder.attached"] {
            let words = i18n::text(lang, key);
            assert!(mail.text.contains(&words) && mail.html.contains(&words), "{lang} {key}");
        }
        assert!(
            mail.html.contains(&format!("<html lang=\"{html_lang}\" dir=\"{dir}\">")),
            "{lang}: {}",
            mail.html
        );
        // The German course title and place keep their own direction inside the sentence.
        assert!(
            mail.html.contains("<bdi>Wohnen in Gera</bdi>")
                && mail.html.contains("<bdi>Raum 4</bdi>")
        );
        let german = i18n::text("de", "mail.participant.reminder.intro");
        assert!(!mail.text.contains(&german), "{lang}: no German sentence left");

        // The calendar file speaks the same language.
        let row = stored.iter().find(|m| m.recipient == *email).expect("stored mail");
        let ics = String::from_utf8(row.attachment.clone().unwrap()).unwrap().replace("\r\n ", "");
        let summary = Text::key("calendar.ics.summary").arg("course", "Wohnen in Gera");
        assert!(ics.contains(&format!("SUMMARY:{}", summary.render(lang))), "{lang}: {ics}");

        // The apology page of the link: the participant's language and direction.
        let at = mail.text.find("/absage/").expect("apology link");
        let path: String = mail.text[at..].split_whitespace().next().unwrap().to_string();
        let page = b.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&format!("<html lang=\"{html_lang}\" dir=\"{dir}\">")));
        assert!(page.body.contains(&i18n::text(lang, "apology.explain")), "{lang}");
        assert!(page.body.contains("<dd dir=\"auto\">Wohnen in Gera</dd>"));
        let page = b.post_form(&path, &[("csrf_token", &page.csrf())]).await;
        assert!(page.body.contains(&i18n::text(lang, "apology.thanks")), "{lang}");
    }
}

both_backends!(
    reminders_reach_participants_in_pashto_tigrinya_and_leichte_sprache,
    reminders_in_three_languages
);

async fn arabic_survey(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let org = app.create_org("umfrage-ar");
    let api = app.api_token(&org.coordinator.email).await;
    // Tigrinya: the survey is not translated into it, the form's own words still are.
    for (name, lang) in [("Amal Haddad", "ar"), ("Lena Leicht", i18n::EASY_GERMAN), ("Selam", "ti")]
    {
        let (s, b) = api
            .post("/api/v1/stakeholders", json!({"stakeholder_group": "target_group", "name": name, "preferred_language": lang, "contact_consent": true}))
            .await;
        assert_eq!(s, 201, "{b}");
    }
    let today = mietschulung::time::today_local();
    let (_, survey) = api
        .post("/api/v1/surveys", json!({"title": "Wohnen", "opens_on": today.to_string(), "closes_on": (today + Days::days(5)).to_string(), "audience": ["target_group"]}))
        .await;
    let sid = survey["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for body in [
        json!({"kind": "number", "text": "Wie viele Personen?", "min_value": 1, "max_value": 10}),
        json!({"kind": "text", "text": "Was ist wichtig?", "required": true}),
    ] {
        let (s, q) = api.post(&format!("/api/v1/surveys/{sid}/questions"), body).await;
        assert_eq!(s, 201, "{q}");
        ids.push(q["id"].as_i64().unwrap());
    }
    for (lang, title, first, second) in [
        ("ar", "السكن", "كم عدد الأشخاص؟", "ما المهم؟"),
        (i18n::EASY_GERMAN, "Wohnen", "Wie viele Menschen?", "Was ist Ihnen wichtig?"),
    ] {
        let (s, e) = api
            .put(&format!("/api/v1/surveys/{sid}/translations/{lang}"), json!({"title": title, "questions": {ids[0].to_string(): {"text": first}, ids[1].to_string(): {"text": second}}}))
            .await;
        assert_eq!(s, 204, "{e}");
    }
    let (s, outcome) = api.post(&format!("/api/v1/surveys/{sid}/invitations"), json!({})).await;
    assert_eq!((s, outcome["on_paper"].as_i64()), (200, Some(3)), "{outcome}");
    let tokens: Vec<(String, String)> = {
        use diesel::prelude::*;
        use mietschulung::db::schema::{stakeholders, survey_invitations};
        app.db
            .run_blocking(|conn| {
                Ok(survey_invitations::table
                    .inner_join(stakeholders::table)
                    .select((stakeholders::preferred_language, survey_invitations::token))
                    .load(conn)?)
            })
            .unwrap()
    };
    assert_eq!(tokens.len(), 3);
    let b = app.browser();
    for (lang, token) in tokens {
        let path = format!("/s/{token}");
        let (html_lang, dir) = (i18n::html_lang(&lang), i18n::direction(&lang));
        let form = b.get(&path).await;
        assert_eq!(form.status, 200);
        assert!(
            form.body.contains(&format!("<html lang=\"{html_lang}\" dir=\"{dir}\">")),
            "{lang}"
        );
        assert!(form.body.contains(&i18n::text(&lang, "respond.submit")));
        // German questions inside a Tigrinya page say they are German.
        let marked = format!("id=\"q{}\" lang=\"de\" dir=\"ltr\">", ids[0]);
        let german_question = form.body.contains(&marked);
        assert_eq!(german_question, lang == "ti", "{lang}: {}", form.body);
        // An answer out of range, then a required answer missing: each refused in the
        // respondent's words, right to left in Arabic.
        let q0 = format!("q{}", ids[0]);
        let between = Text::key("survey.answer.between").arg("min", 1).arg("max", 10);
        for (typed, message, german) in [
            ("99", between.render(&lang), between.render("de")),
            (
                "5",
                i18n::text(&lang, "survey.answer.required"),
                i18n::text("de", "survey.answer.required"),
            ),
        ] {
            let refused = b
                .post_form(
                    &path,
                    &[("page", "0"), ("lang", &lang), ("action", "submit"), (&q0, typed)],
                )
                .await;
            assert_eq!(refused.status, 422, "{}", refused.body);
            assert!(
                refused.body.contains(&format!("<html lang=\"{html_lang}\" dir=\"{dir}\">")),
                "{lang}: {}",
                refused.body
            );
            for words in [&message, &i18n::text(&lang, "respond.fix")] {
                assert!(
                    refused.body.contains(words.as_str()),
                    "{lang}: {words} in {}",
                    refused.body
                );
            }
            if lang == "ar" {
                assert!(!refused.body.contains(&german), "no German left: {german}");
            }
            let value =
                common::attribute_of(&refused.body, &format!("id=\"{q0}-number\""), "value");
            assert_eq!(value.as_deref(), Some(typed), "typed answer kept");
        }
    }
}

both_backends!(
    a_survey_refuses_answers_in_arabic_right_to_left_and_in_leichte_sprache,
    arabic_survey
);
