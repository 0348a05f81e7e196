//! Inviting contacts: a personal link per contact of the survey's audience who agreed to
//! be contacted, emailed where there is an address, printed on a sheet with a QR code (in
//! the contact's language) otherwise; what inviting would do, checked before anything is
//! sent ([`plan`]); reminders by email, by the survey job or at once ([`remind_now`]); who
//! was invited and (unless the survey is anonymous) who answered.
//!
//! Rules: nobody is invited twice to a survey; a contact without consent to be contacted
//! gets no invitation at all (neither mail nor paper) and is listed as left out with the
//! reason; a survey without questions, a closed and an archived survey invite nobody;
//! reminders go only to contacts invited by email who have not answered, at most
//! `reminder_max` times, `reminder_interval_days` apart (a reminder sent at once skips the
//! wait, not the limit), and each one is claimed in the database first so replicas never
//! send one twice.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::models::{Invitation, Survey};
use super::{links, repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{StakeholderId, SurveyId};
use crate::stakeholders::models::{Stakeholder, StakeholderGroup};
use crate::time::fmt_date;

/// What inviting did.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteOutcome {
    /// New personal links created.
    pub invited: usize,
    /// Of those, emails queued (contacts with an address and consent).
    pub emailed: usize,
    /// Contacts to reach on paper (they agreed to be contacted but have no email address).
    pub on_paper: usize,
    /// Contacts of the audience not invited because they did not agree to be contacted.
    pub left_out: usize,
}

pub fn survey_url(public_url: &str, token: &str) -> String {
    format!("{}/s/{token}", public_url.trim_end_matches('/'))
}

/// What the invitation and reminder mail (`email/survey_invitation`) says.
#[derive(Serialize)]
struct InvitationMail<'a> {
    name: &'a str,
    issuer: &'a str,
    survey_title: String,
    closes_on: String,
    anonymous: bool,
    url: String,
    reminder: bool,
}

/// Invitation and reminder mails of one survey, in each contact's language where the
/// service has the mail text, with the survey's title in that language where the survey is
/// translated. The issuer and the titles are looked up once, not per contact.
struct Mailing {
    survey: Survey,
    issuer: String,
    public_url: String,
    titles: HashMap<String, String>,
}

impl Mailing {
    fn new(conn: &mut DbConn, survey: Survey, public_url: &str) -> AppResult<Mailing> {
        let issuer = crate::orgs::service::get(conn, survey.organisation_id)?.issuer_name;
        Ok(Mailing { survey, issuer, public_url: public_url.to_string(), titles: HashMap::new() })
    }

    fn title(&mut self, conn: &mut DbConn, language: &str) -> AppResult<String> {
        if let Some(t) = self.titles.get(language) {
            return Ok(t.clone());
        }
        let title = repo::translation(conn, self.survey.id, language)?
            .map(|(t, _)| t)
            .unwrap_or_else(|| self.survey.title.clone());
        self.titles.insert(language.to_string(), title.clone());
        Ok(title)
    }

    fn send(
        &mut self, conn: &mut DbConn, who: StakeholderId, to: (&str, &str, &str), token: &str,
        reminder: bool,
    ) -> AppResult<()> {
        let (name, email, language) = to;
        let survey_title = self.title(conn, language)?;
        let s = &self.survey;
        let mail = InvitationMail {
            name,
            issuer: &self.issuer,
            survey_title,
            closes_on: fmt_date(s.closes_on),
            anonymous: s.anonymous,
            url: survey_url(&self.public_url, token),
            reminder,
        };
        let ctx = serde_json::to_value(&mail).map_err(|e| AppError::Internal(e.into()))?;
        crate::mail::outbox::enqueue_localized(
            conn,
            Some(s.organisation_id),
            crate::mail::outbox::About::Stakeholder(who),
            email,
            "survey_invitation",
            language,
            &ctx,
            None,
        )?;
        Ok(())
    }
}

/// Why a contact gets no invitation now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeftOut {
    /// Did not agree to be contacted: neither mail nor paper.
    NoConsent,
    /// Has a personal link to this survey already.
    AlreadyInvited,
    /// Their group is not asked by this survey.
    NotInAudience,
}

