//! The coordinator's surveys themselves: creating, changing, copying, listing, and finding
//! one of the organisation (every other survey use case starts here). The questions are in
//! [`super::questions`], translations in [`super::translations`], invitations in
//! [`super::invite`], the pages that show all of it in [`super::overview`].
//!
//! Rules: a survey has a title, a period (the end not before the start), at least one
//! stakeholder group asked, open-link groups only among those, and its organisation's
//! course, if any. Once it has answers, groups may be added and dates moved, but no group
//! dropped, anonymity switched or course changed ([`misfiles_answers`]): a copy makes a
//! new version instead.

use super::models::*;
use super::{links, repo};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{OrgId, SurveyId};
use crate::validate;

/// Checks entered stakeholder groups (known ones, and only `within` where given);
/// returns them in the order entered, without repeats.
pub(super) fn check_groups(
    field: &'static str, groups: &[String], within: Option<&[StakeholderGroup]>,
) -> AppResult<Vec<StakeholderGroup>> {
    let mut out: Vec<StakeholderGroup> = Vec::new();
    for entered in groups {
        if entered.trim().is_empty() {
            continue;
        }
        let Some(g) = StakeholderGroup::from_entered(entered) else {
            let g = entered.trim().to_lowercase();
            return Err(AppError::invalid(
                field,
                Text::key("error.surveys.no_such_group").arg("group", &g),
            ));
        };
        if within.is_some_and(|w| !w.contains(&g)) {
            return Err(AppError::invalid(
                field,
                Text::key("error.surveys.group_outside_audience"),
            ));
        }
        if !out.contains(&g) {
            out.push(g);
        }
    }
    Ok(out)
}

pub fn check_survey(conn: &mut DbConn, org: OrgId, input: &NewSurvey) -> AppResult<SurveyForm> {
    let title = validate::required_text("title", "label.title", &input.title, 200)?;
    let introduction = validate::optional_text(
        "introduction",
        "label.introduction",
        Some(&input.introduction),
        4000,
    )?
    .unwrap_or_default();
    let opens_on = validate::date("opens_on", "label.start", &input.opens_on)?;
    let closes_on = validate::date("closes_on", "label.end", &input.closes_on)?;
    if closes_on < opens_on {
        return Err(AppError::invalid("closes_on", Text::key("error.surveys.end_before_start")));
    }
    let audience = check_groups("audience", &input.audience, None)?;
    if audience.is_empty() {
        return Err(AppError::invalid("audience", Text::key("error.surveys.choose_audience")));
    }
    let open_groups = check_groups("open_groups", &input.open_groups, Some(&audience))?;
    if let Some(course) = input.course_id {
        crate::planning::service::get_course(conn, org, course).map_err(|_| {
            AppError::invalid("course_id", Text::key("error.surveys.no_such_course"))
        })?;
    }
    Ok(SurveyForm {
        title,
        introduction,
        opens_on,
        closes_on,
        audience,
        anonymous: input.anonymous,
        course_id: input.course_id,
        reminder_max: validate::check_range(
            "reminder_max",
            "label.reminders",
            input.reminder_max.unwrap_or(2),
            0,
            5,
        )?,
        reminder_interval_days: validate::check_range(
            "reminder_interval_days",
            "label.reminder_interval_days",
            input.reminder_interval_days.unwrap_or(7),
            1,
            60,
        )?,
        open_groups,
    })
}

/// The organisation's survey, or a 404.
pub(super) fn find(conn: &mut DbConn, org: OrgId, id: SurveyId) -> AppResult<Survey> {
    repo::get(conn, org, id)?.ok_or_else(|| AppError::not_found("thing.survey"))
}

/// The survey, locked for the rest of the transaction (question positions, invitations).
pub(super) fn locked(conn: &mut DbConn, org: OrgId, id: SurveyId) -> AppResult<Survey> {
    crate::db::dialect::lock_for_update(conn, "surveys", id)?;
    find(conn, org, id)
}

/// Whether changing an answered survey to `new` would misfile the answers given: a group
/// dropped, anonymity switched, or another course (whose modules a ranking lists).
pub fn misfiles_answers(old: &Survey, new: &SurveyForm) -> bool {
    old.audience.iter().any(|g| !new.audience.contains(g))
        || new.anonymous != old.anonymous
        || new.course_id != old.course_id
}

