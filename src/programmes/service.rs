//! The programmes' use cases: an admin sets up a programme, its reporting periods, its
//! office's accounts and invites organisations; an organisation's coordinators answer,
//! choose what they share and may leave; the programme's office and admins read the
//! figures ([`super::figures`]).

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::figures::{self, Figures, Publish};
use super::models::{
    MemberInsertForm, MemberState, NewPeriod, NewProgramme, Period, PeriodInsertForm, Programme,
    ProgrammeInsertForm, Sharing,
};
use super::repo;
use crate::audit;
use crate::auth::{self, links, Actor, Role};
use crate::db::{self, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{OrgId, ProgrammeId, UserId};
use crate::mail::outbox::{self, About};
use crate::validate;

/// The programme, once the caller may read it: an admin any, a programme account its own
/// (another programme is not found, as if it did not exist).
fn readable(conn: &mut DbConn, actor: &Actor, id: ProgrammeId) -> AppResult<Programme> {
    match actor.role {
        Role::Admin => repo::get(conn, id),
        Role::Programme if actor.programme_id == Some(id) => repo::get(conn, id),
        Role::Programme => Err(AppError::not_found("thing.programme")),
        _ => Err(AppError::forbidden()),
    }
}

fn period_form(programme: ProgrammeId, p: &NewPeriod) -> AppResult<PeriodInsertForm> {
    let label = validate::required_text("label", "label.period_label", &p.label, 80)?;
    let starts_on = validate::date("starts_on", "label.from", &p.starts_on)?;
    let ends_on = validate::date("ends_on", "label.to", &p.ends_on)?;
    if !figures::starts_a_quarter(starts_on) {
        return Err(AppError::invalid("starts_on", Text::key("error.programmes.quarter_start")));
    }
    if !figures::ends_a_quarter(ends_on) || ends_on < starts_on {
        return Err(AppError::invalid("ends_on", Text::key("error.programmes.quarter_end")));
    }
    if figures::quarters(starts_on, ends_on).len() > 12 {
        return Err(AppError::invalid("ends_on", Text::key("error.programmes.period_long")));
    }
    Ok(PeriodInsertForm { programme_id: programme, label, starts_on, ends_on })
}

/// Periods never overlap: two publications over the same quarter could otherwise be
/// subtracted from each other.
fn add_period(conn: &mut DbConn, form: PeriodInsertForm) -> AppResult<()> {
    let taken = repo::periods(conn, form.programme_id)?;
    if taken.iter().any(|p| p.starts_on <= form.ends_on && form.starts_on <= p.ends_on) {
        return Err(AppError::invalid("starts_on", Text::key("error.programmes.period_overlap")));
    }
    repo::insert_period(conn, &form)
}

/// An admin creates a programme with its reporting periods (none: the current year).
/// `library::service::create_programme` adds the starter set around it.
pub fn create(conn: &mut DbConn, actor: &Actor, input: NewProgramme) -> AppResult<Programme> {
    actor.require(&[Role::Admin])?;
    let name = validate::required_text("name", "label.name", &input.name, 200)?;
    let funding_body =
        validate::required_text("funding_body", "label.funding_body", &input.funding_body, 200)?;
    if input.periods.len() > 40 {
        return Err(AppError::invalid("periods", Text::key("error.programmes.period_long")));
    }
    db::write_transaction(conn, |conn| {
        let programme = repo::insert(
            conn,
            &ProgrammeInsertForm { name, funding_body, created_at: crate::time::now_utc() },
        )?;
        let periods = if input.periods.is_empty() {
            let year = chrono::Datelike::year(&crate::time::today_local());
            vec![NewPeriod {
                label: year.to_string(),
                starts_on: format!("{year}-01-01"),
                ends_on: format!("{year}-12-31"),
            }]
        } else {
            input.periods.clone()
        };
        for p in &periods {
            add_period(conn, period_form(programme.id, p)?)?;
        }
        audit::Entry::new(None, Some(actor.user_id), "programme.create")
            .on("programme", Some(programme.id.0))
            .record(conn)?;
        Ok(programme)
    })
}

/// An admin adds a reporting period.
pub fn create_period(
    conn: &mut DbConn, actor: &Actor, id: ProgrammeId, input: NewPeriod,
) -> AppResult<Vec<Period>> {
    actor.require(&[Role::Admin])?;
    repo::get(conn, id)?;
    let form = period_form(id, &input)?;
    db::write_transaction(conn, |conn| {
        add_period(conn, form)?;
        audit::Entry::new(None, Some(actor.user_id), "programme.period_add")
            .on("programme", Some(id.0))
            .record(conn)?;
        repo::periods(conn, id)
    })
}

/// Every programme (admins).
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Programme>> {
    actor.require(&[Role::Admin])?;
    repo::list(conn)
}

/// A member as the programme sees it: who, where it stands, what it shares. No person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    pub organisation: String,
    pub state: MemberState,
    pub sharing: Sharing,
}