impl LeftOut {
    pub fn key(self) -> &'static str {
        match self {
            LeftOut::NoConsent => "svy.left_out.no_consent",
            LeftOut::AlreadyInvited => "svy.left_out.already_invited",
            LeftOut::NotInAudience => "svy.left_out.not_in_audience",
        }
    }
}

/// How a contact would be (or was) invited, or why not: the rule in one place.
pub fn channel(
    survey: &Survey, contact: &Stakeholder, already: &[StakeholderId],
) -> Result<Channel, LeftOut> {
    if !survey.audience.contains(&contact.stakeholder_group) {
        Err(LeftOut::NotInAudience)
    } else if already.contains(&contact.id) {
        Err(LeftOut::AlreadyInvited)
    } else if !contact.contact_consent {
        Err(LeftOut::NoConsent)
    } else if contact.email.is_some() {
        Ok(Channel::Email)
    } else {
        Ok(Channel::Paper)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    /// No email address: a printed sheet with the personal QR code.
    Paper,
}

/// A contact on the check-your-answers page of inviting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedContact {
    #[schema(value_type = i32)]
    pub stakeholder_id: StakeholderId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeftOutContact {
    #[schema(value_type = i32)]
    pub stakeholder_id: StakeholderId,
    pub name: String,
    pub reason: LeftOut,
    /// The reason in words.
    pub why: String,
}

/// What inviting would do now, before anything is sent: who gets an email, who a printed
/// sheet, who nothing and why; and why it cannot be done at all (`blocked`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitePlan {
    #[schema(value_type = i32)]
    pub survey_id: SurveyId,
    pub title: String,
    pub questions: usize,
    /// Emails that would be sent.
    pub emails: usize,
    /// Invitations to print.
    pub paper: usize,
    pub by_email: Vec<PlannedContact>,
    pub on_paper: Vec<PlannedContact>,
    pub left_out: Vec<LeftOutContact>,
    /// The code of what stands in the way (`no_questions`, `closed`, `archived`,
    /// `nobody`), with its words in `blocked_reason`.
    pub blocked: Option<&'static str>,
    pub blocked_reason: Option<String>,
}

/// The hard obstacles to inviting: the error inviting answers with.
fn obstacle(survey: &Survey, questions: usize) -> Option<(&'static str, AppError)> {
    if survey.is_archived() {
        Some(("archived", AppError::conflict("error.svy.archived")))
    } else if crate::time::today_local() > survey.closes_on {
        Some(("closed", AppError::conflict("error.surveys.closed_for_invitations")))
    } else if questions == 0 {
        Some(("no_questions", AppError::conflict("error.svy.invite_no_questions")))
    } else {
        None
    }
}

fn plan_for(conn: &mut DbConn, org: crate::ids::OrgId, survey: &Survey) -> AppResult<InvitePlan> {
    let questions = repo::questions(conn, survey.id)?.len();
    let already = repo::invited_ids(conn, survey.id)?;
    let mut plan = InvitePlan {
        survey_id: survey.id,
        title: survey.title.clone(),
        questions,
        emails: 0,
        paper: 0,
        by_email: Vec::new(),
        on_paper: Vec::new(),
        left_out: Vec::new(),
        blocked: None,
        blocked_reason: None,
    };
    for s in crate::stakeholders::service::all_of(conn, org)? {
        let planned = PlannedContact { stakeholder_id: s.id, name: s.name.clone() };
        match channel(survey, &s, &already) {
            Ok(Channel::Email) => plan.by_email.push(planned),
            Ok(Channel::Paper) => plan.on_paper.push(planned),
            Err(reason) => plan.left_out.push(LeftOutContact {
                stakeholder_id: s.id,
                name: s.name,
                reason,
                why: crate::i18n::text(crate::i18n::DEFAULT_LANG, reason.key()),
            }),
        }
    }
    (plan.emails, plan.paper) = (plan.by_email.len(), plan.on_paper.len());
    let blocked = match obstacle(survey, questions) {
        Some((code, e)) => Some((code, e.message(crate::i18n::DEFAULT_LANG))),
        None if plan.emails + plan.paper == 0 => Some((
            "nobody",
            crate::i18n::text(crate::i18n::DEFAULT_LANG, "error.svy.invite_nobody"),
        )),
        None => None,
    };
    if let Some((code, why)) = blocked {
        (plan.blocked, plan.blocked_reason) = (Some(code), Some(why));
    }
    Ok(plan)
}

