//! Pages a participant, respondent or landlord reaches without login and that have no
//! language of their own (a link that opens nothing, an expired form, a wrong address, too
//! many requests) answer in the reader's language: `?lang=`, else `Accept-Language` among
//! the participant languages, else German; right to left in Arabic, Persian and Pashto;
//! Leichte Sprache as `lang="de"`; the status unchanged; a header that cannot be read is
//! no wish (German), never a 500.

use reqwest::header::HeaderValue;
use serde_json::json;

use crate::both_backends;
use crate::common::{self, Backend, Options, TestApp};
use mietschulung::i18n::{self, Text};

/// (Accept-Language, the page's `lang`, its `dir`, the language of its words).
const READERS: [(Option<&str>, &str, &str, &str); 7] = [
    (Some("ar-SY,ar;q=0.9,en;q=0.5"), "ar", "rtl", "ar"),
    (Some("ps"), "ps", "rtl", "ps"),
    (Some("ti-ER, en;q=0.5"), "ti", "ltr", "ti"),
    (Some("de-simple, de;q=0.8"), "de", "ltr", "de-simple"),
    (Some("fr-FR, fa;q=0.3"), "fa", "rtl", "fa"),
    (Some("pl"), "de", "ltr", "de"),
    (None, "de", "ltr", "de"),
];

/// Headers that say nothing readable: each answers German.
fn hostile_headers() -> Vec<Vec<u8>> {
    vec![
        "zz;q=0.5, ".repeat(1000).into_bytes(),
        "a".repeat(10_000).into_bytes(),
        "*;q=abc, ü".as_bytes().to_vec(),
        "ar;q=abc".as_bytes().to_vec(),
        ";;;,,,=".as_bytes().to_vec(),
        "ü".repeat(2_000).into_bytes(),
    ]
}

/// What a request answered: status, `Retry-After`, `Location`, body.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    location: Option<String>,
    body: String,
}

async fn fetch(
    app: &TestApp, post: Option<&[(&str, &str)]>, path: &str, accept_language: Option<&[u8]>,
) -> Answer {
    let client = app.browser().client;
    let mut req = match post {
        Some(fields) => client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_html_form::to_string(fields).unwrap()),
        None => client.get(app.url(path)),
    };
    if let Some(value) = accept_language {
        req = req.header("accept-language", HeaderValue::from_bytes(value).unwrap());
    }
    let resp = req.send().await.expect("request");
    let header =
        |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (retry_after, location) = (header("retry-after"), header("location"));
    Answer {
        status: resp.status().as_u16(),
        retry_after,
        location,
        body: resp.text().await.unwrap(),
    }
}

/// A sentence as the page shows it, up to its first place (which varies: seconds).
fn shown(text: &Text, lang: &str) -> String {
    let words = handlebars::html_escape(&text.render(lang));
    words.split("{").next().unwrap_or_default().to_string()
}

/// `path` answers `status` in each reader's language with `text`, and German to hostile
/// headers.
async fn speaks(app: &TestApp, post: Option<&[(&str, &str)]>, path: &str, status: u16, text: Text) {
    let german = shown(&text, "de");
    for (header, html_lang, dir, lang) in READERS {
        let a = fetch(app, post, path, header.map(str::as_bytes)).await;
        assert_eq!(a.status, status, "{path} {header:?}: {}", a.body);
        let root = format!("<html lang=\"{html_lang}\" dir=\"{dir}\">");
        assert!(a.body.contains(&root), "{path} {header:?}: {root} in {}", a.body);
        let words = shown(&text, lang);
        assert!(a.body.contains(&words), "{path} {header:?}: {words} in {}", a.body);
        if words != german {
            assert!(!a.body.contains(&german), "{path} {header:?}: German left");
        }
        if status == 429 {
            assert!(a.retry_after.is_some(), "{path}: Retry-After kept");
        }
    }
    for hostile in hostile_headers() {
        let a = fetch(app, post, path, Some(&hostile)).await;
        let head = String::from_utf8_lossy(&hostile[..20.min(hostile.len())]).to_string();
        assert_eq!(a.status, status, "{path} hostile {head}: {}", a.body);
        assert!(a.body.contains("<html lang=\"de\" dir=\"ltr\">"), "{path} hostile {head}");
        assert!(a.body.contains(&german), "{path} hostile {head}");
    }
}

const NO_LINK: &str = "AAAAAAAAAAAAAAAAAAAAAAAA";

