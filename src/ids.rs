//! Ids of the rows that cross function boundaries, one type per table, so a run's id
//! cannot be passed where a participant's is expected.
//!
//! Each id is a plain integer everywhere outside the type system: serde (JSON, forms,
//! paths) reads and writes the number itself, diesel stores it as `Integer` on every
//! backend, and the OpenAPI document shows `integer` (fields of API types say
//! `#[schema(value_type = i32)]`). Numbers from outside (CLI arguments, tokens, the API's
//! path) become ids once, where they enter.

/// Declares id types: `ids! { /// doc \n RunId, … }`.
macro_rules! ids {
    ($( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pub struct $name(pub i32);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<$name, Self::Err> {
                s.parse().map($name)
            }
        }

        impl From<i32> for $name {
            fn from(id: i32) -> $name {
                $name(id)
            }
        }

        impl From<$name> for i32 {
            fn from(id: $name) -> i32 {
                id.0
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Integer, DB> for $name
        where
            DB: diesel::backend::Backend,
            i32: diesel::deserialize::FromSql<diesel::sql_types::Integer, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                <i32 as diesel::deserialize::FromSql<diesel::sql_types::Integer, DB>>::from_sql(
                    bytes,
                )
                .map($name)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Integer, DB> for $name
        where
            DB: diesel::backend::Backend,
            i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <i32 as diesel::serialize::ToSql<diesel::sql_types::Integer, DB>>::to_sql(
                    &self.0, out,
                )
            }
        }
    )+};
}

ids! {
    /// `organisations.id`
    OrgId,
    /// `users.id`
    UserId,
    /// `courses.id`
    CourseId,
    /// `course_modules.id`
    ModuleId,
    /// `locations.id`
    LocationId,
    /// `course_runs.id`
    RunId,
    /// `training_sessions.id`
    SessionId,
    /// `participants.id`
    ParticipantId,
    /// `enrollments.id`
    EnrollmentId,
    /// `certificates.id`
    CertificateId,
    /// `certificate_batches.id`
    CertificateBatchId,
    /// `api_tokens.id`
    TokenId,
    /// `stakeholders.id`
    StakeholderId,
    /// `surveys.id`
    SurveyId,
    /// `survey_questions.id`
    QuestionId,
    /// `programmes.id`
    ProgrammeId,
    /// `library_templates.id`
    TemplateId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;

    #[test]
    fn json_and_forms_see_a_plain_number() {
        assert_eq!(serde_json::to_string(&RunId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<RunId>("7").unwrap(), RunId(7));
        #[derive(serde::Deserialize)]
        struct Form {
            run_id: RunId,
        }
        let form: Form = serde_html_form::from_str("run_id=12").unwrap();
        assert_eq!(form.run_id, RunId(12));
        assert_eq!(RunId(12).to_string(), "12");
        assert_eq!("12".parse::<RunId>(), Ok(RunId(12)));
    }

    #[test]
    fn an_id_round_trips_through_sqlite() {
        diesel::table! {
            things (id) {
                id -> Integer,
                run_id -> Nullable<Integer>,
            }
        }
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::sql_query("CREATE TABLE things (id INTEGER PRIMARY KEY, run_id INTEGER)")
            .execute(&mut conn)
            .unwrap();
        diesel::insert_into(things::table)
            .values((things::id.eq(SessionId(5)), things::run_id.eq(Some(RunId(9)))))
            .execute(&mut conn)
            .unwrap();
        let row: (SessionId, Option<RunId>) = things::table
            .filter(things::run_id.eq(RunId(9)))
            .select((things::id, things::run_id))
            .first(&mut conn)
            .unwrap();
        assert_eq!(row, (SessionId(5), Some(RunId(9))));
    }
}