/// What inviting would do now (the check-your-answers page and its API counterpart); sends
/// nothing.
pub fn plan(conn: &mut DbConn, actor: &Actor, survey_id: SurveyId) -> AppResult<InvitePlan> {
    let org = actor.coordinator_org()?;
    let survey = service::find(conn, org, survey_id)?;
    plan_for(conn, org, &survey)
}

/// Creates a personal link for every contact of the audience who has none yet and agreed
/// to be contacted, and queues the invitation email where there is an address (the others
/// are printed). Refused while the survey has no questions, is over or archived.
pub fn invite(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, public_url: &str,
) -> AppResult<InviteOutcome> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let survey = service::locked(conn, org, survey_id)?;
        let plan = plan_for(conn, org, &survey)?;
        if let Some((_, refusal)) = obstacle(&survey, plan.questions) {
            return Err(refusal);
        }
        let left_out = plan.left_out.iter().filter(|l| l.reason == LeftOut::NoConsent).count();
        let mut mailing = Mailing::new(conn, survey, public_url)?;
        let contacts: Vec<Stakeholder> = crate::stakeholders::service::all_of(conn, org)?
            .into_iter()
            .filter(|s| {
                plan.by_email.iter().chain(&plan.on_paper).any(|p| p.stakeholder_id == s.id)
            })
            .collect();
        let mut outcome = invite_each(conn, &mut mailing, &contacts)?;
        outcome.left_out = left_out;
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "survey.invite")
            .on("survey", Some(survey_id.into()))
            .detail(&format!("{} Einladungen", outcome.invited))
            .record(conn)?;
        Ok(outcome)
    })
}

fn invite_each(
    conn: &mut DbConn, mailing: &mut Mailing, contacts: &[Stakeholder],
) -> AppResult<InviteOutcome> {
    let now = crate::time::now_utc();
    let mut outcome = InviteOutcome { invited: 0, emailed: 0, on_paper: 0, left_out: 0 };
    for s in contacts {
        let token = links::new_token();
        let invitation = repo::insert_invitation(conn, mailing.survey.id, s.id, &token)?;
        outcome.invited += 1;
        match (&s.email, s.contact_consent) {
            (Some(email), true) => {
                mailing.send(conn, s.id, (&s.name, email, &s.preferred_language), &token, false)?;
                repo::mark_sent(conn, invitation, now, false)?;
                outcome.emailed += 1;
            }
            _ => outcome.on_paper += 1,
        }
    }
    Ok(outcome)
}

/// Who a reminder sent now would reach: contacts invited by email who have not answered
/// and have had fewer reminders than the survey allows. Of an anonymous survey only the
/// number (names would tell who answered).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReminderPlan {
    #[schema(value_type = i32)]
    pub survey_id: SurveyId,
    pub title: String,
    pub count: usize,
    /// Empty for an anonymous survey.
    pub names: Vec<String>,
    pub anonymous: bool,
    pub blocked: Option<&'static str>,
    pub blocked_reason: Option<String>,
}

/// What reminding now would do; sends nothing.
pub fn reminder_plan(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId,
) -> AppResult<ReminderPlan> {
    let survey = service::get(conn, actor, survey_id)?;
    let due = due_now(conn, &survey)?;
    let blocked = if survey.is_archived() {
        Some(("archived", "error.svy.archived"))
    } else if !survey.is_open_on(crate::time::today_local()) {
        Some(("not_open", "error.svy.remind_not_open"))
    } else if due.is_empty() {
        Some(("nobody", "error.svy.remind_nobody"))
    } else {
        None
    };
    Ok(ReminderPlan {
        survey_id,
        title: survey.title.clone(),
        count: due.len(),
        names: if survey.anonymous {
            Vec::new()
        } else {
            due.iter().map(|d| d.2.clone()).collect()
        },
        anonymous: survey.anonymous,
        blocked: blocked.map(|(code, _)| code),
        blocked_reason: blocked.map(|(_, key)| crate::i18n::text(crate::i18n::DEFAULT_LANG, key)),
    })
}

/// The survey's invitations a reminder may go to now (whatever the interval).
fn due_now(conn: &mut DbConn, survey: &Survey) -> AppResult<Vec<repo::DueInvitation>> {
    Ok(repo::reminder_candidates(conn, crate::time::today_local())?
        .into_iter()
        .filter(|d| d.1.id == survey.id && d.3.is_some() && d.4)
        .collect())
}

