//! What the coordinator sees of surveys: the list with the form for a new survey, and the
//! survey page with its questions, translations, invitations, open links and settings.
//! Both only read; what their forms do is in [`super::service`], [`super::questions`],
//! [`super::translations`] and [`super::invite`].

use serde::Serialize;

use super::invite::{self, InvitationGroup};
use super::models::*;
use super::questions::{group_choices, kind_choices, GroupChoice, KindChoice};
use super::translations::Completeness;
use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{CourseId, OrgId, QuestionId, SurveyId};
use crate::stakeholders::models::StakeholderGroup;
use crate::time::fmt_date;

/// What the survey settings form holds, as typed (numbers too, so nothing typed is lost
/// when the form comes back with a message).
#[derive(Debug, Clone, Serialize)]
pub struct SurveyFields {
    pub title: String,
    pub introduction: String,
    pub opens_on: String,
    pub closes_on: String,
    pub anonymous: bool,
    pub course_id: Option<CourseId>,
    pub reminder_max: String,
    pub reminder_interval_days: String,
    #[serde(skip)]
    pub audience: Vec<String>,
    #[serde(skip)]
    pub open_groups: Vec<String>,
}

impl SurveyFields {
    pub fn of(s: &NewSurvey) -> SurveyFields {
        SurveyFields {
            title: s.title.clone(),
            introduction: s.introduction.clone(),
            opens_on: s.opens_on.clone(),
            closes_on: s.closes_on.clone(),
            anonymous: s.anonymous,
            course_id: s.course_id,
            reminder_max: s.reminder_max.unwrap_or(2).to_string(),
            reminder_interval_days: s.reminder_interval_days.unwrap_or(7).to_string(),
            audience: s.audience.clone(),
            open_groups: s.open_groups.clone(),
        }
    }
}

/// A stakeholder group in the settings form: asked (`checked`), and answering through the
/// open link (`open`).
#[derive(Debug, Serialize)]
pub struct AudienceChoice {
    pub code: &'static str,
    pub name: String,
    pub checked: bool,
    pub open: bool,
}