/// A programme as its office and admins see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeDetail {
    pub programme: Programme,
    pub periods: Vec<Period>,
    pub members: Vec<Member>,
}

pub fn detail(conn: &mut DbConn, actor: &Actor, id: ProgrammeId) -> AppResult<ProgrammeDetail> {
    let programme = readable(conn, actor, id)?;
    let periods = repo::periods(conn, id)?;
    let members = repo::members(conn, id)?
        .into_iter()
        .map(|(m, name)| Member {
            organisation_id: m.organisation_id,
            organisation: name,
            state: m.state,
            sharing: Sharing { figures: m.share_figures, templates: m.share_templates },
        })
        .collect();
    Ok(ProgrammeDetail { programme, periods, members })
}

/// An admin invites an organisation (again, after it declined or left). The
/// organisation's coordinators answer on their "Programme" page.
pub fn invite(
    conn: &mut DbConn, actor: &Actor, id: ProgrammeId, org: OrgId,
) -> AppResult<ProgrammeDetail> {
    actor.require(&[Role::Admin])?;
    let programme = repo::get(conn, id)?;
    let organisation = crate::orgs::service::organisation(conn, actor, org)?;
    db::write_transaction(conn, |conn| {
        let now = crate::time::now_utc();
        match repo::member(conn, id, org)? {
            None => repo::insert_member(
                conn,
                &MemberInsertForm {
                    programme_id: id,
                    organisation_id: org,
                    state: MemberState::Invited,
                    share_figures: false,
                    share_templates: false,
                    invited_at: now,
                    decided_at: None,
                },
            )?,
            Some(m) if matches!(m.state, MemberState::Declined | MemberState::Left) => {
                repo::reinvite(conn, id, org, now)?;
            }
            Some(_) => return Err(AppError::conflict("error.programmes.already_invited")),
        }
        audit::Entry::new(Some(org), Some(actor.user_id), "programme.invite")
            .on("programme", Some(id.0))
            .record(conn)?;
        notify_coordinators(conn, org, &organisation.name, &programme)?;
        Ok(())
    })?;
    detail(conn, actor, id)
}

/// Tells the organisation's coordinators about the invitation, by mail.
fn notify_coordinators(
    conn: &mut DbConn, org: OrgId, org_name: &str, programme: &Programme,
) -> AppResult<()> {
    for user in auth::service::accounts_in(conn, org)? {
        if user.role != Role::Coordinator || !user.active {
            continue;
        }
        let ctx = json!({
            "name": user.display_name,
            "organisation": org_name,
            "programme": programme.name,
            "funding_body": programme.funding_body,
        });
        outbox::enqueue(
            conn,
            Some(org),
            About::Nobody,
            &user.email,
            "programme_invitation",
            &ctx,
            None,
        )?;
    }
    Ok(())
}

/// An admin invites a person into the programme's office: an account of the role
/// `programme`, with a link to choose a password (valid 7 days).
pub fn invite_office(
    conn: &mut DbConn, actor: &Actor, id: ProgrammeId, email: &str, display_name: &str,
    public_url: &str,
) -> AppResult<UserId> {
    actor.require(&[Role::Admin])?;
    let programme = repo::get(conn, id)?;
    db::write_transaction(conn, |conn| {
        let user =
            auth::service::create_invited_for_programme(conn, actor, id, email, display_name)?;
        let purpose = auth::models::LinkPurpose::Invitation;
        let (secret, expires) = links::issue(conn, &user, purpose)?;
        let lang = crate::i18n::DEFAULT_LANG;
        let ctx = json!({
            "name": user.display_name,
            "organisation": programme.name,
            "inviter": actor.display_name,
            "role": crate::i18n::text(lang, "account.role.programme"),
            "link": links::url(public_url, purpose, &secret),
            "days": purpose.valid_for().num_days(),
            "expires": crate::time::fmt_datetime(expires),
        });
        outbox::enqueue(conn, None, About::Nobody, &user.email, "account_invitation", &ctx, None)?;
        Ok(user.id)
    })
}

// An organisation's side.

/// A programme as a member organisation's coordinators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Membership {
    pub programme: Programme,
    pub state: MemberState,
    pub sharing: Sharing,
}

