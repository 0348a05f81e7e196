//! Every capability of the UI is in the API: the test reads the route table (every
//! `#[get]`/`#[post]` of the `pages.rs` and `public.rs` files, and the list imports'
//! resources) and the OpenAPI document, and fails on an HTML route that has no API
//! counterpart. A route counts as covered when
//! - the same method and path exist under `/api/v1` (parameter names aside), or
//! - [`COUNTERPART`] names its API operation (which must exist in the document), or
//! - [`VIEW_ONLY`] says why it needs none (a page that only shows what an API read already
//!   gives, a confirmation page before an API action, a browser-only mechanism).
//!
//! A new page or form therefore fails this test until its API operation exists or its entry
//! here says why not.

use std::collections::BTreeSet;

use crate::common::routes::{html_routes, normalise};

/// HTML route → API operation, where the paths differ.
const COUNTERPART: &[(&str, &str)] = &[
    ("GET /account", "GET /api/v1/auth/tokens"),
    ("POST /account/password", "POST /api/v1/auth/password"),
    ("POST /account/tokens", "POST /api/v1/auth/tokens"),
    ("POST /account/tokens/{id}/revoke", "DELETE /api/v1/auth/tokens/{id}"),
    ("POST /admin/organisations/{id}", "PUT /api/v1/admin/organisations/{id}"),
    (
        "POST /admin/organisations/{id}/tokens/{t}/revoke",
        "DELETE /api/v1/admin/organisations/{id}/tokens/{t}",
    ),
    ("POST /admin/organisations/{id}/users/{u}", "PUT /api/v1/admin/organisations/{id}/users/{u}"),
    (
        "GET /admin/organisations/{id}/users/{u}/check",
        "GET /api/v1/admin/organisations/{id}/users/{u}",
    ),
    (
        "GET /admin/organisations/{id}/users/{u}/{action}",
        "GET /api/v1/admin/organisations/{id}/users/{u}",
    ),
    (
        "POST /admin/organisations/{id}/users/{u}/{action}",
        "POST /api/v1/admin/organisations/{id}/users/{u}/deactivate",
    ),
    ("GET /audit.csv", "GET /api/v1/audit"),
    ("POST /certificate-settings/approve", "POST /api/v1/certificate-settings/approval"),
    ("POST /certificate-settings/keys/rotate", "POST /api/v1/keys/rotate"),
    ("GET /certificate-settings/keys/{kid}/compromise", "GET /api/v1/keys"),
    ("POST /certificate-settings/keys/{kid}/compromise", "POST /api/v1/keys/{kid}/compromise"),
    ("GET /certificate-settings/keys/{kid}/retire", "GET /api/v1/keys"),
    ("POST /certificate-settings/keys/{kid}/retire", "POST /api/v1/keys/{kid}/retire"),
    ("POST /certificate-settings/profile", "PUT /api/v1/certificate-settings"),
    ("GET /certificate-settings/{kind}", "GET /api/v1/certificate-settings"),
    ("POST /certificate-settings/{kind}", "PUT /api/v1/certificate-settings/images/{kind}"),
    (
        "POST /certificate-settings/{kind}/delete",
        "DELETE /api/v1/certificate-settings/images/{kind}",
    ),
    ("GET /certificates/{id}/revoke", "GET /api/v1/certificates"),
    ("GET /courses/{id}/delete", "GET /api/v1/courses/{id}"),
    ("POST /courses/{id}/delete", "DELETE /api/v1/courses/{id}"),
    ("GET /courses/{id}/edit", "GET /api/v1/courses/{id}"),
    ("POST /courses/{id}/edit", "PUT /api/v1/courses/{id}"),
    ("GET /courses/{id}/modules/{m}/delete", "GET /api/v1/courses/{id}"),
    ("POST /courses/{id}/modules/{m}/delete", "DELETE /api/v1/courses/{id}/modules/{m}"),
    ("GET /courses/{id}/modules/{m}/edit", "GET /api/v1/courses/{id}"),
    ("POST /courses/{id}/modules/{m}/edit", "PUT /api/v1/courses/{id}/modules/{m}"),
    ("POST /courses/{id}/rules", "PUT /api/v1/courses/{id}/rules"),
    ("POST /courses/{id}/translations/{lang}", "PUT /api/v1/courses/{id}/translations/{lang}"),
    ("GET /locations/new", "GET /api/v1/locations"),
    ("POST /locations/new", "GET /api/v1/locations"),
    ("GET /locations/{id}/delete", "GET /api/v1/locations/{id}"),
    ("POST /locations/{id}/delete", "DELETE /api/v1/locations/{id}"),
    ("GET /locations/{id}/edit", "GET /api/v1/locations/{id}"),
    ("POST /locations/{id}/edit", "PUT /api/v1/locations/{id}"),
    ("GET /participants/import/{batch}", "POST /api/v1/participants/import"),
    ("POST /participants/import/{batch}", "POST /api/v1/participants/import"),
    ("GET /participants/{id}/delete", "GET /api/v1/participants/{id}"),
    ("POST /participants/{id}/delete", "DELETE /api/v1/participants/{id}"),
    ("GET /participants/{id}/edit", "GET /api/v1/participants/{id}"),
    ("POST /participants/{id}/edit", "PUT /api/v1/participants/{id}"),
    ("GET /participants/{id}/erase", "GET /api/v1/participants/{id}"),
    ("POST /participants/{id}/erase", "POST /api/v1/participants/{id}/erasure"),
    ("GET /participants/{id}/export.json", "GET /api/v1/participants/{id}/export"),
    ("GET /participants/{id}/own-page-link", "GET /api/v1/participants/{id}"),
    ("GET /reports", "GET /api/v1/reports/organisation"),
    ("GET /admin/programme", "GET /api/v1/admin/programmes"),
    ("POST /admin/programme", "POST /api/v1/admin/programmes"),
    ("GET /admin/programme/{id}", "GET /api/v1/programmes/{id}"),
    ("POST /admin/programme/{id}/perioden", "POST /api/v1/admin/programmes/{id}/periods"),
    ("POST /admin/programme/{id}/mitglieder", "POST /api/v1/admin/programmes/{id}/members"),
    ("POST /admin/programme/{id}/konten", "POST /api/v1/admin/programmes/{id}/accounts"),
    ("GET /programm", "GET /api/v1/programmes/{id}"),
    ("GET /programm/{id}/zahlen", "GET /api/v1/programmes/{id}/figures"),
    ("GET /programm/{id}/zahlen.{format}", "GET /api/v1/programmes/{id}/figures.{format}"),
    ("GET /programme", "GET /api/v1/programmes"),
    ("POST /programme/{id}/teilen", "PUT /api/v1/programmes/{id}/membership"),
    ("POST /programme/{id}/ablehnen", "POST /api/v1/programmes/{id}/membership/decline"),
    ("GET /programme/{id}/austreten", "GET /api/v1/programmes"),
    ("POST /programme/{id}/austreten", "POST /api/v1/programmes/{id}/membership/leave"),
    ("GET /programme/{id}/zahlen", "GET /api/v1/programmes/{id}/own-figures"),
    ("GET /bibliothek", "GET /api/v1/library"),
    ("POST /bibliothek", "POST /api/v1/library"),
    ("GET /bibliothek/{id}", "GET /api/v1/library/{id}"),
    ("POST /bibliothek/{id}/kopieren", "POST /api/v1/library/{id}/copy"),
    ("POST /bibliothek/{id}/gesehen", "POST /api/v1/library/{id}/acknowledge"),
    ("POST /bibliothek/{id}/zurueckziehen", "POST /api/v1/library/{id}/withdraw"),
    ("GET /runs/{id}/certificates/print", "GET /api/v1/runs/{id}/certificates/undelivered"),
    ("GET /runs/{id}/certificates/print.zip", "GET /api/v1/runs/{id}/certificates/undelivered.zip"),
    ("GET /runs/{id}/delete", "GET /api/v1/runs/{id}"),
    ("POST /runs/{id}/delete", "DELETE /api/v1/runs/{id}"),
    ("GET /runs/{id}/edit", "GET /api/v1/runs/{id}"),
    ("POST /runs/{id}/edit", "PUT /api/v1/runs/{id}"),
    ("POST /sessions/{id}", "PUT /api/v1/sessions/{id}"),
    ("POST /sessions/{id}/attendance", "PUT /api/v1/sessions/{id}/attendance/{p}"),
    ("GET /sessions/{id}/delete", "GET /api/v1/sessions/{id}/roster"),
    ("POST /sessions/{id}/delete", "DELETE /api/v1/sessions/{id}"),
    ("GET /sessions/{id}/edit", "GET /api/v1/sessions/{id}/roster"),
    ("POST /sessions/{id}/test-results", "PUT /api/v1/sessions/{id}/test-results/{p}"),
    ("GET /settings/accessibility", "GET /api/v1/organisation/accessibility-statement"),
    ("POST /settings/accessibility", "PUT /api/v1/organisation/accessibility-statement"),
    (
        "GET /settings/accessibility/feedback/{id}/delete",
        "GET /api/v1/organisation/accessibility-feedback",
    ),
    (
        "POST /settings/accessibility/feedback/{id}/delete",
        "DELETE /api/v1/organisation/accessibility-feedback/{id}",
    ),
    ("GET /settings/privacy", "GET /api/v1/organisation/retention"),
    ("POST /settings/privacy", "PUT /api/v1/organisation/retention"),
    ("POST /stakeholders/{id}", "PUT /api/v1/stakeholders/{id}"),
    ("GET /stakeholders/{id}/delete", "GET /api/v1/stakeholders/{id}"),
    ("POST /stakeholders/{id}/delete", "DELETE /api/v1/stakeholders/{id}"),
    ("GET /stakeholders/{id}/export.json", "GET /api/v1/stakeholders/{id}/export"),
    ("POST /surveys/{id}", "PUT /api/v1/surveys/{id}"),
    ("GET /surveys/{id}/archive", "GET /api/v1/surveys/{id}/removal"),
    ("GET /surveys/{id}/delete", "GET /api/v1/surveys/{id}/removal"),
    ("POST /surveys/{id}/delete", "DELETE /api/v1/surveys/{id}"),
    ("GET /surveys/{id}/invite", "GET /api/v1/surveys/{id}/invitations/preview"),
    ("POST /surveys/{id}/invite", "POST /api/v1/surveys/{id}/invitations"),
    ("GET /surveys/{id}/questions/new", "GET /api/v1/surveys/{id}"),
    ("GET /surveys/{id}/questions/{q}", "GET /api/v1/surveys/{id}"),
    ("POST /surveys/{id}/questions/{q}", "PUT /api/v1/surveys/{id}/questions/{q}"),
    ("POST /surveys/{id}/questions/{q}/delete", "DELETE /api/v1/surveys/{id}/questions/{q}"),
    ("GET /surveys/{id}/remind", "GET /api/v1/surveys/{id}/reminders"),
    ("POST /surveys/{id}/remind", "POST /api/v1/surveys/{id}/reminders"),
    ("POST /surveys/{id}/translations/{lang}", "PUT /api/v1/surveys/{id}/translations/{lang}"),
    ("GET /team", "GET /api/v1/users"),
    ("POST /team", "POST /api/v1/users"),
    ("GET /team/{id}", "GET /api/v1/users/{id}"),
    ("POST /team/{id}", "PUT /api/v1/users/{id}"),
    ("GET /team/{id}/check", "GET /api/v1/users/{id}"),
    ("POST /team/{id}/invitation", "POST /api/v1/users/{id}/invitation"),
    ("GET /team/{id}/{action}", "GET /api/v1/users/{id}"),
    ("POST /team/{id}/{action}", "POST /api/v1/users/{id}/deactivate"),
    ("GET /vermittlung", "GET /api/v1/referrals"),
    ("GET /vermittlung/anmelden", "GET /api/v1/referrals/open-runs"),
    ("POST /vermittlung/anmelden", "POST /api/v1/referrals"),
    ("GET /vermittlung/bescheinigungen/{id}.pdf", "GET /api/v1/referrals/certificates/{id}/pdf"),
    ("GET /s/{token}", "GET /api/v1/responses/{token}"),
    ("POST /s/{token}", "POST /api/v1/responses/{token}"),
    ("GET /s/o/{token}/{group}", "POST /api/v1/surveys/open/{token}/{group}"),
    ("GET /z", "GET /api/v1/verify/code/{code}"),
    ("GET /Z", "GET /api/v1/verify/code/{code}"),
    ("GET /{k}/{code}", "GET /api/v1/verify/{token}"),
];