fn audience_choices(audience: &[String], open: &[String]) -> Vec<AudienceChoice> {
    StakeholderGroup::ALL
        .into_iter()
        .map(|g| AudienceChoice {
            code: g.code(),
            name: g.name(),
            checked: audience.iter().any(|a| a == g.code()),
            open: open.iter().any(|o| o == g.code()),
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct CourseChoice {
    pub id: i32,
    pub title: String,
    pub selected: bool,
}

fn course_choices(
    conn: &mut DbConn, org: OrgId, selected: Option<CourseId>,
) -> AppResult<Vec<CourseChoice>> {
    Ok(crate::planning::service::list_courses(conn, org)?
        .into_iter()
        .map(|c| CourseChoice { selected: Some(c.id) == selected, id: c.id.into(), title: c.title })
        .collect())
}

/// The settings form with its choices, filled with `input`.
#[derive(Debug, Serialize)]
pub struct SettingsForm {
    pub form: SurveyFields,
    pub groups: Vec<AudienceChoice>,
    pub courses: Vec<CourseChoice>,
}

impl SettingsForm {
    fn new(conn: &mut DbConn, org: OrgId, input: SurveyFields) -> AppResult<SettingsForm> {
        Ok(SettingsForm {
            groups: audience_choices(&input.audience, &input.open_groups),
            courses: course_choices(conn, org, input.course_id)?,
            form: input,
        })
    }
}

/// A new survey as the form starts it: open today, for three weeks.
pub fn blank_survey() -> SurveyFields {
    let today = crate::time::today_local();
    SurveyFields::of(&NewSurvey {
        opens_on: today.to_string(),
        closes_on: (today + chrono::Duration::days(21)).to_string(),
        ..Default::default()
    })
}

/// The list of surveys with the form for a new one (`pages/surveys/list`).
#[derive(Debug, Serialize)]
pub struct SurveyListPage {
    pub surveys: Vec<SurveyRow>,
    /// Archived surveys, listed apart.
    pub archived: Vec<SurveyRow>,
    #[serde(flatten)]
    pub settings: SettingsForm,
}

#[derive(Debug, Serialize)]
pub struct SurveyRow {
    pub id: SurveyId,
    pub title: String,
    pub period: String,
    /// The locale key of planned, open or closed.
    pub state: &'static str,
    pub responses: i64,
    pub anonymous: bool,
    /// The groups asked, by name.
    pub audience: String,
}

fn period(s: &Survey) -> String {
    format!("{} – {}", fmt_date(s.opens_on), fmt_date(s.closes_on))
}

fn state(s: &Survey, today: chrono::NaiveDate) -> &'static str {
    if s.is_archived() {
        "svy.state_archived"
    } else if today < s.opens_on {
        "surveys.state_planned"
    } else if today > s.closes_on {
        "surveys.state_closed"
    } else {
        "surveys.state_open"
    }
}

fn group_names(groups: &[StakeholderGroup]) -> String {
    groups.iter().map(|g| g.name()).collect::<Vec<_>>().join(", ")
}

fn codes(groups: &[StakeholderGroup]) -> Vec<String> {
    groups.iter().map(|g| g.code().to_string()).collect()
}

/// The organisation's surveys, and the new-survey form filled with `form` (a blank one, or
/// what was entered and refused).
pub fn list_page(
    conn: &mut DbConn, actor: &Actor, form: SurveyFields,
) -> AppResult<SurveyListPage> {
    let org = actor.coordinator_org()?;
    let today = crate::time::today_local();
    let counts = repo::response_counts(conn, org)?;
    let (mut surveys, mut archived) = (Vec::new(), Vec::new());
    for s in repo::list(conn, org)? {
        let responses = if s.anonymous {
            super::models::responses_shown(true, &repo::responses_per_group(conn, s.id)?)
        } else {
            counts.get(&s.id).copied().unwrap_or(0)
        };
        let into = if s.is_archived() { &mut archived } else { &mut surveys };
        into.push(SurveyRow {
            id: s.id,
            period: period(&s),
            state: state(&s, today),
            responses,
            anonymous: s.anonymous,
            audience: group_names(&s.audience),
            title: s.title,
        });
    }
    Ok(SurveyListPage { surveys, archived, settings: SettingsForm::new(conn, org, form)? })
}

/// The survey page (`pages/surveys/detail`): questions, translations, invitations, open
/// links and settings.
#[derive(Debug, Serialize)]
pub struct SurveyPage {
    pub id: SurveyId,
    pub survey: SurveyHeading,
    pub questions: Vec<QuestionRow>,
    pub invitation_groups: Vec<InvitationGroup>,
    pub invited: usize,
    pub open_links: Vec<OpenLink>,
    #[serde(flatten)]
    pub settings: SettingsForm,
    /// The groups a new question can be limited to.
    pub audience: Vec<GroupChoice>,
    /// Per language: how much is translated, and what is missing.
    pub translations: Vec<Completeness>,
    pub kinds: Vec<KindChoice>,
    /// Nobody answered: it can be deleted; otherwise archived.
    pub deletable: bool,
    pub archived: bool,
    /// Invitations waiting to be printed.
    pub paper_waiting: usize,
}

#[derive(Debug, Serialize)]
pub struct SurveyHeading {
    pub title: String,
    pub anonymous: bool,
    pub period: String,
    pub responses: i64,
}

#[derive(Debug, Serialize)]
pub struct QuestionRow {
    pub id: QuestionId,
    pub text: String,
    /// The kind, by name.
    pub kind: String,
    pub required: bool,
    pub answered: bool,
    /// The groups it is limited to, by name (empty: everyone asked).
    pub groups: String,
    pub options: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct OpenLink {
    pub group: String,
    pub url: String,
}

/// The survey as its settings form shows it.
fn as_entered(s: &Survey) -> NewSurvey {
    NewSurvey {
        title: s.title.clone(),
        introduction: s.introduction.clone(),
        opens_on: s.opens_on.to_string(),
        closes_on: s.closes_on.to_string(),
        audience: codes(&s.audience),
        anonymous: s.anonymous,
        course_id: s.course_id,
        reminder_max: Some(s.reminder_max),
        reminder_interval_days: Some(s.reminder_interval_days),
        open_groups: codes(&s.open_groups),
    }
}

fn question_row(q: &QuestionDetail) -> QuestionRow {
    QuestionRow {
        id: q.question.id,
        text: q.question.text.clone(),
        kind: q.question.kind.name(),
        required: q.question.required,
        answered: q.answered,
        groups: group_names(&q.question.groups),
        options: q.options.iter().map(|o| o.label.clone()).collect(),
    }
}

fn open_link(s: &Survey, g: StakeholderGroup, public_url: &str) -> String {
    format!("{}/s/o/{}/{g}", public_url.trim_end_matches('/'), s.open_token)
}

fn open_links(s: &Survey, public_url: &str) -> Vec<OpenLink> {
    s.open_groups
        .iter()
        .map(|g| OpenLink { group: g.name(), url: open_link(s, *g, public_url) })
        .collect()
}

/// A group's open link (no personal token), for the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupLink {
    pub group: StakeholderGroup,
    pub url: String,
}

/// The survey's open links, one per group that may answer without a personal link.
pub fn open_link_list(
    conn: &mut DbConn, actor: &Actor, id: SurveyId, public_url: &str,
) -> AppResult<Vec<GroupLink>> {
    let s = service::get(conn, actor, id)?;
    Ok(s.open_groups
        .iter()
        .map(|g| GroupLink { group: *g, url: open_link(&s, *g, public_url) })
        .collect())
}

pub fn survey_page(
    conn: &mut DbConn, actor: &Actor, id: SurveyId, public_url: &str,
) -> AppResult<SurveyPage> {
    survey_page_with(conn, actor, id, public_url, None)
}

/// The survey page; with `typed`, its settings form shows what was typed (after a
/// refusal) instead of what is stored.
pub fn survey_page_with(
    conn: &mut DbConn, actor: &Actor, id: SurveyId, public_url: &str, typed: Option<SurveyFields>,
) -> AppResult<SurveyPage> {
    let org = actor.coordinator_org()?;
    let d = service::detail(conn, actor, id)?;
    let s = &d.survey;
    let (invitation_groups, invited) = invite::invitation_groups(conn, id)?;
    let translations = super::translations::completeness_all(conn, s)?;
    let settings = typed.unwrap_or_else(|| SurveyFields::of(&as_entered(s)));
    Ok(SurveyPage {
        id,
        survey: SurveyHeading {
            title: s.title.clone(),
            anonymous: s.anonymous,
            period: period(s),
            responses: d.responses,
        },
        questions: d.questions.iter().map(question_row).collect(),
        invitation_groups,
        invited,
        open_links: open_links(s, public_url),
        settings: SettingsForm::new(conn, org, settings)?,
        audience: group_choices(&s.audience, &[]),
        translations,
        kinds: kind_choices(""),
        deletable: !repo::has_answers(conn, id)?,
        archived: s.is_archived(),
        paper_waiting: invite::paper_waiting(conn, id)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_survey_is_planned_running_or_over() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let s = Survey {
            id: crate::ids::SurveyId(1),
            organisation_id: crate::ids::OrgId(1),
            title: "Umfrage".into(),
            introduction: String::new(),
            opens_on: day,
            closes_on: day + chrono::Duration::days(7),
            audience: vec![StakeholderGroup::Vhs],
            anonymous: false,
            course_id: None,
            reminder_max: 2,
            reminder_interval_days: 7,
            open_groups: Vec::new(),
            open_token: String::new(),
            copied_from: None,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
            archived_at: None,
        };
        let state = |day| crate::i18n::text("de", state(&s, day));
        assert_eq!(state(s.opens_on - chrono::Duration::days(1)), "geplant");
        assert_eq!(state(s.opens_on), "läuft");
        assert_eq!(state(s.closes_on), "läuft");
        assert_eq!(state(s.closes_on + chrono::Duration::days(1)), "beendet");
    }
}