/// What reminding did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemindOutcome {
    /// Reminder emails queued.
    pub reminded: usize,
}

/// Sends a reminder now to everyone [`reminder_plan`] names, whatever the interval (each
/// one still counts towards the survey's most reminders, and is claimed first so the
/// survey job never sends the same one again).
pub fn remind_now(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, public_url: &str,
) -> AppResult<RemindOutcome> {
    let org = actor.coordinator_org()?;
    let plan = reminder_plan(conn, actor, survey_id)?;
    if let Some(code) = plan.blocked {
        if code != "nobody" {
            let key =
                if code == "archived" { "error.svy.archived" } else { "error.svy.remind_not_open" };
            return Err(AppError::conflict(key));
        }
    }
    crate::db::write_transaction(conn, |conn| {
        let survey = service::locked(conn, org, survey_id)?;
        let now = crate::time::now_utc();
        let mut mailing = Mailing::new(conn, survey.clone(), public_url)?;
        let mut reminded = 0;
        for (inv, _, name, email, _, language) in due_now(conn, &survey)? {
            let Some(email) = email else { continue };
            if !repo::claim_reminder(conn, &inv, now)? {
                continue;
            }
            mailing.send(conn, inv.stakeholder_id, (&name, &email, &language), &inv.token, true)?;
            reminded += 1;
        }
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "survey.remind")
            .on("survey", Some(survey_id.into()))
            .detail(&format!("{reminded}"))
            .record(conn)?;
        Ok(RemindOutcome { reminded })
    })
}

/// Queues the reminders that are due at `now` for every open survey: to contacts invited
/// by email who have not answered, at most `reminder_max` times, `reminder_interval_days`
/// apart. Each reminder is claimed with a conditional update, so replicas never send one
/// twice. Returns how many were queued.
pub fn send_due_reminders(
    conn: &mut DbConn, public_url: &str, now: NaiveDateTime,
) -> AppResult<usize> {
    let due = repo::reminder_candidates(conn, crate::time::today_local())?;
    let mut queued = 0;
    let mut mailings: HashMap<SurveyId, Mailing> = HashMap::new();
    for (inv, survey, name, email, consent, language) in due {
        let (Some(email), true) = (email, consent) else {
            continue;
        };
        let last = inv.last_sent_at.or(inv.sent_at).unwrap_or(inv.created_at);
        if now - last < Duration::days(i64::from(survey.reminder_interval_days)) {
            continue;
        }
        crate::db::write_transaction(conn, |conn| {
            if !repo::claim_reminder(conn, &inv, now)? {
                return Ok(());
            }
            let mailing = match mailings.entry(survey.id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(Mailing::new(conn, survey.clone(), public_url)?)
                }
            };
            mailing.send(conn, inv.stakeholder_id, (&name, &email, &language), &inv.token, true)?;
            queued += 1;
            Ok(())
        })?;
    }
    Ok(queued)
}

/// Every five minutes: forgets drafts of surveys closed over a week ago, releases the
/// pending answers of anonymous surveys (full cells of open surveys, everything of closed
/// ones) and queues due survey reminders.
pub fn reminder_job(
    db: crate::db::Db, public_url: String, key: super::release::PoolKey,
) -> crate::jobs::Job {
    let period = std::time::Duration::from_secs(300);
    crate::jobs::Job::every("survey reminders", period, move || {
        let db = db.clone();
        let url = public_url.clone();
        let key = key.clone();
        async move {
            let (released, queued) = db
                .run(move |conn| {
                    let today = crate::time::today_local();
                    repo::purge_drafts_closed_before(conn, today - Duration::days(7))?;
                    let released = super::release::release_due(conn, &key, today)?;
                    Ok((released, send_due_reminders(conn, &url, crate::time::now_utc())?))
                })
                .await?;
            if released > 0 {
                tracing::info!(released, "anonymous survey answers released");
            }
            if queued > 0 {
                tracing::info!(queued, "survey reminders queued");
            }
            Ok::<(), AppError>(())
        }
    })
}

/// Reached on paper: invited, not emailed, not answered; they need the printed link.
fn on_paper(inv: &Invitation) -> bool {
    inv.sent_at.is_none() && inv.answered_on.is_none()
}

