//! Stored data: migrations that move it (a database at the migration before, filled the
//! old way, migrated up, reads back through the app's own queries; migrated down again, it
//! holds the old form), and stored codes the app does not know.

use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use mietschulung::db::Db;
use mietschulung::ids::{OrgId, RunId, SessionId, SurveyId};
use mietschulung::planning;

use crate::both_backends;
use crate::common::{self, Backend};

/// A database of `backend` with no migration applied, and what must live as long as it.
fn empty_database(backend: Backend) -> (Db, Box<dyn std::any::Any>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = dir.path().join("m.sqlite").to_string_lossy().into_owned();
            (Db::connect(&url, 2, true).expect("connect"), Box::new(dir))
        }
        Backend::Postgres => {
            let (url, pg) = common::pg_database();
            (Db::connect(&url, 2, true).expect("connect"), Box::new(pg))
        }
    }
}

fn exec(db: &Db, sql: &str) {
    db.run_blocking(|conn| Ok(diesel::sql_query(sql).execute(conn)?))
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Text)]
    text: String,
}

/// One text column of one row, as stored.
fn stored(db: &Db, sql: &str) -> String {
    db.run_blocking(|conn| Ok(diesel::sql_query(sql).load::<Stored>(conn)?.pop().map(|s| s.text)))
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .unwrap_or_else(|| panic!("{sql}: no row"))
}

/// Reverts migrations, newest first, until `version` is undone.
fn revert_through(db: &Db, version: &str) {
    let version: String = version.chars().filter(char::is_ascii_digit).collect();
    loop {
        let reverted = db.revert_last().expect("revert");
        assert!(reverted >= version, "went past {version}");
        if reverted == version {
            return;
        }
    }
}

const NOW: &str = "'2026-01-05 10:00:00'";

fn organisation_and_course(db: &Db) {
    exec(
        db,
        &format!(
            "INSERT INTO organisations (id, slug, name, issuer_name, signatory_name, \
             signatory_title, created_at) VALUES (1, 'alt', 'Alt', 'Alt', 'A', 'B', {NOW})"
        ),
    );
    exec(
        db,
        &format!(
            "INSERT INTO courses (id, organisation_id, code, title, description, created_at) \
             VALUES (1, 1, 'MS', 'Mietschulung', '', {NOW})"
        ),
    );
}

const LANGUAGE_ROWS: &str = "2026-11-30-000014";

both_backends!(
    interpreter_languages_move_to_rows_and_back,
    interpreter_languages_move_to_rows_and_back_on
);
async fn interpreter_languages_move_to_rows_and_back_on(backend: Backend) {
    let (db, _keep) = empty_database(backend);
    db.migrate_before(LANGUAGE_ROWS).expect("migrate to the one before");
    organisation_and_course(&db);
    for (id, languages) in [(1, "ar,fa"), (2, ""), (3, " uk, ,ar,uk,")] {
        exec(
            &db,
            &format!(
                "INSERT INTO course_runs (id, organisation_id, course_id, start_date, end_date, \
                 place, capacity, interpreter_languages, created_at) \
                 VALUES ({id}, 1, 1, '2026-03-01', '2026-03-31', 'VHS', 10, '{languages}', {NOW})"
            ),
        );
    }
    for (id, languages) in [(1, "fa,ti"), (2, "")] {
        exec(
            &db,
            &format!(
                "INSERT INTO training_sessions (id, organisation_id, run_id, starts_at, ends_at, \
                 cancelled, created_at, interpreter_languages) VALUES ({id}, 1, 1, \
                 '2026-03-0{id} 09:00:00', '2026-03-0{id} 11:00:00', FALSE, {NOW}, '{languages}')"
            ),
        );
    }

    db.migrate().expect("migrate up");
    let (runs, sessions, views) = db
        .run_blocking(|conn| {
            let runs: Vec<Vec<String>> = [1, 2, 3]
                .into_iter()
                .map(|id| {
                    planning::service::get_run(conn, OrgId(1), RunId(id))
                        .map(|r| r.interpreter_languages)
                })
                .collect::<Result<_, _>>()?;
            let sessions: Vec<Vec<String>> = [1, 2]
                .into_iter()
                .map(|id| {
                    planning::service::get_session(conn, OrgId(1), SessionId(id))
                        .map(|s| s.interpreter_languages)
                })
                .collect::<Result<_, _>>()?;
            let views = planning::service::session_views(conn, OrgId(1), Some(RunId(1)), None)?;
            Ok((runs, sessions, views))
        })
        .expect("read back");
    assert_eq!(runs, [vec!["ar", "fa"], vec![], vec!["uk", "ar"]]);
    assert_eq!(sessions, [vec!["fa", "ti"], vec![]]);
    let codes: Vec<&Vec<String>> = views.iter().map(|v| &v.interpreter_language_codes).collect();
    assert_eq!(codes, [&vec!["fa".to_string(), "ti".into()], &vec![]]);

    revert_through(&db, LANGUAGE_ROWS);
    let text = |table: &str, id: i32| {
        stored(&db, &format!("SELECT interpreter_languages AS text FROM {table} WHERE id = {id}"))
    };
    assert_eq!(text("course_runs", 1), "ar,fa");
    assert_eq!(text("course_runs", 2), "");
    assert_eq!(text("course_runs", 3), "uk,ar");
    assert_eq!(text("training_sessions", 1), "fa,ti");
    assert_eq!(text("training_sessions", 2), "");
}

