//! Inviting contacts: a personal link per contact of the survey's audience, emailed where
//! there is an address and consent, printed on a sheet with a QR code otherwise; reminders
//! by email; who was invited and (unless the survey is anonymous) who answered.
//!
//! Rules: nobody is invited twice to a survey; a closed survey invites nobody; reminders go
//! only to contacts invited by email who have not answered, at most `reminder_max` times,
//! `reminder_interval_days` apart, and each one is claimed in the database first so
//! replicas never send one twice.

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
    /// Contacts to reach on paper (no email address or no consent to be emailed).
    pub on_paper: usize,
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

/// Creates a personal link for every contact of the audience who has none yet, and
/// queues the invitation email where there is an address and consent.
pub fn invite(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, public_url: &str,
) -> AppResult<InviteOutcome> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let survey = service::locked(conn, org, survey_id)?;
        if crate::time::today_local() > survey.closes_on {
            return Err(AppError::conflict("error.surveys.closed_for_invitations"));
        }
        let already: Vec<StakeholderId> = repo::invitations(conn, survey_id)?
            .into_iter()
            .map(|(i, _)| i.stakeholder_id)
            .collect();
        let uninvited: Vec<Stakeholder> = crate::stakeholders::service::all_of(conn, org)?
            .into_iter()
            .filter(|s| survey.audience.contains(&s.stakeholder_group) && !already.contains(&s.id))
            .collect();
        let mut mailing = Mailing::new(conn, survey, public_url)?;
        let outcome = invite_each(conn, &mut mailing, &uninvited)?;
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
    let mut outcome = InviteOutcome { invited: 0, emailed: 0, on_paper: 0 };
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

/// The printable sheet (`pages/surveys/sheet`): one card per contact reached on paper.
#[derive(Debug, Serialize)]
pub struct PaperSheet {
    pub id: SurveyId,
    pub title: String,
    pub closes_on: String,
    pub cards: Vec<InvitationCard>,
}

#[derive(Debug, Serialize)]
pub struct InvitationCard {
    pub name: String,
    pub group: String,
    pub url: String,
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

pub fn paper_sheet(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, public_url: &str,
) -> AppResult<PaperSheet> {
    let survey = service::get(conn, actor, survey_id)?;
    let mut cards = Vec::new();
    for (inv, st) in repo::invitations(conn, survey_id)? {
        if !on_paper(&inv) {
            continue;
        }
        let url = survey_url(public_url, &inv.token);
        cards.push(InvitationCard {
            name: st.name,
            group: st.stakeholder_group.name(),
            qr_svg: qr_svg(&url)?,
            url,
        });
    }
    Ok(PaperSheet {
        id: survey_id,
        title: survey.title,
        closes_on: fmt_date(survey.closes_on),
        cards,
    })
}