/// Who was invited and whether they answered (the answers themselves are never linked).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationStatus {
    #[schema(value_type = i32)]
    stakeholder_id: StakeholderId,
    name: String,
    stakeholder_group: StakeholderGroup,
    emailed: bool,
    reminders_sent: i32,
    /// Absent for anonymous surveys: only the counts per group are shown there.
    #[serde(skip_serializing_if = "Option::is_none")]
    answered: Option<bool>,
    /// The personal link, for contacts reached on paper (not emailed).
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

/// The survey's invitations, for the API.
pub fn statuses(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, public_url: &str,
) -> AppResult<Vec<InvitationStatus>> {
    let survey = service::get(conn, actor, survey_id)?;
    Ok(repo::invitations(conn, survey_id)?
        .into_iter()
        .map(|(i, s)| InvitationStatus {
            stakeholder_id: s.id,
            name: s.name,
            stakeholder_group: s.stakeholder_group,
            emailed: i.sent_at.is_some(),
            reminders_sent: i.reminders_sent,
            answered: (!survey.anonymous).then_some(i.answered_on.is_some()),
            url: on_paper(&i).then(|| survey_url(public_url, &i.token)),
        })
        .collect())
}

/// The invitations of one group on the survey page.
#[derive(Debug, Default, Serialize)]
pub struct InvitationGroup {
    pub name: String,
    pub invited: usize,
    pub answered: usize,
    pub people: Vec<InvitedPerson>,
}

#[derive(Debug, Serialize)]
pub struct InvitedPerson {
    pub name: String,
    pub answered: bool,
    /// The locale key of how the invitation went: by mail or on paper.
    pub how: &'static str,
    pub reminders: i32,
}

/// The survey's invitations by group (in the order of the group codes), and how many
/// there are. The page hides the people of an anonymous survey.
pub fn invitation_groups(
    conn: &mut DbConn, survey_id: SurveyId,
) -> AppResult<(Vec<InvitationGroup>, usize)> {
    let invitations = repo::invitations(conn, survey_id)?;
    let mut by_group: BTreeMap<&'static str, InvitationGroup> = BTreeMap::new();
    for (inv, st) in &invitations {
        let g = by_group.entry(st.stakeholder_group.code()).or_insert_with(|| InvitationGroup {
            name: st.stakeholder_group.name(),
            ..Default::default()
        });
        g.invited += 1;
        if inv.answered_on.is_some() {
            g.answered += 1;
        }
        g.people.push(InvitedPerson {
            name: st.name.clone(),
            answered: inv.answered_on.is_some(),
            how: if inv.sent_at.is_some() {
                "surveys.invited_by_mail"
            } else {
                "surveys.invited_on_paper"
            },
            reminders: inv.reminders_sent,
        });
    }
    Ok((by_group.into_values().collect(), invitations.len()))
}

/// The printable sheet (`pages/surveys/sheet`): one card per contact reached on paper,
/// each in the contact's language (German where the service has no words in it).
#[derive(Debug, Serialize, ToSchema)]
pub struct PaperSheet {
    #[schema(value_type = i32)]
    pub id: SurveyId,
    pub title: String,
    pub cards: Vec<InvitationCard>,
}

/// One printed invitation: only what the person needs, in their language; nothing of the
/// coordinator's (no group, no ids).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationCard {
    pub name: String,
    pub lang: String,
    pub dir: &'static str,
    /// "Einladung zur Umfrage"
    pub heading: String,
    /// "Für {name}"
    pub to: String,
    /// Who asks: "{issuer} bittet Sie um Ihre Meinung."
    pub issuer: String,
    /// The survey's title in the card's language where translated.
    pub title: String,
    /// How to open it: scan the QR code with the phone's camera.
    pub scan: String,
    /// "Oder geben Sie diese Adresse ein:"
    pub type_link: String,
    pub url: String,
    /// "Offen bis 21.12.2026"
    pub until: String,
    /// For an anonymous survey: the answers are evaluated anonymously.
    pub anonymous: Option<String>,
    /// The personal link as a QR code (SVG).
    pub qr_svg: String,
}

fn qr_svg(url: &str) -> AppResult<String> {
    Ok(qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build())
}