/// HTML routes without an API operation of their own, and why.
const VIEW_ONLY: &[(&str, &str)] = &[
    ("GET /", "the start page sends each role to its own page"),
    ("GET /.well-known/jwks.json", "is itself the machine-readable key set"),
    ("GET /.well-known/revoked", "is itself the machine-readable revocation list"),
    ("GET /pruefen", "the offline check runs in the browser on /.well-known/jwks.json, /.well-known/revoked and GET /api/v1/verify/{token} (bulk)"),
    ("GET /pruefen/aussteller.json", "is itself machine-readable (issuer names and course titles for the offline check)"),
    ("GET /pruefen/manifest.webmanifest", "is itself the machine-readable web app manifest"),
    ("GET /pruefen/sw.js", "the service worker script of the offline check"),
    ("GET /pruefen/vorlagen/{lang}.json", "is itself machine-readable (result page templates for the offline check)"),
    (
        "GET /absage/{token}",
        "a participant's apology link from a reminder mail, public, no account",
    ),
    (
        "POST /absage/{token}",
        "a participant's apology link from a reminder mail, public, no account",
    ),
    (
        "GET /barrierefreiheit",
        "the public accessibility statement for pages of no organisation; its settings are GET /api/v1/organisation/accessibility-statement",
    ),
    (
        "GET /barrierefreiheit/{org}",
        "an organisation's public accessibility statement; its settings are GET /api/v1/organisation/accessibility-statement",
    ),
    (
        "POST /barrierefreiheit/{org}",
        "a visitor's feedback, public and without account; the coordinator reads it with GET /api/v1/organisation/accessibility-feedback",
    ),
    ("GET /calendar/run/{token}.ics", "is itself a machine-readable calendar feed"),
    ("GET /calendar/trainer/{token}.ics", "is itself a machine-readable calendar feed"),
    (
        "GET /konto/einrichten/{token}",
        "setting the first password from the invitation mail, before any API token can exist",
    ),
    (
        "POST /konto/einrichten/{token}",
        "setting the first password from the invitation mail, before any API token can exist",
    ),
    (
        "GET /passwort-neu/{token}",
        "the reset link from the mail; the API asks for it with POST /api/v1/auth/password-reset",
    ),
    (
        "POST /passwort-neu/{token}",
        "the reset link from the mail; the API asks for it with POST /api/v1/auth/password-reset",
    ),
    ("GET /passwort-vergessen", "the form of POST /api/v1/auth/password-reset"),
    ("POST /passwort-vergessen", "the form of POST /api/v1/auth/password-reset"),
    ("GET /login", "browser login; the API logs in with POST /api/v1/auth/token"),
    ("POST /login", "browser login; the API logs in with POST /api/v1/auth/token"),
    (
        "POST /logout",
        "ends the browser session; API tokens are revoked with DELETE /api/v1/auth/tokens/{id}",
    ),
    (
        "GET /meine-bescheinigungen/{token}",
        "the participant's own page, reached by a personal link, never by staff",
    ),
    (
        "POST /meine-bescheinigungen/{token}",
        "the participant's own page, reached by a personal link, never by staff",
    ),
    (
        "GET /meine-bescheinigungen/{token}/daten.json",
        "the participant's own data, reached by a personal link, never by staff",
    ),
    (
        "GET /meine-bescheinigungen/{token}/{code}.pdf",
        "the participant's own PDF, reached by a personal link, never by staff",
    ),
];