const SURVEY_GROUP_ROWS: &str = "2026-11-30-000015";

both_backends!(survey_groups_move_to_rows_and_back, survey_groups_move_to_rows_and_back_on);
async fn survey_groups_move_to_rows_and_back_on(backend: Backend) {
    use mietschulung::stakeholders::models::StakeholderGroup::{Landlord, TargetGroup, Vhs};
    use mietschulung::surveys;

    let (db, _keep) = empty_database(backend);
    db.migrate_before(SURVEY_GROUP_ROWS).expect("migrate to the one before");
    organisation_and_course(&db);
    for (id, audience, open) in
        [(1, "landlord,target_group,vhs", "target_group,landlord"), (2, "Vhs, landlord ,vhs", "")]
    {
        exec(
            &db,
            &format!(
                "INSERT INTO surveys (id, organisation_id, title, introduction, opens_on, \
                 closes_on, audience, anonymous, reminder_max, reminder_interval_days, \
                 open_groups, open_token, created_at, updated_at) VALUES ({id}, 1, 'Umfrage', \
                 '', '2026-12-01', '2026-12-20', '{audience}', FALSE, 2, 7, '{open}', \
                 'open-token-{id}', {NOW}, {NOW})"
            ),
        );
    }
    for (id, survey, groups) in [(1, 1, ""), (2, 1, "vhs,landlord"), (3, 2, " landlord ")] {
        exec(
            &db,
            &format!(
                "INSERT INTO survey_questions (id, survey_id, position, kind, text, help, \
                 required, groups, options_json, created_at) VALUES ({id}, {survey}, {id}, \
                 'text', 'Was noch?', '', FALSE, '{groups}', '[]', {NOW})"
            ),
        );
    }

    db.migrate().expect("migrate up");
    let (first, second, questions) = db
        .run_blocking(|conn| {
            let first = surveys::repo::get(conn, OrgId(1), SurveyId(1))?.expect("survey 1");
            let second = surveys::repo::get(conn, OrgId(1), SurveyId(2))?.expect("survey 2");
            let mut questions = surveys::repo::questions(conn, SurveyId(1))?;
            questions.extend(surveys::repo::questions(conn, SurveyId(2))?);
            Ok((first, second, questions))
        })
        .expect("read back");
    assert_eq!(first.audience, [Landlord, TargetGroup, Vhs]);
    assert_eq!(first.open_groups, [TargetGroup, Landlord]);
    assert_eq!(second.audience, [Vhs, Landlord]);
    assert!(second.open_groups.is_empty());
    let groups: Vec<_> = questions.iter().map(|q| q.groups.clone()).collect();
    assert_eq!(groups, [vec![], vec![Vhs, Landlord], vec![Landlord]]);
    assert!(questions[0].visible_to(TargetGroup) && !questions[1].visible_to(TargetGroup));

    revert_through(&db, SURVEY_GROUP_ROWS);
    let text = |column: &str, table: &str, id: i32| {
        stored(&db, &format!("SELECT {column} AS text FROM {table} WHERE id = {id}"))
    };
    assert_eq!(text("audience", "surveys", 1), "landlord,target_group,vhs");
    assert_eq!(text("open_groups", "surveys", 1), "target_group,landlord");
    assert_eq!(text("audience", "surveys", 2), "vhs,landlord");
    assert_eq!(text("open_groups", "surveys", 2), "");
    assert_eq!(text("groups", "survey_questions", 1), "");
    assert_eq!(text("groups", "survey_questions", 2), "vhs,landlord");
    assert_eq!(text("groups", "survey_questions", 3), "landlord");
}

both_backends!(
    a_stored_code_the_app_does_not_know_is_an_error,
    a_stored_code_the_app_does_not_know_is_an_error_on
);
async fn a_stored_code_the_app_does_not_know_is_an_error_on(backend: Backend) {
    let (db, _keep) = empty_database(backend);
    db.migrate().expect("migrate");
    exec(
        &db,
        &format!(
            "INSERT INTO mail_outbox (recipient, subject, body_text, body_html, status, \
             attempts, next_attempt_at, created_at) \
             VALUES ('a@example.org', 'Betreff', 'Text', 'Text', 'lost', 0, {NOW}, {NOW})"
        ),
    );
    let err = db
        .run_blocking(mietschulung::mail::outbox::all)
        .expect_err("a status the app does not know");
    assert!(matches!(err, mietschulung::error::AppError::Internal(_)), "{err:?}");
    let said = format!("{err:?}");
    assert!(
        said.contains("unknown mail status") && said.contains("lost"),
        "the error names the code: {said}"
    );
}