/// What changing an answered survey to `new` would misfile, worded for the coordinator:
/// the first group dropped, anonymity switched, or another course; `None` when the change
/// keeps every answer where it belongs (wording, dates, groups added, reminders).
pub fn why_misfiled(old: &Survey, new: &SurveyForm) -> Option<Text> {
    if let Some(dropped) = old.audience.iter().find(|g| !new.audience.contains(g)) {
        return Some(Text::key("error.svy.answered_group_dropped").arg("group", dropped.name()));
    }
    if new.anonymous != old.anonymous {
        return Some(Text::key("error.svy.answered_anonymity"));
    }
    if new.course_id != old.course_id {
        return Some(Text::key("error.svy.answered_course"));
    }
    None
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: SurveyId) -> AppResult<Survey> {
    let org = actor.coordinator_org()?;
    find(conn, org, id)
}

pub fn create(conn: &mut DbConn, actor: &Actor, input: &NewSurvey) -> AppResult<Survey> {
    let org = actor.coordinator_org()?;
    let form = check_survey(conn, org, input)?;
    crate::db::write_transaction(conn, |conn| {
        let id = repo::insert(conn, org, &form, &links::new_token(), None)?;
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "survey.create")
            .on("survey", Some(id.into()))
            .record(conn)?;
        find(conn, org, id)
    })
}

pub fn update(
    conn: &mut DbConn, actor: &Actor, id: SurveyId, input: &NewSurvey,
) -> AppResult<Survey> {
    let org = actor.coordinator_org()?;
    let form = check_survey(conn, org, input)?;
    crate::db::write_transaction(conn, |conn| {
        let old = find(conn, org, id)?;
        if repo::has_answers(conn, id)? {
            if let Some(why) = why_misfiled(&old, &form) {
                return Err(AppError::Conflict(why));
            }
        }
        repo::update(conn, org, id, &form)?;
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "survey.update")
            .on("survey", Some(id.into()))
            .record(conn)?;
        find(conn, org, id)
    })
}

/// What deleting the survey would take with it, or why it cannot be deleted (answers
/// exist: it can be archived instead, and its results stay).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Removal {
    #[schema(value_type = i32)]
    pub id: SurveyId,
    pub title: String,
    pub questions: usize,
    pub translations: usize,
    pub invitations: usize,
    /// Someone answered: deleting is refused, archiving keeps the results.
    pub answered: bool,
    pub archived: bool,
}

pub fn removal(conn: &mut DbConn, actor: &Actor, id: SurveyId) -> AppResult<Removal> {
    let survey = get(conn, actor, id)?;
    Ok(Removal {
        id,
        title: survey.title,
        questions: repo::questions(conn, id)?.len(),
        translations: repo::translation_languages(conn, id)?.len(),
        invitations: repo::invited_ids(conn, id)?.len(),
        answered: repo::has_answers(conn, id)?,
        archived: survey.archived_at.is_some(),
    })
}

/// Deletes a survey nobody has answered, with its questions, translations and
/// invitations (their links stop working). Answered surveys are archived instead.
pub fn delete(conn: &mut DbConn, actor: &Actor, id: SurveyId) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        locked(conn, org, id)?;
        if repo::has_answers(conn, id)? {
            return Err(AppError::conflict("error.svy.delete_answered"));
        }
        repo::delete_survey(conn, org, id)?;
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "survey.delete")
            .on("survey", Some(id.into()))
            .record(conn)
    })
}

/// Archives the survey: closed for answers, invitations and reminders at once, drafts
/// dropped; results stay (pending anonymous answers are released by the survey job as at
/// closing). `archive = false` takes it back out (answers only until its closing day).
pub fn set_archived(
    conn: &mut DbConn, actor: &Actor, id: SurveyId, archive: bool,
) -> AppResult<Survey> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let survey = locked(conn, org, id)?;
        if survey.is_archived() == archive {
            return Ok(survey);
        }
        repo::set_archived(conn, id, archive.then(crate::time::now_utc))?;
        let action = if archive { "survey.archive" } else { "survey.unarchive" };
        crate::audit::Entry::new(Some(org), Some(actor.user_id), action)
            .on("survey", Some(id.into()))
            .record(conn)?;
        find(conn, org, id)
    })
}

/// The organisation's surveys, newest first.
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Survey>> {
    repo::list(conn, actor.coordinator_org()?)
}

pub fn detail(conn: &mut DbConn, actor: &Actor, id: SurveyId) -> AppResult<SurveyDetail> {
    let survey = get(conn, actor, id)?;
    let answered = repo::answered_question_ids(conn, id)?;
    let questions = repo::questions(conn, id)?
        .into_iter()
        .map(|q| QuestionDetail {
            options: q.options(),
            answered: answered.contains(&q.id),
            question: q,
        })
        .collect();
    let per_group = repo::responses_per_group(conn, id)?;
    let responses = super::models::responses_shown(survey.anonymous, &per_group);
    Ok(SurveyDetail { responses, survey, questions })
}