/// `METHOD /path` of every operation in the OpenAPI document.
fn api_operations() -> BTreeSet<String> {
    let doc = serde_json::to_value(mietschulung::openapi::document()).unwrap();
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                ops.insert(format!("{} {}", method.to_uppercase(), normalise(path)));
            }
        }
    }
    ops
}

#[test]
fn every_ui_capability_has_an_api_counterpart() {
    let html = html_routes();
    let api = api_operations();
    assert!(html.len() > 50, "the route table was not found: {html:?}");
    let mut missing = Vec::new();
    for route in &html {
        let (method, path) = route.split_once(' ').unwrap();
        if path.starts_with("/api/") || VIEW_ONLY.iter().any(|(r, _)| normalise(r) == *route) {
            continue;
        }
        if api.contains(&format!("{method} /api/v1{path}")) {
            continue;
        }
        match COUNTERPART.iter().find(|(r, _)| normalise(r) == *route) {
            Some((_, op)) => {
                assert!(
                    api.contains(&normalise(op)),
                    "{route}: {op} is not in the OpenAPI document"
                )
            }
            None => missing.push(route.clone()),
        }
    }
    assert!(
        missing.is_empty(),
        "UI routes without an API counterpart (add the operation, or an entry in COUNTERPART or VIEW_ONLY):\n{}",
        missing.join("\n")
    );
    let stale: Vec<_> = COUNTERPART
        .iter()
        .map(|(r, _)| r)
        .chain(VIEW_ONLY.iter().map(|(r, _)| r))
        .filter(|r| !html.contains(&normalise(r)))
        .collect();
    assert!(stale.is_empty(), "entries for routes that no longer exist: {stale:?}");
}