async fn pages_without_a_language(backend: Backend) {
    let options = Options { rate_limits: Some((0, 0)), ..Default::default() };
    let app = common::spawn_app_with(backend, options).await;
    let org = app.create_org("sprachen-fehler");
    let api = app.api_token(&org.coordinator.email).await;
    let today = mietschulung::time::today_local();
    let (s, survey) = api
        .post(
            "/api/v1/surveys",
            json!({"title": "Wohnen", "opens_on": today.to_string(), "closes_on": today.to_string(),
               "audience": ["target_group"], "open_groups": ["target_group"]}),
        )
        .await;
    assert_eq!(s, 201, "{survey}");
    let open = open_token(&app, survey["id"].as_i64().unwrap());

    // The participant's own page when the link opens nothing, and its PDF.
    let missing = Text::key("own.missing_text");
    speaks(&app, None, &format!("/meine-bescheinigungen/{NO_LINK}"), 404, missing.clone()).await;
    speaks(&app, None, &format!("/meine-bescheinigungen/{NO_LINK}/X.pdf"), 404, missing).await;
    // Its footer leads to the statement in the same language.
    for (header, href) in [
        (Some("ar"), "/barrierefreiheit?lang=ar"),
        (Some("de-simple"), "/barrierefreiheit?lang=de-simple"),
        (None, "/barrierefreiheit"),
    ] {
        let a = fetch(
            &app,
            None,
            &format!("/meine-bescheinigungen/{NO_LINK}"),
            header.map(str::as_bytes),
        )
        .await;
        let link = common::attribute_of(&a.body, "data-test=\"statement-link\"", "href");
        assert_eq!(link.as_deref(), Some(href), "{header:?}");
    }

    // Survey links: unknown, unknown open link, open link of a group it is not open to.
    let unknown = Text::key("error.surveys.unknown_link");
    speaks(&app, None, &format!("/s/{NO_LINK}"), 404, unknown.clone()).await;
    speaks(&app, None, "/s/kurz", 404, unknown.clone()).await;
    speaks(&app, None, &format!("/s/o/{NO_LINK}/target_group"), 404, unknown.clone()).await;
    let no_open = Text::key("error.surveys.no_open_link");
    speaks(&app, None, &format!("/s/o/{open}/landlord"), 404, no_open).await;
    // A form post the link does not know.
    let post: &[(&str, &str)] = &[("page", "0"), ("action", "submit")];
    speaks(&app, Some(post), &format!("/s/{NO_LINK}"), 404, unknown).await;

    // The reminder's apology link that opens nothing.
    let invalid = Text::key("error.reminders.link_invalid");
    speaks(&app, None, &format!("/absage/{NO_LINK}"), 404, invalid).await;

    // The accessibility feedback form: a post without its form's token, an organisation
    // that does not exist, an address that is none.
    let post: &[(&str, &str)] = &[("message", "Der Kontrast ist zu schwach."), ("lang", "de")];
    let path = format!("/barrierefreiheit/{}", org.id);
    speaks(&app, Some(post), &path, 403, Text::key("error.form_expired")).await;
    let no_org = Text::key("error.not_found").arg_key("what", "thing.organisation");
    speaks(&app, None, "/barrierefreiheit/99999", 404, no_org).await;
    speaks(&app, None, "/barrierefreiheit/abc", 404, Text::key("error.no_such_address")).await;
    assert_eq!(app.count("accessibility_feedback"), 0, "nothing stored");

    // A mistyped address.
    speaks(&app, None, "/meine-bescheinigung", 404, Text::key("error.no_such_page")).await;

    // `?lang=` where the address says it, before the browser's language.
    for (query, header, lang, dir) in [
        ("uk", Some("ar"), "uk", "ltr"),
        ("fa", None, "fa", "rtl"),
        ("xx", Some("ar"), "ar", "rtl"),
    ] {
        let path = format!("/s/{NO_LINK}?lang={query}");
        let a = fetch(&app, None, &path, header.map(str::as_bytes)).await;
        assert_eq!(a.status, 404);
        assert!(a.body.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\">")), "{query}");
        assert!(a.body.contains(&shown(&Text::key("error.surveys.unknown_link"), lang)));
    }

    // The open link starts the form in the browser's language (the switch on the form
    // chooses another), and says nothing about it to a German browser.
    for (header, lang) in [(Some("ti"), Some("ti")), (Some("ar-EG"), Some("ar")), (None, None)] {
        let path = format!("/s/o/{open}/target_group");
        let a = fetch(&app, None, &path, header.map(str::as_bytes)).await;
        assert_eq!(a.status, 303);
        let resume = a.location.expect("resume link");
        assert_eq!(resume.ends_with(&format!("?lang={}", lang.unwrap_or("de"))), lang.is_some());
        let form = fetch(&app, None, &resume, None).await;
        assert_eq!(form.status, 200);
        let lang = lang.unwrap_or("de");
        let root = format!("<html lang=\"{lang}\" dir=\"{}\">", i18n::direction(lang));
        assert!(form.body.contains(&root), "{resume}: {}", form.body);
        assert!(form.body.contains(&handlebars::html_escape(&i18n::text(lang, "respond.submit"))));
    }
}

both_backends!(error_pages_without_login_speak_the_readers_language, pages_without_a_language);