/// A copy for reuse (next year): same texts and questions, new dates, no invitations or
/// answers.
pub fn copy(conn: &mut DbConn, actor: &Actor, id: SurveyId) -> AppResult<Survey> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let old = find(conn, org, id)?;
        let today = crate::time::today_local();
        let length = old.closes_on - old.opens_on;
        let form = SurveyForm {
            title: format!("{} (Kopie)", old.title).chars().take(200).collect(),
            introduction: old.introduction.clone(),
            opens_on: today,
            closes_on: today + length,
            audience: old.audience.clone(),
            anonymous: old.anonymous,
            course_id: old.course_id,
            reminder_max: old.reminder_max,
            reminder_interval_days: old.reminder_interval_days,
            open_groups: old.open_groups.clone(),
        };
        let new_id = repo::insert(conn, org, &form, &links::new_token(), Some(old.id))?;
        for q in repo::questions(conn, id)? {
            let form = QuestionForm {
                kind: q.kind,
                text: q.text.clone(),
                help: q.help.clone(),
                required: q.required,
                groups: q.groups.clone(),
                options_json: q.options_json.clone(),
                min_value: q.min_value,
                max_value: q.max_value,
                max_length: q.max_length,
            };
            repo::insert_question(conn, org, new_id, q.position, &form)?;
        }
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "survey.copy")
            .on("survey", Some(new_id.into()))
            .detail(&format!("von {id}"))
            .record(conn)?;
        find(conn, org, new_id)
    })
}

/// How many invitations of the whole service wait for an answer in surveys open today
/// (monitoring; counts only).
pub fn pending_invitations(conn: &mut DbConn) -> AppResult<i64> {
    repo::count_pending_invitations(conn, crate::time::today_local())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CourseId;

    fn groups(codes: &str) -> Vec<StakeholderGroup> {
        codes.split(',').map(|c| StakeholderGroup::from_code(c).unwrap()).collect()
    }

    fn survey(audience: &str, anonymous: bool, course_id: Option<CourseId>) -> Survey {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        Survey {
            id: crate::ids::SurveyId(1),
            organisation_id: crate::ids::OrgId(1),
            title: "Umfrage".into(),
            introduction: String::new(),
            opens_on: day,
            closes_on: day + chrono::Duration::days(7),
            audience: groups(audience),
            anonymous,
            course_id,
            reminder_max: 2,
            reminder_interval_days: 7,
            open_groups: Vec::new(),
            open_token: String::new(),
            copied_from: None,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
            archived_at: None,
        }
    }

    fn changed_to(audience: &str, anonymous: bool, course_id: Option<CourseId>) -> SurveyForm {
        let s = survey(audience, anonymous, course_id);
        SurveyForm {
            title: "Neuer Titel".into(),
            introduction: "Neu".into(),
            opens_on: s.opens_on + chrono::Duration::days(3),
            closes_on: s.closes_on + chrono::Duration::days(30),
            audience: s.audience,
            anonymous,
            course_id,
            reminder_max: 0,
            reminder_interval_days: 1,
            open_groups: Vec::new(),
        }
    }

    #[test]
    fn an_answered_survey_keeps_what_its_answers_are_filed_under() {
        let old = survey("landlord,vhs", false, Some(CourseId(4)));
        for (new, misfiles) in [
            (changed_to("landlord,vhs", false, Some(CourseId(4))), false),
            (changed_to("vhs,landlord,volunteer", false, Some(CourseId(4))), false),
            (changed_to("landlord", false, Some(CourseId(4))), true),
            (changed_to("landlord,vhs", true, Some(CourseId(4))), true),
            (changed_to("landlord,vhs", false, None), true),
            (changed_to("landlord,vhs", false, Some(CourseId(5))), true),
        ] {
            assert_eq!(misfiles_answers(&old, &new), misfiles, "{new:?}");
        }
    }

    #[test]
    fn groups_are_known_distinct_and_within_the_audience() {
        let within = groups("landlord,vhs");
        let entered = |g: &[&str]| g.iter().map(|g| g.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_groups("audience", &entered(&["VHS", " landlord", "vhs", ""]), None).unwrap(),
            groups("vhs,landlord")
        );
        assert!(check_groups("audience", &entered(&["aliens"]), None).is_err());
        assert!(check_groups("groups", &entered(&["volunteer"]), Some(&within)).is_err());
        assert!(check_groups("groups", &[], Some(&within)).unwrap().is_empty());
    }
}
