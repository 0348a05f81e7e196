//! What the programme pages show, shaped from the use cases' data: the figures as tables in
//! German number format with a chart, the admin's lists, the coordinator's memberships.

use serde::Serialize;

use super::figures::{Cell, Figure, Part};
use super::models::{MemberState, NewProgramme, Programme};
use super::service::{self, Dashboard, Membership, ProgrammeDetail};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::i18n;
use crate::ids::{OrgId, ProgrammeId};
use crate::reports::{chart, format};

/// One figure as a table cell (page and PDF report): its text, and whether it is held back
/// (styled and explained by the legend).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shown {
    pub text: String,
    pub withheld: bool,
}

pub(crate) fn shown(f: Figure) -> Shown {
    Shown { text: f.text(), withheld: f.count().is_none() }
}

pub(crate) fn plain(n: u64) -> Shown {
    Shown { text: format::number(i64::try_from(n).unwrap_or(i64::MAX)), withheld: false }
}

/// "60,0 %"
pub(crate) fn percent(v: f64) -> String {
    format!("{} %", format!("{v:.1}").replace('.', ","))
}

/// A rate, "x" where one of its counts is held back, "–" where there is nothing to divide.
pub(crate) fn rate(r: Option<f64>, whole: Figure) -> Shown {
    match (r, whole) {
        (Some(v), _) => Shown { text: percent(v), withheld: false },
        (None, Figure::Count(0)) => Shown { text: "–".into(), withheld: false },
        (None, _) => Shown { text: "x".into(), withheld: true },
    }
}

pub(crate) fn hours(h: f64) -> Shown {
    Shown { text: format!("{h:.1}").replace('.', ","), withheld: false }
}

/// A row of the figures table: who, then the figures in the order of the headings.
#[derive(Debug, Serialize)]
pub struct TableRow {
    pub who: String,
    pub total: bool,
    pub cells: Vec<Shown>,
}

fn cells(c: &Cell) -> Vec<Shown> {
    vec![
        plain(c.courses),
        plain(c.runs),
        plain(c.sessions_held),
        plain(c.places_offered),
        shown(c.enrolled),
        shown(c.waiting),
        shown(c.completed),
        rate(c.completion_rate, c.enrolled),
        shown(c.marks),
        shown(c.no_shows),
        rate(c.no_show_rate, c.marks),
        shown(c.certificates_issued),
        plain(c.certificate_checks),
        hours(c.interpreter_hours),
    ]
}

/// The headings' locale keys, in the order of [`cells`].
const HEADINGS: &[&str] = &[
    "programmes.col.courses",
    "programmes.col.runs",
    "programmes.col.sessions_held",
    "programmes.col.places_offered",
    "programmes.col.enrolled",
    "programmes.col.waiting",
    "programmes.col.completed",
    "programmes.col.completion_rate",
    "programmes.col.marks",
    "programmes.col.no_shows",
    "programmes.col.no_show_rate",
    "programmes.col.certificates_issued",
    "programmes.col.certificate_checks",
    "programmes.col.interpreter_hours",
];

#[derive(Debug, Serialize)]
pub struct ViewLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

#[derive(Debug, Serialize)]
pub struct PartLine {
    pub label: String,
    pub places: Shown,
}

fn part_lines(parts: &[Part]) -> Vec<PartLine> {
    parts.iter().map(|p| PartLine { label: p.label.clone(), places: shown(p.places) }).collect()
}

#[derive(Debug, Serialize)]
pub struct NeedRow {
    pub topic: String,
    pub cells: Vec<Shown>,
}

/// The figures page: the programme's (held back) or a member's own (everything).
#[derive(Debug, Serialize)]
pub struct FiguresPage {
    pub programme: Programme,
    pub period_label: String,
    /// What the table shows: the period, or one of its quarters.
    pub showing: String,
    pub periods: Vec<ViewLink>,
    pub views: Vec<ViewLink>,
    pub headings: Vec<String>,
    pub rows: Vec<TableRow>,
    pub languages: Vec<PartLine>,
    pub referrals: Vec<PartLine>,
    pub breakdowns_withheld: bool,
    /// The topics table: group names as headings, a row per topic.
    pub needs_groups: Vec<String>,
    pub needs: Vec<NeedRow>,
    pub chart: Option<String>,
    pub protected: bool,
    /// Quarters of the period that appear once they have ended ("2026 Q4").
    pub open_quarters: Vec<String>,
    pub members: usize,
    /// Where the files are (`…/zahlen`), without the extension.
    pub export_base: String,
    pub export_query: String,
}

