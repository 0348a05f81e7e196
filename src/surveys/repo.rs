use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::{
    Invitation, Question, QuestionForm, QuestionRow, StakeholderGroup, Survey, SurveyForm,
    SurveyRow,
};
use crate::db::schema::{
    stakeholders, survey_answers, survey_audience, survey_drafts, survey_invitations,
    survey_open_groups, survey_question_groups, survey_questions, survey_responses, surveys,
};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, QuestionId, StakeholderId, SurveyId};

/// Groups by owner (survey or question), each owner's in the order chosen.
type GroupsOf<K> = HashMap<K, Vec<StakeholderGroup>>;

fn grouped<K: Eq + std::hash::Hash>(rows: Vec<(K, StakeholderGroup)>) -> GroupsOf<K> {
    let mut by_owner = GroupsOf::new();
    for (owner, group) in rows {
        by_owner.entry(owner).or_default().push(group);
    }
    by_owner
}

/// The groups asked and the open-link groups of the given surveys.
fn survey_groups(
    conn: &mut DbConn, ids: &[SurveyId],
) -> AppResult<(GroupsOf<SurveyId>, GroupsOf<SurveyId>)> {
    let audience = survey_audience::table
        .filter(survey_audience::survey_id.eq_any(ids))
        .order((survey_audience::survey_id, survey_audience::position))
        .select((survey_audience::survey_id, survey_audience::stakeholder_group))
        .load(conn)?;
    let open = survey_open_groups::table
        .filter(survey_open_groups::survey_id.eq_any(ids))
        .order((survey_open_groups::survey_id, survey_open_groups::position))
        .select((survey_open_groups::survey_id, survey_open_groups::stakeholder_group))
        .load(conn)?;
    Ok((grouped(audience), grouped(open)))
}

fn with_groups(conn: &mut DbConn, rows: Vec<SurveyRow>) -> AppResult<Vec<Survey>> {
    let ids: Vec<SurveyId> = rows.iter().map(|r| r.id).collect();
    let (mut audience, mut open) = survey_groups(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (asked, open) = (
                audience.remove(&r.id).unwrap_or_default(),
                open.remove(&r.id).unwrap_or_default(),
            );
            Survey::from_row(r, asked, open)
        })
        .collect())
}

fn one_with_groups(conn: &mut DbConn, row: Option<SurveyRow>) -> AppResult<Option<Survey>> {
    Ok(with_groups(conn, row.into_iter().collect())?.pop())
}