/// The language a printed invitation is in: the contact's where the service has the
/// sheet's words in it, German otherwise.
pub fn sheet_language(preferred: &str) -> &str {
    if crate::i18n::has_text(preferred, "svy.sheet.scan") {
        preferred
    } else {
        crate::i18n::DEFAULT_LANG
    }
}

pub fn paper_sheet(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, public_url: &str,
) -> AppResult<PaperSheet> {
    use crate::i18n::Text;
    let survey = service::get(conn, actor, survey_id)?;
    let survey_title = survey.title.clone();
    let mut mailing = Mailing::new(conn, survey, public_url)?;
    let mut cards = Vec::new();
    for (inv, st) in repo::invitations(conn, survey_id)? {
        if !on_paper(&inv) {
            continue;
        }
        let lang = sheet_language(&st.preferred_language).to_string();
        let words = |t: Text| t.render(&lang);
        let url = survey_url(public_url, &inv.token);
        let s = &mailing.survey;
        let (closes_on, anonymous) = (fmt_date(s.closes_on), s.anonymous);
        let issuer = mailing.issuer.clone();
        cards.push(InvitationCard {
            heading: words(Text::key("svy.sheet.heading")),
            to: words(Text::key("svy.sheet.to").arg("name", &st.name)),
            issuer: words(Text::key("svy.sheet.issuer").arg("issuer", &issuer)),
            title: mailing.title(conn, &lang)?,
            scan: words(Text::key("svy.sheet.scan")),
            type_link: words(Text::key("svy.sheet.type_link")),
            until: words(Text::key("svy.sheet.until").arg("date", closes_on)),
            anonymous: anonymous.then(|| words(Text::key("respond.anonymous"))),
            qr_svg: qr_svg(&url)?,
            dir: super::questionnaire::direction(&lang),
            name: st.name,
            lang,
            url,
        });
    }
    Ok(PaperSheet { id: survey_id, title: survey_title, cards })
}

/// Invitations waiting to be printed (not emailed, not answered).
pub fn paper_waiting(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<usize> {
    Ok(repo::invitations(conn, survey_id)?.iter().filter(|(i, _)| on_paper(i)).count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{OrgId, SurveyId};

    fn contact(id: i32, group: StakeholderGroup, email: bool, consent: bool) -> Stakeholder {
        Stakeholder {
            id: StakeholderId(id),
            organisation_id: OrgId(1),
            stakeholder_group: group,
            name: format!("Kontakt {id}"),
            organisation_name: None,
            email: email.then(|| format!("k{id}@example.org")),
            phone: None,
            preferred_language: "de".into(),
            contact_consent: consent,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
        }
    }

    #[test]
    fn only_who_agreed_is_invited_by_mail_or_on_paper() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let survey = Survey {
            id: SurveyId(1),
            organisation_id: OrgId(1),
            title: "Umfrage".into(),
            introduction: String::new(),
            opens_on: day,
            closes_on: day,
            audience: vec![StakeholderGroup::Landlord],
            anonymous: false,
            course_id: None,
            reminder_max: 2,
            reminder_interval_days: 7,
            open_groups: Vec::new(),
            open_token: String::new(),
            copied_from: None,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
            archived_at: None,
        };
        let already = [StakeholderId(9)];
        use StakeholderGroup::{Landlord, Vhs};
        for (c, expected) in [
            (contact(1, Landlord, true, true), Ok(Channel::Email)),
            (contact(2, Landlord, false, true), Ok(Channel::Paper)),
            (contact(3, Landlord, true, false), Err(LeftOut::NoConsent)),
            (contact(4, Landlord, false, false), Err(LeftOut::NoConsent)),
            (contact(5, Vhs, true, true), Err(LeftOut::NotInAudience)),
            (contact(9, Landlord, true, true), Err(LeftOut::AlreadyInvited)),
        ] {
            assert_eq!(channel(&survey, &c, &already), expected, "{}", c.name);
        }
    }

    #[test]
    fn a_sheet_is_in_the_contacts_language_where_there_are_words_for_it() {
        assert_eq!(sheet_language("ar"), "ar");
        assert_eq!(sheet_language("uk"), "uk");
        assert_eq!(sheet_language("ps"), "ps");
        assert_eq!(sheet_language("ti"), "ti");
        assert_eq!(sheet_language("xx"), "de");
    }
}