/// The programmes the coordinator's organisation was invited to.
pub fn memberships(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Membership>> {
    let org = actor.coordinator_org()?;
    Ok(repo::memberships_of(conn, org)?
        .into_iter()
        .map(|(m, programme)| Membership {
            programme,
            state: m.state,
            sharing: Sharing { figures: m.share_figures, templates: m.share_templates },
        })
        .collect())
}

fn membership(conn: &mut DbConn, org: OrgId, id: ProgrammeId) -> AppResult<Membership> {
    let m = repo::member(conn, id, org)?.ok_or_else(|| AppError::not_found("thing.programme"))?;
    Ok(Membership {
        programme: repo::get(conn, id)?,
        state: m.state,
        sharing: Sharing { figures: m.share_figures, templates: m.share_templates },
    })
}

/// One programme of the coordinator's organisation (404 if it was never invited).
pub fn membership_of(conn: &mut DbConn, actor: &Actor, id: ProgrammeId) -> AppResult<Membership> {
    let org = actor.coordinator_org()?;
    membership(conn, org, id)
}

/// What a coordinator decides about a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Accept the invitation, or change what is shared while a member.
    Share(Sharing),
    Decline,
    Leave,
}

/// A coordinator answers an invitation, changes what the organisation shares, or leaves.
/// A decision that no longer fits (leaving twice, accepting after leaving) is a 409 and
/// changes nothing.
pub fn decide(
    conn: &mut DbConn, actor: &Actor, id: ProgrammeId, decision: Decision,
) -> AppResult<Membership> {
    let org = actor.coordinator_org()?;
    db::write_transaction(conn, |conn| {
        let current =
            repo::member(conn, id, org)?.ok_or_else(|| AppError::not_found("thing.programme"))?;
        let now = crate::time::now_utc();
        let (expected, state, sharing, action): (&[MemberState], _, _, _) = match decision {
            Decision::Share(s) if current.state == MemberState::Member => {
                (&[MemberState::Member], MemberState::Member, s, "programme.sharing")
            }
            Decision::Share(s) => {
                (&[MemberState::Invited], MemberState::Member, s, "programme.join")
            }
            Decision::Decline => (
                &[MemberState::Invited],
                MemberState::Declined,
                Sharing::default(),
                "programme.decline",
            ),
            Decision::Leave => {
                (&[MemberState::Member], MemberState::Left, Sharing::default(), "programme.leave")
            }
        };
        if repo::set_member(conn, id, org, expected, state, sharing, now)? == 0 {
            return Err(AppError::conflict("error.programmes.not_now"));
        }
        let detail = format!("figures={} templates={}", sharing.figures, sharing.templates);
        audit::Entry::new(Some(org), Some(actor.user_id), action)
            .on("programme", Some(id.0))
            .detail(&detail)
            .record(conn)?;
        membership(conn, org, id)
    })
}

// Figures.

/// The figures of a period as a page, the API and the exports show them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    pub programme: Programme,
    pub period: Period,
    pub periods: Vec<Period>,
    /// Whose figures: the members sharing them now (the programme's view), or one
    /// organisation (its own view).
    pub figures: Figures,
    /// True where small numbers are held back (the programme's view).
    pub protected: bool,
    /// Quarters of the period not in the programme's figures yet: a quarter appears once it
    /// has ended, and from then on never changes.
    pub open_quarters: Vec<figures::Quarter>,
}

fn pick_period(periods: &[Period], wanted: Option<i32>, today: NaiveDate) -> AppResult<Period> {
    match wanted {
        Some(id) => periods
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or_else(|| AppError::not_found("thing.period")),
        None => periods
            .iter()
            .find(|p| p.starts_on <= today && today <= p.ends_on)
            .or_else(|| periods.iter().rev().find(|p| p.starts_on <= today))
            .or_else(|| periods.first())
            .cloned()
            .ok_or_else(|| AppError::not_found("thing.period")),
    }
}