/// Shapes the figures of `d` for the page at `base` (`/programm/3/zahlen`), showing the
/// period or the quarter `quarter` (`2026-Q1`).
pub fn figures_page(d: Dashboard, base: &str, quarter: Option<&str>) -> FiguresPage {
    let lang = i18n::DEFAULT_LANG;
    let q_index = quarter.and_then(|q| d.figures.quarters.iter().position(|x| x.code == q));
    fn at(row: &super::figures::Row, q: Option<usize>) -> &Cell {
        match q {
            Some(i) => &row.quarters[i],
            None => &row.period,
        }
    }
    let pick = |row| at(row, q_index);
    let not_shared =
        || HEADINGS.iter().map(|_| Shown { text: "–".into(), withheld: false }).collect();
    let mut rows: Vec<TableRow> = d
        .figures
        .members
        .iter()
        .map(|r| TableRow {
            who: r.organisation.clone().unwrap_or_default(),
            total: false,
            cells: match q_index {
                Some(i) if !r.shared.get(i).copied().unwrap_or(true) => not_shared(),
                _ => cells(pick(r)),
            },
        })
        .collect();
    rows.push(TableRow {
        who: i18n::text(lang, "programmes.total"),
        total: true,
        cells: cells(pick(&d.figures.total)),
    });
    let period_q = format!("?period={}", d.period.id);
    let mut views = vec![ViewLink {
        label: d.period.label.clone(),
        href: format!("{base}{period_q}"),
        current: q_index.is_none(),
    }];
    for (i, q) in d.figures.quarters.iter().enumerate() {
        views.push(ViewLink {
            label: q.code.replace("-Q", " Q"),
            href: format!("{base}{period_q}&quarter={}", q.code),
            current: q_index == Some(i),
        });
    }
    let periods = d
        .periods
        .iter()
        .map(|p| ViewLink {
            label: p.label.clone(),
            href: format!("{base}?period={}", p.id),
            current: p.id == d.period.id,
        })
        .collect();
    let showing = match q_index {
        Some(i) => d.figures.quarters[i].code.replace("-Q", " Q"),
        None => d.period.label.clone(),
    };
    let bars: Vec<chart::Bar> = d
        .figures
        .members
        .iter()
        .chain(std::iter::once(&d.figures.total))
        .map(|r| {
            let c = pick(r);
            let label =
                r.organisation.clone().unwrap_or_else(|| i18n::text(lang, "programmes.total"));
            match c.completion_rate {
                Some(v) => chart::Bar {
                    label,
                    tenths: (v * 10.0).round().clamp(0.0, 1000.0) as u32,
                    value: rate(Some(v), c.enrolled).text,
                    detail: None,
                },
                None => chart::Bar {
                    label,
                    tenths: 0,
                    value: rate(None, c.enrolled).text,
                    detail: None,
                },
            }
        })
        .collect();
    let chart = (!d.figures.members.is_empty()).then(|| {
        chart::bars(
            "completion-chart",
            &i18n::text(lang, "programmes.chart_completion"),
            &i18n::text(lang, "programmes.chart_completion_desc"),
            &bars,
        )
    });
    FiguresPage {
        programme: d.programme.clone(),
        period_label: d.period.label.clone(),
        showing,
        periods,
        views,
        headings: HEADINGS.iter().map(|k| i18n::text(lang, k)).collect(),
        rows,
        languages: part_lines(&d.figures.languages),
        referrals: part_lines(&d.figures.referrals),
        breakdowns_withheld: d.figures.breakdowns_withheld,
        needs_groups: d
            .figures
            .module_needs
            .first()
            .map(|n| n.groups.iter().map(|g| g.group_name.clone()).collect())
            .unwrap_or_default(),
        needs: d
            .figures
            .module_needs
            .iter()
            .filter(|n| !n.groups.is_empty())
            .map(|n| NeedRow {
                topic: n.topic.clone(),
                cells: n.groups.iter().map(|g| shown(g.chosen)).collect(),
            })
            .collect(),
        chart,
        protected: d.protected,
        open_quarters: d.open_quarters.iter().map(|q| q.code.replace("-Q", " Q")).collect(),
        members: d.figures.members.len(),
        export_base: base.to_string(),
        export_query: period_q,
    }
}

/// The admin's list of programmes with the form for a new one.
#[derive(Debug, Serialize)]
pub struct AdminListPage {
    pub programmes: Vec<Programme>,
    pub form: NewProgrammeFields,
}