/// Too many requests: the own page's wait and the survey open link's refusal.
async fn too_many(backend: Backend) {
    let options =
        Options { rate_limits: Some((1, 1)), survey_open_rate: Some(1), ..Default::default() };
    let app = common::spawn_app_with(backend, options).await;
    let org = app.create_org("sprachen-warten");
    let api = app.api_token(&org.coordinator.email).await;

    let own = format!("/meine-bescheinigungen/{NO_LINK}");
    assert_eq!(fetch(&app, None, &own, None).await.status, 404, "the allowance of one");
    speaks(&app, None, &own, 429, Text::key("own.too_many_text")).await;

    let today = mietschulung::time::today_local();
    let (_, survey) = api
        .post("/api/v1/surveys", json!({"title": "Treffen", "opens_on": today.to_string(), "closes_on": today.to_string(),
               "audience": ["target_group"], "open_groups": ["target_group"]}))
        .await;
    let path = format!("/s/o/{}/target_group", open_token(&app, survey["id"].as_i64().unwrap()));
    assert_eq!(fetch(&app, None, &path, None).await.status, 303, "the allowance of one");
    speaks(&app, None, &path, 429, Text::key("error.rate_limited")).await;
    assert_eq!(app.count("survey_drafts"), 1, "refused visits stored nothing");
}

both_backends!(too_many_requests_is_said_in_the_readers_language, too_many);

fn open_token(app: &TestApp, survey: i64) -> String {
    use diesel::prelude::*;
    use mietschulung::db::schema::surveys;
    let id = i32::try_from(survey).unwrap();
    app.db
        .run_blocking(move |conn| {
            Ok(surveys::table.find(id).select(surveys::open_token).first::<String>(conn)?)
        })
        .unwrap()
}

/// The accessibility statement: the page, its feedback form and the form's refusals in the
/// reader's language; the statement itself, a legal text in German and English, stays
/// German for other readers, marked as German, with a note in their language saying so.
async fn statement(backend: Backend) {
    let options = Options { rate_limits: Some((0, 0)), ..Default::default() };
    let app = common::spawn_app_with(backend, options).await;
    let org = app.create_org("sprachen-erklaerung");
    let path = format!("/barrierefreiheit/{}", org.id);
    let law = handlebars::html_escape(&i18n::text("de", "statement.intro_law"));
    for (header, html_lang, dir, lang) in READERS {
        let a = fetch(&app, None, &path, header.map(str::as_bytes)).await;
        assert_eq!(a.status, 200, "{header:?}");
        assert!(a.body.contains(&format!("<html lang=\"{html_lang}\" dir=\"{dir}\">")));
        for key in ["statement.heading", "statement.label_message", "statement.send"] {
            let words = handlebars::html_escape(&i18n::text(lang, key));
            assert!(a.body.contains(&words), "{header:?} {key}: {}", a.body);
        }
        assert!(a.body.contains("<div lang=\"de\" dir=\"ltr\" data-test=\"statement-text\">"));
        assert!(a.body.contains(&law), "the statement stays German");
        let note = handlebars::html_escape(&i18n::text(lang, "statement.legal_text_note"));
        assert_eq!(a.body.contains(&note), lang != "de", "{header:?}: the note");
    }
    let english = fetch(&app, None, &format!("{path}?lang=en"), Some(b"ar")).await;
    assert!(english.body.contains("<div lang=\"en\" dir=\"ltr\" data-test=\"statement-text\">"));
    assert!(!english.body.contains("data-test=\"statement-legal-note\""));
    for (lang, _) in i18n::PARTICIPANT_LANGUAGES.iter().filter(|(l, _)| !matches!(*l, "de" | "en"))
    {
        for key in ["statement.intro_law", "statement.enforcement_text", "statement.contact_intro"]
        {
            assert!(!i18n::has_text(lang, key), "{lang}: {key} is the legal text, German only");
        }
    }

    // The form refuses and thanks in the language it was shown in, right to left.
    let b = app.browser();
    for lang in ["ar", "ps", "ti", i18n::EASY_GERMAN] {
        let page = b.get(&format!("{path}?lang={lang}")).await;
        let csrf = page.csrf();
        let fields = [("csrf_token", csrf.as_str()), ("lang", lang), ("message", " ")];
        let refused = b.post_form(&path, &fields).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        let (html_lang, dir) = (i18n::html_lang(lang), i18n::direction(lang));
        assert!(refused.body.contains(&format!("<html lang=\"{html_lang}\" dir=\"{dir}\">")));
        let required = Text::key("error.required").arg_key("label", "statement.label_message");
        let words = handlebars::html_escape(&required.render(lang));
        assert!(refused.body.contains(&words), "{lang}: {words} in {}", refused.body);
        let fields = [("csrf_token", csrf.as_str()), ("lang", lang), ("message", "Zu klein")];
        let sent = b.post_form(&path, &fields).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        let thanks = handlebars::html_escape(&i18n::text(lang, "statement.feedback_sent"));
        assert!(sent.body.contains(&thanks), "{lang}");
    }
    assert_eq!(app.count("accessibility_feedback"), 4);
}

both_backends!(the_statement_page_speaks_the_readers_language_around_the_legal_text, statement);