/// The programme's figures for a period (default: the one of today), per member and in
/// total, with small numbers held back: the quarters that have ended, each as frozen the
/// first time it was shown (with the members sharing their figures then). Published
/// figures never change, so no two views can be subtracted to uncover a held-back count;
/// a member that leaves stays in the quarters it shared, and is in none after.
pub fn dashboard(
    conn: &mut DbConn, actor: &Actor, id: ProgrammeId, period: Option<i32>,
) -> AppResult<Dashboard> {
    let programme = readable(conn, actor, id)?;
    let periods = repo::periods(conn, id)?;
    let today = crate::time::today_local();
    let period = pick_period(&periods, period, today)?;
    let (ended, open_quarters): (Vec<_>, Vec<_>) =
        figures::quarters(period.starts_on, period.ends_on).into_iter().partition(|q| q.to < today);
    let mut frozen = Vec::new();
    for quarter in &ended {
        frozen.push(frozen_quarter(conn, id, quarter)?);
    }
    let collected = figures::thaw(&frozen);
    let mut ids: Vec<OrgId> = frozen.iter().flat_map(|f| f.members.iter().copied()).collect();
    ids.sort();
    ids.dedup();
    let members = repo::names(conn, &ids)?;
    let figures = figures::publish(&collected, &members, ended, Publish::Protected);
    Ok(Dashboard { programme, period, periods, figures, protected: true, open_quarters })
}

/// A quarter's figures as frozen, freezing them now if they were never shown. Two
/// replicas freezing at once store one; both read back the same.
fn frozen_quarter(
    conn: &mut DbConn, id: ProgrammeId, quarter: &figures::Quarter,
) -> AppResult<figures::FrozenQuarter> {
    let parse = |json: String| -> AppResult<figures::FrozenQuarter> {
        serde_json::from_str(&json).map_err(|e| AppError::Internal(e.into()))
    };
    if let Some(json) = repo::frozen_quarter(conn, id, quarter.from)? {
        return parse(json);
    }
    let members: Vec<OrgId> =
        repo::sharing_figures(conn, id)?.into_iter().map(|(o, _)| o).collect();
    let now = crate::time::now_utc();
    let collected = figures::collect(conn, &members, std::slice::from_ref(quarter), now)?;
    let json = serde_json::to_string(&figures::freeze(&collected, &members))
        .map_err(|e| AppError::Internal(e.into()))?;
    repo::freeze_quarter(conn, id, quarter.from, &json, now)?;
    match repo::frozen_quarter(conn, id, quarter.from)? {
        Some(json) => parse(json),
        None => Err(AppError::Internal(anyhow::anyhow!("a frozen quarter vanished"))),
    }
}

/// A member's own figures as they enter the programme's, unsuppressed: what its
/// coordinators share (or would share).
pub fn own_figures(
    conn: &mut DbConn, actor: &Actor, id: ProgrammeId, period: Option<i32>,
) -> AppResult<Dashboard> {
    let org = actor.coordinator_org()?;
    let member = membership(conn, org, id)?;
    let periods = repo::periods(conn, id)?;
    let period = pick_period(&periods, period, crate::time::today_local())?;
    let name = crate::orgs::service::get(conn, org)?.name;
    let quarters = figures::quarters(period.starts_on, period.ends_on);
    let collected = figures::collect(conn, &[org], &quarters, crate::time::now_utc())?;
    let figures = figures::publish(&collected, &[(org, name)], quarters, Publish::Own);
    Ok(Dashboard {
        programme: member.programme,
        period,
        periods,
        figures,
        protected: false,
        open_quarters: Vec::new(),
    })
}

/// A figures file left the service: who, which programme, which format.
pub fn record_export(
    conn: &mut DbConn, actor: &Actor, id: ProgrammeId, format: &str,
) -> AppResult<()> {
    audit::Entry::new(actor.organisation_id, Some(actor.user_id), "programme.export")
        .on("programme", Some(id.0))
        .detail(format)
        .record(conn)
}

// For the library, which sits above programmes.

/// The organisations sharing their templates in the programme now.
pub fn template_sharers(conn: &mut DbConn, id: ProgrammeId) -> AppResult<Vec<OrgId>> {
    Ok(repo::members(conn, id)?
        .into_iter()
        .filter(|(m, _)| m.state == MemberState::Member && m.share_templates)
        .map(|(m, _)| m.organisation_id)
        .collect())
}

/// Where an organisation stands in a programme (none: never invited).
pub fn standing(
    conn: &mut DbConn, id: ProgrammeId, org: OrgId,
) -> AppResult<Option<(MemberState, Sharing)>> {
    Ok(repo::member(conn, id, org)?
        .map(|m| (m.state, Sharing { figures: m.share_figures, templates: m.share_templates })))
}

/// A programme by id, for use cases that have checked the caller.
pub fn programme(conn: &mut DbConn, id: ProgrammeId) -> AppResult<Programme> {
    repo::get(conn, id)
}

/// Every programme, for use cases that have checked the caller.
pub fn all(conn: &mut DbConn) -> AppResult<Vec<Programme>> {
    repo::list(conn)
}