/// Replaces the survey's groups (open-link groups are among those asked).
fn set_survey_groups(
    conn: &mut DbConn, org: OrgId, id: SurveyId, form: &SurveyForm,
) -> AppResult<()> {
    diesel::delete(survey_open_groups::table.filter(survey_open_groups::survey_id.eq(id)))
        .execute(conn)?;
    diesel::delete(survey_audience::table.filter(survey_audience::survey_id.eq(id)))
        .execute(conn)?;
    for (position, group) in (0..).zip(&form.audience) {
        diesel::insert_into(survey_audience::table)
            .values((
                survey_audience::organisation_id.eq(org),
                survey_audience::survey_id.eq(id),
                survey_audience::stakeholder_group.eq(group),
                survey_audience::position.eq(position),
            ))
            .execute(conn)?;
    }
    for (position, group) in (0..).zip(&form.open_groups) {
        diesel::insert_into(survey_open_groups::table)
            .values((
                survey_open_groups::organisation_id.eq(org),
                survey_open_groups::survey_id.eq(id),
                survey_open_groups::stakeholder_group.eq(group),
                survey_open_groups::position.eq(position),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn list(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<Survey>> {
    let rows = surveys::table
        .filter(surveys::organisation_id.eq(org))
        .order((surveys::opens_on.desc(), surveys::id.desc()))
        .select(SurveyRow::as_select())
        .load(conn)?;
    with_groups(conn, rows)
}

pub fn get(conn: &mut DbConn, org: OrgId, id: SurveyId) -> AppResult<Option<Survey>> {
    let row = surveys::table
        .filter(surveys::id.eq(id))
        .filter(surveys::organisation_id.eq(org))
        .select(SurveyRow::as_select())
        .first(conn)
        .optional()?;
    one_with_groups(conn, row)
}

pub fn by_id(conn: &mut DbConn, id: SurveyId) -> AppResult<Option<Survey>> {
    let row = surveys::table.find(id).select(SurveyRow::as_select()).first(conn).optional()?;
    one_with_groups(conn, row)
}

pub fn by_open_token(conn: &mut DbConn, token: &str) -> AppResult<Option<Survey>> {
    let row = surveys::table
        .filter(surveys::open_token.eq(token))
        .select(SurveyRow::as_select())
        .first(conn)
        .optional()?;
    one_with_groups(conn, row)
}

pub fn insert(
    conn: &mut DbConn, org: OrgId, form: &SurveyForm, open_token: &str,
    copied_from: Option<SurveyId>,
) -> AppResult<SurveyId> {
    let now = crate::time::now_utc();
    let id = diesel::insert_into(surveys::table)
        .values((
            form,
            surveys::organisation_id.eq(org),
            surveys::open_token.eq(open_token),
            surveys::copied_from.eq(copied_from),
            surveys::created_at.eq(now),
            surveys::updated_at.eq(now),
        ))
        .returning(surveys::id)
        .get_result(conn)?;
    set_survey_groups(conn, org, id, form)?;
    Ok(id)
}

pub fn update(conn: &mut DbConn, org: OrgId, id: SurveyId, form: &SurveyForm) -> AppResult<()> {
    diesel::update(surveys::table.find(id))
        .set((form, surveys::updated_at.eq(crate::time::now_utc())))
        .execute(conn)?;
    set_survey_groups(conn, org, id, form)
}

fn questions_with_groups(conn: &mut DbConn, rows: Vec<QuestionRow>) -> AppResult<Vec<Question>> {
    let ids: Vec<QuestionId> = rows.iter().map(|r| r.id).collect();
    let mut groups: GroupsOf<QuestionId> = grouped(
        survey_question_groups::table
            .filter(survey_question_groups::question_id.eq_any(&ids))
            .order((survey_question_groups::question_id, survey_question_groups::position))
            .select((
                survey_question_groups::question_id,
                survey_question_groups::stakeholder_group,
            ))
            .load(conn)?,
    );
    Ok(rows
        .into_iter()
        .map(|r| {
            let of_question = groups.remove(&r.id).unwrap_or_default();
            Question::from_row(r, of_question)
        })
        .collect())
}

fn set_question_groups(
    conn: &mut DbConn, org: OrgId, id: QuestionId, groups: &[StakeholderGroup],
) -> AppResult<()> {
    diesel::delete(
        survey_question_groups::table.filter(survey_question_groups::question_id.eq(id)),
    )
    .execute(conn)?;
    for (position, group) in (0..).zip(groups) {
        diesel::insert_into(survey_question_groups::table)
            .values((
                survey_question_groups::organisation_id.eq(org),
                survey_question_groups::question_id.eq(id),
                survey_question_groups::stakeholder_group.eq(group),
                survey_question_groups::position.eq(position),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn questions(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<Vec<Question>> {
    let rows = survey_questions::table
        .filter(survey_questions::survey_id.eq(survey_id))
        .order((survey_questions::position, survey_questions::id))
        .select(QuestionRow::as_select())
        .load(conn)?;
    questions_with_groups(conn, rows)
}

pub fn question(
    conn: &mut DbConn, survey_id: SurveyId, id: QuestionId,
) -> AppResult<Option<Question>> {
    let row = survey_questions::table
        .filter(survey_questions::id.eq(id))
        .filter(survey_questions::survey_id.eq(survey_id))
        .select(QuestionRow::as_select())
        .first(conn)
        .optional()?;
    Ok(questions_with_groups(conn, row.into_iter().collect())?.pop())
}

/// A new question of the organisation's survey.
pub fn insert_question(
    conn: &mut DbConn, org: OrgId, survey_id: SurveyId, position: i32, form: &QuestionForm,
) -> AppResult<QuestionId> {
    let id = diesel::insert_into(survey_questions::table)
        .values((
            form.clone(),
            survey_questions::survey_id.eq(survey_id),
            survey_questions::position.eq(position),
            survey_questions::created_at.eq(crate::time::now_utc()),
        ))
        .returning(survey_questions::id)
        .get_result(conn)?;
    set_question_groups(conn, org, id, &form.groups)?;
    Ok(id)
}

pub fn update_question(
    conn: &mut DbConn, org: OrgId, id: QuestionId, form: &QuestionForm,
) -> AppResult<()> {
    diesel::update(survey_questions::table.find(id)).set(form.clone()).execute(conn)?;
    set_question_groups(conn, org, id, &form.groups)
}

pub fn set_position(conn: &mut DbConn, id: QuestionId, position: i32) -> AppResult<()> {
    diesel::update(survey_questions::table.find(id))
        .set(survey_questions::position.eq(position))
        .execute(conn)?;
    Ok(())
}

pub fn delete_question(conn: &mut DbConn, id: QuestionId) -> AppResult<()> {
    diesel::delete(survey_questions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Questions of the survey that have at least one answer; every question while answers of
/// an anonymous survey wait sealed in the pool (what they answered cannot be seen there).
pub fn answered_question_ids(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<Vec<QuestionId>> {
    if pending_count(conn, survey_id)? > 0 {
        return Ok(survey_questions::table
            .filter(survey_questions::survey_id.eq(survey_id))
            .select(survey_questions::id)
            .load(conn)?);
    }
    Ok(survey_answers::table
        .inner_join(survey_responses::table)
        .filter(survey_responses::survey_id.eq(survey_id))
        .select(survey_answers::question_id)
        .distinct()
        .load(conn)?)
}

/// Responses per survey of the organisation (surveys without any are absent).
pub fn response_counts(
    conn: &mut DbConn, org: OrgId,
) -> AppResult<std::collections::HashMap<SurveyId, i64>> {
    Ok(survey_responses::table
        .inner_join(surveys::table)
        .filter(surveys::organisation_id.eq(org))
        .group_by(survey_responses::survey_id)
        .select((survey_responses::survey_id, diesel::dsl::count(survey_responses::id)))
        .load::<(SurveyId, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Responses of the survey, those waiting in the pool included.
pub fn response_count(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<i64> {
    let stored: i64 = survey_responses::table
        .filter(survey_responses::survey_id.eq(survey_id))
        .count()
        .get_result(conn)?;
    Ok(stored + pending_count(conn, survey_id)?)
}

/// One answer with its response: (response id, group, language, day, question id, value).
pub type AnswerRow = (i32, StakeholderGroup, String, NaiveDate, QuestionId, String);

/// Every response with its answers.
pub fn answers(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<Vec<AnswerRow>> {
    Ok(survey_answers::table
        .inner_join(survey_responses::table)
        .filter(survey_responses::survey_id.eq(survey_id))
        .order((survey_responses::id, survey_answers::question_id))
        .select((
            survey_responses::id,
            survey_responses::stakeholder_group,
            survey_responses::language,
            survey_responses::submitted_on,
            survey_answers::question_id,
            survey_answers::value_json,
        ))
        .load(conn)?)
}

/// Responses per group (including those that skipped every optional question).
pub fn responses_per_group(
    conn: &mut DbConn, survey_id: SurveyId,
) -> AppResult<Vec<(StakeholderGroup, i64)>> {
    Ok(survey_responses::table
        .filter(survey_responses::survey_id.eq(survey_id))
        .group_by(survey_responses::stakeholder_group)
        .select((survey_responses::stakeholder_group, diesel::dsl::count(survey_responses::id)))
        .load(conn)?)
}

pub fn insert_response(
    conn: &mut DbConn, survey_id: SurveyId, invitation_id: Option<i32>, group: StakeholderGroup,
    language: &str, day: NaiveDate,
) -> AppResult<i32> {
    Ok(diesel::insert_into(survey_responses::table)
        .values((
            survey_responses::survey_id.eq(survey_id),
            survey_responses::invitation_id.eq(invitation_id),
            survey_responses::stakeholder_group.eq(group),
            survey_responses::language.eq(language),
            survey_responses::submitted_on.eq(day),
        ))
        .returning(survey_responses::id)
        .get_result(conn)?)
}

pub fn insert_answer(
    conn: &mut DbConn, response_id: i32, question_id: QuestionId, value_json: &str,
) -> AppResult<()> {
    diesel::insert_into(survey_answers::table)
        .values((
            survey_answers::response_id.eq(response_id),
            survey_answers::question_id.eq(question_id),
            survey_answers::value_json.eq(value_json),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- invitations ----

pub fn invitations(
    conn: &mut DbConn, survey_id: SurveyId,
) -> AppResult<Vec<(Invitation, crate::stakeholders::models::Stakeholder)>> {
    Ok(survey_invitations::table
        .inner_join(stakeholders::table)
        .filter(survey_invitations::survey_id.eq(survey_id))
        .order((stakeholders::stakeholder_group, stakeholders::name))
        .select((Invitation::as_select(), crate::stakeholders::models::Stakeholder::as_select()))
        .load(conn)?)
}

pub fn invitation_by_token(
    conn: &mut DbConn, token: &str,
) -> AppResult<Option<(Invitation, StakeholderGroup, String)>> {
    Ok(survey_invitations::table
        .inner_join(stakeholders::table)
        .filter(survey_invitations::token.eq(token))
        .select((
            Invitation::as_select(),
            stakeholders::stakeholder_group,
            stakeholders::preferred_language,
        ))
        .first(conn)
        .optional()?)
}

pub fn insert_invitation(
    conn: &mut DbConn, survey_id: SurveyId, stakeholder_id: StakeholderId, token: &str,
) -> AppResult<i32> {
    Ok(diesel::insert_into(survey_invitations::table)
        .values((
            survey_invitations::survey_id.eq(survey_id),
            survey_invitations::stakeholder_id.eq(stakeholder_id),
            survey_invitations::token.eq(token),
            survey_invitations::reminders_sent.eq(0),
            survey_invitations::created_at.eq(crate::time::now_utc()),
        ))
        .returning(survey_invitations::id)
        .get_result(conn)?)
}

pub fn mark_sent(conn: &mut DbConn, id: i32, at: NaiveDateTime, reminder: bool) -> AppResult<()> {
    if reminder {
        diesel::update(survey_invitations::table.find(id))
            .set((
                survey_invitations::last_sent_at.eq(Some(at)),
                survey_invitations::reminders_sent.eq(survey_invitations::reminders_sent + 1),
            ))
            .execute(conn)?;
    } else {
        diesel::update(survey_invitations::table.find(id))
            .set((
                survey_invitations::sent_at.eq(Some(at)),
                survey_invitations::last_sent_at.eq(Some(at)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// An unanswered invitation sent by email, with its survey and the contact's name, email,
/// consent and language.
pub type DueInvitation = (Invitation, Survey, String, Option<String>, bool, String);

/// Invitations of surveys open `today` that were emailed, are not answered and have had
/// fewer reminders than their survey allows (whether the interval has passed is the
/// caller's to decide).
pub fn reminder_candidates(conn: &mut DbConn, today: NaiveDate) -> AppResult<Vec<DueInvitation>> {
    type Due = (Invitation, SurveyRow, String, Option<String>, bool, String);
    let rows: Vec<Due> = survey_invitations::table
        .inner_join(surveys::table)
        .inner_join(stakeholders::table)
        .filter(survey_invitations::answered_on.is_null())
        .filter(survey_invitations::sent_at.is_not_null())
        .filter(survey_invitations::reminders_sent.lt(surveys::reminder_max))
        .filter(surveys::opens_on.le(today))
        .filter(surveys::closes_on.ge(today))
        .filter(surveys::archived_at.is_null())
        .select((
            Invitation::as_select(),
            SurveyRow::as_select(),
            stakeholders::name,
            stakeholders::email,
            stakeholders::contact_consent,
            stakeholders::preferred_language,
        ))
        .load(conn)?;
    let mut ids: Vec<SurveyId> = rows.iter().map(|r| r.1.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let (audience, open) = survey_groups(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(inv, row, name, email, consent, language)| {
            let (asked, open) = (
                audience.get(&row.id).cloned().unwrap_or_default(),
                open.get(&row.id).cloned().unwrap_or_default(),
            );
            let survey = Survey::from_row(row, asked, open);
            (inv, survey, name, email, consent, language)
        })
        .collect())
}

/// Counts one more reminder for the invitation if it still has `reminders_sent` and is
/// unanswered; false when another replica was faster (or the contact answered).
pub fn claim_reminder(conn: &mut DbConn, inv: &Invitation, at: NaiveDateTime) -> AppResult<bool> {
    Ok(diesel::update(
        survey_invitations::table
            .filter(survey_invitations::id.eq(inv.id))
            .filter(survey_invitations::reminders_sent.eq(inv.reminders_sent))
            .filter(survey_invitations::answered_on.is_null()),
    )
    .set((
        survey_invitations::reminders_sent.eq(inv.reminders_sent + 1),
        survey_invitations::last_sent_at.eq(Some(at)),
    ))
    .execute(conn)?
        == 1)
}

/// Marks the invitation answered; false when it already was (a second submission).
pub fn mark_answered(conn: &mut DbConn, id: i32, day: NaiveDate) -> AppResult<bool> {
    Ok(diesel::update(
        survey_invitations::table
            .filter(survey_invitations::id.eq(id))
            .filter(survey_invitations::answered_on.is_null()),
    )
    .set(survey_invitations::answered_on.eq(Some(day)))
    .execute(conn)?
        == 1)
}

// ---- drafts ----

/// (survey, group, language, answers JSON) of a saved draft.
pub type Draft = (SurveyId, StakeholderGroup, String, String);

pub fn draft(conn: &mut DbConn, token: &str) -> AppResult<Option<Draft>> {
    Ok(survey_drafts::table
        .filter(survey_drafts::token.eq(token))
        .select((
            survey_drafts::survey_id,
            survey_drafts::stakeholder_group,
            survey_drafts::language,
            survey_drafts::answers_json,
        ))
        .first(conn)
        .optional()?)
}

pub fn save_draft(
    conn: &mut DbConn, survey_id: SurveyId, token: &str, group: StakeholderGroup, language: &str,
    answers_json: &str,
) -> AppResult<()> {
    let now = crate::time::now_utc();
    let updated = diesel::update(survey_drafts::table.filter(survey_drafts::token.eq(token)))
        .set((
            survey_drafts::answers_json.eq(answers_json),
            survey_drafts::language.eq(language),
            survey_drafts::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(survey_drafts::table)
            .values((
                survey_drafts::survey_id.eq(survey_id),
                survey_drafts::token.eq(token),
                survey_drafts::stakeholder_group.eq(group),
                survey_drafts::language.eq(language),
                survey_drafts::answers_json.eq(answers_json),
                survey_drafts::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes the draft; false when there was none (already submitted, or never saved).
pub fn delete_draft(conn: &mut DbConn, token: &str) -> AppResult<bool> {
    Ok(diesel::delete(survey_drafts::table.filter(survey_drafts::token.eq(token))).execute(conn)?
        > 0)
}

// ---- translations ----

pub fn translation(
    conn: &mut DbConn, survey_id: SurveyId, language: &str,
) -> AppResult<Option<(String, String)>> {
    use crate::db::schema::survey_translations as t;
    Ok(t::table
        .filter(t::survey_id.eq(survey_id))
        .filter(t::language.eq(language))
        .select((t::title, t::introduction))
        .first(conn)
        .optional()?)
}

pub fn translation_languages(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<Vec<String>> {
    use crate::db::schema::survey_translations as t;
    Ok(t::table
        .filter(t::survey_id.eq(survey_id))
        .order(t::language)
        .select(t::language)
        .load(conn)?)
}

/// Question texts and option labels in `language`: question id → (text, options JSON).
pub fn question_translations(
    conn: &mut DbConn, survey_id: SurveyId, language: &str,
) -> AppResult<Vec<(QuestionId, String, String)>> {
    use crate::db::schema::survey_question_translations as t;
    Ok(t::table
        .inner_join(survey_questions::table)
        .filter(survey_questions::survey_id.eq(survey_id))
        .filter(t::language.eq(language))
        .select((t::question_id, t::text, t::options_json))
        .load(conn)?)
}

pub fn replace_translation(
    conn: &mut DbConn, survey_id: SurveyId, language: &str, title: &str, introduction: &str,
    questions: &[(QuestionId, String, String)],
) -> AppResult<()> {
    use crate::db::schema::survey_question_translations as qt;
    use crate::db::schema::survey_translations as t;
    diesel::delete(t::table.filter(t::survey_id.eq(survey_id)).filter(t::language.eq(language)))
        .execute(conn)?;
    diesel::insert_into(t::table)
        .values((
            t::survey_id.eq(survey_id),
            t::language.eq(language),
            t::title.eq(title),
            t::introduction.eq(introduction),
        ))
        .execute(conn)?;
    let ids: Vec<QuestionId> = questions.iter().map(|(id, _, _)| *id).collect();
    diesel::delete(
        qt::table.filter(qt::question_id.eq_any(&ids)).filter(qt::language.eq(language)),
    )
    .execute(conn)?;
    for (id, text, options) in questions {
        diesel::insert_into(qt::table)
            .values((
                qt::question_id.eq(id),
                qt::language.eq(language),
                qt::text.eq(text),
                qt::options_json.eq(options),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Drafts of surveys closed before `day`: nobody can submit them any more, and an open
/// link's resume tokens (one per visit) should not pile up.
pub fn purge_drafts_closed_before(conn: &mut DbConn, day: NaiveDate) -> AppResult<usize> {
    Ok(diesel::delete(
        survey_drafts::table.filter(
            survey_drafts::survey_id
                .eq_any(surveys::table.filter(surveys::closes_on.lt(day)).select(surveys::id)),
        ),
    )
    .execute(conn)?)
}

/// Surveys of `org` closed before `day` that still hold raw answers, with how many
/// responses each holds.
pub fn closed_with_answers(
    conn: &mut DbConn, org: OrgId, day: NaiveDate,
) -> AppResult<Vec<(SurveyId, i64)>> {
    use diesel::dsl::count_star;
    Ok(survey_responses::table
        .inner_join(surveys::table)
        .filter(surveys::organisation_id.eq(org))
        .filter(surveys::closes_on.lt(day))
        .group_by(survey_responses::survey_id)
        .select((survey_responses::survey_id, count_star()))
        .order(survey_responses::survey_id)
        .load(conn)?)
}

/// Deletes every raw answer, response, pending answer and draft of one survey.
pub fn delete_raw_answers(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<usize> {
    use crate::db::schema::survey_pending_answers as p;
    diesel::delete(p::table.filter(p::survey_id.eq(survey_id))).execute(conn)?;
    let responses = survey_responses::table
        .filter(survey_responses::survey_id.eq(survey_id))
        .select(survey_responses::id);
    let answers =
        diesel::delete(survey_answers::table.filter(survey_answers::response_id.eq_any(responses)))
            .execute(conn)?;
    diesel::delete(survey_responses::table.filter(survey_responses::survey_id.eq(survey_id)))
        .execute(conn)?;
    diesel::delete(survey_drafts::table.filter(survey_drafts::survey_id.eq(survey_id)))
        .execute(conn)?;
    Ok(answers)
}

// ---- the pool of anonymous answers waiting for their batch ----

pub fn insert_pending(
    conn: &mut DbConn, id: &str, survey_id: SurveyId, sealed: &str,
) -> AppResult<()> {
    use crate::db::schema::survey_pending_answers as p;
    diesel::insert_into(p::table)
        .values((p::id.eq(id), p::survey_id.eq(survey_id), p::sealed.eq(sealed)))
        .execute(conn)?;
    Ok(())
}

/// (pool id, sealed answer) of every pending answer of the survey.
pub fn pending(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<Vec<(String, String)>> {
    use crate::db::schema::survey_pending_answers as p;
    Ok(p::table
        .filter(p::survey_id.eq(survey_id))
        .order(p::id)
        .select((p::id, p::sealed))
        .load(conn)?)
}

pub fn pending_count(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<i64> {
    use crate::db::schema::survey_pending_answers as p;
    Ok(p::table.filter(p::survey_id.eq(survey_id)).count().get_result(conn)?)
}

pub fn delete_pending(conn: &mut DbConn, ids: &[String]) -> AppResult<usize> {
    use crate::db::schema::survey_pending_answers as p;
    Ok(diesel::delete(p::table.filter(p::id.eq_any(ids))).execute(conn)?)
}

/// Surveys with pending answers.
pub fn surveys_with_pending(conn: &mut DbConn) -> AppResult<Vec<SurveyId>> {
    use crate::db::schema::survey_pending_answers as p;
    Ok(p::table.select(p::survey_id).distinct().order(p::survey_id).load(conn)?)
}

/// Surveys of `org` closed before `day` that still have pending answers.
pub fn surveys_pending_closed_before(
    conn: &mut DbConn, org: OrgId, day: NaiveDate,
) -> AppResult<Vec<SurveyId>> {
    use crate::db::schema::survey_pending_answers as p;
    Ok(p::table
        .inner_join(surveys::table)
        .filter(surveys::organisation_id.eq(org))
        .filter(surveys::closes_on.lt(day))
        .select(p::survey_id)
        .distinct()
        .order(p::survey_id)
        .load(conn)?)
}

/// Undoes [`mark_answered`] when the answer could not be kept, so the link can answer again.
pub fn unmark_answered(conn: &mut DbConn, id: i32) -> AppResult<()> {
    diesel::update(survey_invitations::table.find(id))
        .set(survey_invitations::answered_on.eq(None::<NaiveDate>))
        .execute(conn)?;
    Ok(())
}

/// Whether the invitation is answered, read after taking its row lock.
pub fn invitation_answered(conn: &mut DbConn, id: i32) -> AppResult<bool> {
    Ok(survey_invitations::table
        .find(id)
        .select(survey_invitations::answered_on.is_not_null())
        .first(conn)?)
}

/// Replaces an open-link respondent's draft; false when it is gone (handed in).
pub fn update_draft(
    conn: &mut DbConn, token: &str, language: &str, answers_json: &str,
) -> AppResult<bool> {
    Ok(diesel::update(survey_drafts::table.filter(survey_drafts::token.eq(token)))
        .set((
            survey_drafts::answers_json.eq(answers_json),
            survey_drafts::language.eq(language),
            survey_drafts::updated_at.eq(crate::time::now_utc()),
        ))
        .execute(conn)?
        == 1)
}

// ---- results kept when the raw answers are erased ----

pub fn save_summary(
    conn: &mut DbConn, survey_id: SurveyId, results_json: &str, erased_on: NaiveDate,
) -> AppResult<()> {
    use crate::db::schema::survey_result_summaries as s;
    diesel::delete(s::table.filter(s::survey_id.eq(survey_id))).execute(conn)?;
    diesel::insert_into(s::table)
        .values((
            s::survey_id.eq(survey_id),
            s::results_json.eq(results_json),
            s::raw_erased_on.eq(erased_on),
        ))
        .execute(conn)?;
    Ok(())
}

/// (results JSON, day the raw answers were erased) of a survey whose raw answers are gone.
pub fn summary(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<Option<(String, NaiveDate)>> {
    use crate::db::schema::survey_result_summaries as s;
    Ok(s::table
        .filter(s::survey_id.eq(survey_id))
        .select((s::results_json, s::raw_erased_on))
        .first(conn)
        .optional()?)
}

// ---- deleting and archiving a survey ----

/// Whether anyone answered the survey: a stored or pending response, an invitation marked
/// answered, or figures kept after the raw answers were erased.
pub fn has_answers(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<bool> {
    use crate::db::schema::survey_result_summaries as s;
    if response_count(conn, survey_id)? > 0 {
        return Ok(true);
    }
    let answered: i64 = survey_invitations::table
        .filter(survey_invitations::survey_id.eq(survey_id))
        .filter(survey_invitations::answered_on.is_not_null())
        .count()
        .get_result(conn)?;
    let kept: i64 = s::table.filter(s::survey_id.eq(survey_id)).count().get_result(conn)?;
    Ok(answered > 0 || kept > 0)
}

/// Deletes a survey nobody answered with everything that hangs on it; copies of it forget
/// where they came from.
pub fn delete_survey(conn: &mut DbConn, org: OrgId, id: SurveyId) -> AppResult<()> {
    use crate::db::schema::{
        survey_pending_answers as p, survey_question_translations as qt,
        survey_result_summaries as rs, survey_translations as t,
    };
    let questions: Vec<QuestionId> = survey_questions::table
        .filter(survey_questions::survey_id.eq(id))
        .select(survey_questions::id)
        .load(conn)?;
    let responses = survey_responses::table
        .filter(survey_responses::survey_id.eq(id))
        .select(survey_responses::id);
    diesel::delete(survey_answers::table.filter(survey_answers::response_id.eq_any(responses)))
        .execute(conn)?;
    diesel::delete(survey_responses::table.filter(survey_responses::survey_id.eq(id)))
        .execute(conn)?;
    diesel::delete(p::table.filter(p::survey_id.eq(id))).execute(conn)?;
    diesel::delete(rs::table.filter(rs::survey_id.eq(id))).execute(conn)?;
    diesel::delete(survey_drafts::table.filter(survey_drafts::survey_id.eq(id))).execute(conn)?;
    diesel::delete(survey_invitations::table.filter(survey_invitations::survey_id.eq(id)))
        .execute(conn)?;
    diesel::delete(qt::table.filter(qt::question_id.eq_any(&questions))).execute(conn)?;
    diesel::delete(
        survey_question_groups::table
            .filter(survey_question_groups::question_id.eq_any(&questions)),
    )
    .execute(conn)?;
    diesel::delete(survey_questions::table.filter(survey_questions::survey_id.eq(id)))
        .execute(conn)?;
    diesel::delete(t::table.filter(t::survey_id.eq(id))).execute(conn)?;
    diesel::delete(survey_open_groups::table.filter(survey_open_groups::survey_id.eq(id)))
        .execute(conn)?;
    diesel::delete(survey_audience::table.filter(survey_audience::survey_id.eq(id)))
        .execute(conn)?;
    diesel::update(surveys::table.filter(surveys::copied_from.eq(id)))
        .set(surveys::copied_from.eq(None::<SurveyId>))
        .execute(conn)?;
    diesel::delete(
        surveys::table.filter(surveys::id.eq(id)).filter(surveys::organisation_id.eq(org)),
    )
    .execute(conn)?;
    Ok(())
}

/// Archives (or, with `None`, takes back out of the archive) the survey; drafts go, since
/// nobody can hand them in any more.
pub fn set_archived(conn: &mut DbConn, id: SurveyId, at: Option<NaiveDateTime>) -> AppResult<()> {
    diesel::update(surveys::table.find(id))
        .set((surveys::archived_at.eq(at), surveys::updated_at.eq(crate::time::now_utc())))
        .execute(conn)?;
    if at.is_some() {
        diesel::delete(survey_drafts::table.filter(survey_drafts::survey_id.eq(id)))
            .execute(conn)?;
    }
    Ok(())
}

/// Stakeholder ids already invited to the survey.
pub fn invited_ids(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<Vec<StakeholderId>> {
    Ok(survey_invitations::table
        .filter(survey_invitations::survey_id.eq(survey_id))
        .select(survey_invitations::stakeholder_id)
        .load(conn)?)
}

/// Invitations of the whole service still waiting for their answer in surveys open on
/// `today` (not archived): a count for monitoring, nothing about whom.
pub fn count_pending_invitations(conn: &mut DbConn, today: NaiveDate) -> AppResult<i64> {
    Ok(survey_invitations::table
        .inner_join(surveys::table)
        .filter(survey_invitations::answered_on.is_null())
        .filter(surveys::archived_at.is_null())
        .filter(surveys::opens_on.le(today))
        .filter(surveys::closes_on.ge(today))
        .count()
        .get_result(conn)?)
}