/// The new-programme form as typed (one first period).
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct NewProgrammeFields {
    pub name: String,
    pub funding_body: String,
    pub label: String,
    pub starts_on: String,
    pub ends_on: String,
}

impl NewProgrammeFields {
    pub fn input(&self) -> NewProgramme {
        let periods = if self.label.trim().is_empty()
            && self.starts_on.trim().is_empty()
            && self.ends_on.trim().is_empty()
        {
            Vec::new()
        } else {
            vec![super::models::NewPeriod {
                label: self.label.clone(),
                starts_on: self.starts_on.clone(),
                ends_on: self.ends_on.clone(),
            }]
        };
        NewProgramme { name: self.name.clone(), funding_body: self.funding_body.clone(), periods }
    }
}

pub fn admin_list(conn: &mut DbConn, actor: &Actor) -> AppResult<AdminListPage> {
    Ok(AdminListPage {
        programmes: service::list(conn, actor)?,
        form: NewProgrammeFields::default(),
    })
}

#[derive(Debug, Serialize)]
pub struct OrgOption {
    pub id: OrgId,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct MemberLine {
    pub organisation: String,
    pub state_label: String,
    pub state: MemberState,
    pub figures: bool,
    pub templates: bool,
}

/// A programme as its admin page shows it: periods, members, and who can still be invited.
#[derive(Debug, Serialize)]
pub struct AdminShowPage {
    pub id: ProgrammeId,
    pub programme: Programme,
    pub periods: Vec<super::models::Period>,
    pub members: Vec<MemberLine>,
    pub invitable: Vec<OrgOption>,
}

pub fn state_key(state: MemberState) -> &'static str {
    match state {
        MemberState::Invited => "programmes.state.invited",
        MemberState::Member => "programmes.state.member",
        MemberState::Declined => "programmes.state.declined",
        MemberState::Left => "programmes.state.left",
    }
}

fn member_lines(detail: &ProgrammeDetail) -> Vec<MemberLine> {
    detail
        .members
        .iter()
        .map(|m| MemberLine {
            organisation: m.organisation.clone(),
            state_label: i18n::text(i18n::DEFAULT_LANG, state_key(m.state)),
            state: m.state,
            figures: m.sharing.figures,
            templates: m.sharing.templates,
        })
        .collect()
}

pub fn admin_show(conn: &mut DbConn, actor: &Actor, id: ProgrammeId) -> AppResult<AdminShowPage> {
    actor.require(&[crate::auth::Role::Admin])?;
    let detail = service::detail(conn, actor, id)?;
    let open = |state| matches!(state, MemberState::Invited | MemberState::Member);
    let invitable = crate::orgs::service::organisations(conn, actor)?
        .into_iter()
        .filter(|o| !detail.members.iter().any(|m| m.organisation_id == o.id && open(m.state)))
        .map(|o| OrgOption { id: o.id, name: o.name })
        .collect();
    Ok(AdminShowPage {
        id,
        members: member_lines(&detail),
        programme: detail.programme,
        periods: detail.periods,
        invitable,
    })
}

/// The programme office's start page: its programme and members.
#[derive(Debug, Serialize)]
pub struct OfficePage {
    pub programme: Programme,
    pub members: Vec<MemberLine>,
}

pub fn office(conn: &mut DbConn, actor: &Actor) -> AppResult<OfficePage> {
    let id = actor.programme()?;
    let detail = service::detail(conn, actor, id)?;
    Ok(OfficePage { members: member_lines(&detail), programme: detail.programme })
}

#[derive(Debug, Serialize)]
pub struct MembershipLine {
    #[serde(flatten)]
    pub membership: Membership,
    pub state_label: String,
    pub invited: bool,
    pub member: bool,
}

/// A coordinator's "Programme" page.
#[derive(Debug, Serialize)]
pub struct MembershipsPage {
    pub memberships: Vec<MembershipLine>,
}

pub fn memberships(conn: &mut DbConn, actor: &Actor) -> AppResult<MembershipsPage> {
    Ok(MembershipsPage {
        memberships: service::memberships(conn, actor)?
            .into_iter()
            .map(|m| MembershipLine {
                state_label: i18n::text(i18n::DEFAULT_LANG, state_key(m.state)),
                invited: m.state == MemberState::Invited,
                member: m.state == MemberState::Member,
                membership: m,
            })
            .collect(),
    })
}
