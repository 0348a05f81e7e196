//! The programme's figures: what the member organisations did in a reporting period and
//! its quarters, counted from aggregates, and published with small numbers held back.
//!
//! Rules:
//! - A run, its places, enrolments, waiting list and completions count in the quarter its
//!   first day falls in; sessions held, attendance marks and interpreter hours in the
//!   quarter the session started in; certificates by the day they were issued; checks by
//!   the day they happened. So every count of people adds up over quarters and members,
//!   and the period is exactly the sum of its quarters.
//! - Counts of people (enrolled, waiting, completed, certificates, attendance marks,
//!   no-shows, places by language and by how people came) are published through
//!   [`suppression`]: 1 to 4 shows as "< 5", and further cells as "x" where a small one
//!   could otherwise be computed back. Counts of things (courses, runs, sessions, places
//!   offered, checks, interpreter hours) identify nobody and are shown as they are.
//! - A rate is shown only where both of its counts are shown.
//! - Languages and how people came are published for the whole programme only, never per
//!   member: per member they would be a second table over the same people.
//! - A member's coordinators see their own figures unsuppressed, exactly as they enter the
//!   programme's.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::repo;
use super::suppression::{self, Shown};
use crate::attendance::models::AttendanceStatus;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{CourseId, OrgId};
use crate::participants::models::EnrollmentStatus;
use crate::time;

/// A quarter of a reporting period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quarter {
    /// "2026-Q1"
    pub code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The quarters from the quarter of `from` to that of `to`.
pub fn quarters(from: NaiveDate, to: NaiveDate) -> Vec<Quarter> {
    let mut out = Vec::new();
    let (mut year, mut q) = (from.year(), crate::reports::filter::quarter_of(from));
    loop {
        let (first, last) = crate::reports::filter::quarter(year, q);
        if first > to {
            break;
        }
        out.push(Quarter { code: format!("{year}-Q{q}"), from: first, to: last });
        if q == 4 {
            year += 1;
            q = 1;
        } else {
            q += 1;
        }
    }
    out
}

/// Whether `day` is the first day of a quarter.
pub fn starts_a_quarter(day: NaiveDate) -> bool {
    day.day() == 1 && matches!(day.month(), 1 | 4 | 7 | 10)
}

/// Whether `day` is the last day of a quarter.
pub fn ends_a_quarter(day: NaiveDate) -> bool {
    day.succ_opt().is_some_and(starts_a_quarter)
}

/// How a person holding a place came to the training.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Referral {
    /// Registered by the organisation without a referrer.
    Self_,
    /// Registered by a social worker or volunteer with a "Vermittlung" account.
    ReferrerAccount,
    /// Registered by staff, naming who sent them (advice centre, volunteer …).
    ReferrerNamed,
}

impl Referral {
    pub const ALL: [Referral; 3] =
        [Referral::Self_, Referral::ReferrerAccount, Referral::ReferrerNamed];

    pub fn key(self) -> &'static str {
        match self {
            Referral::Self_ => "programmes.referral.self",
            Referral::ReferrerAccount => "programmes.referral.account",
            Referral::ReferrerNamed => "programmes.referral.named",
        }
    }
}

/// One organisation's counts in one quarter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counts {
    pub courses: BTreeSet<CourseId>,
    pub runs: u64,
    pub places_offered: u64,
    pub enrolled: u64,
    pub waiting: u64,
    pub completed: u64,
    pub certificates_issued: u64,
    pub certificate_checks: u64,
    pub sessions_held: u64,
    pub marks: u64,
    pub no_shows: u64,
    pub interpreter_minutes: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.courses.extend(other.courses.iter().copied());
        self.runs += other.runs;
        self.places_offered += other.places_offered;
        self.enrolled += other.enrolled;
        self.waiting += other.waiting;
        self.completed += other.completed;
        self.certificates_issued += other.certificates_issued;
        self.certificate_checks += other.certificate_checks;
        self.sessions_held += other.sessions_held;
        self.marks += other.marks;
        self.no_shows += other.no_shows;
        self.interpreter_minutes += other.interpreter_minutes;
    }
}

/// The counts of the organisations in each quarter, read in a fixed number of queries
/// whatever the number of organisations.
#[derive(Debug, Default)]
pub struct Collected {
    /// (organisation, quarter index) → counts
    pub cells: HashMap<(OrgId, usize), Counts>,
    /// (organisation, quarter index, language) → places
    pub languages: BTreeMap<(OrgId, usize, String), u64>,
    /// (organisation, quarter index, how they came) → places
    pub referrals: BTreeMap<(OrgId, usize, Referral), u64>,
    /// (organisation, quarter index, topic, stakeholder group) → respondents who chose it
    pub topics: BTreeMap<(OrgId, usize, String, String), u64>,
    /// The organisations sharing their figures in each quarter; none: all of them in all.
    pub sharing: Option<Vec<BTreeSet<OrgId>>>,
}

/// One quarter's counts as frozen for a programme: every member sharing its figures when
/// the quarter was first shown, and their counts (nothing about a person).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FrozenQuarter {
    pub members: Vec<OrgId>,
    pub cells: Vec<(OrgId, Counts)>,
    pub languages: Vec<(OrgId, String, u64)>,
    pub referrals: Vec<(OrgId, Referral, u64)>,
    pub topics: Vec<(OrgId, String, String, u64)>,
}

/// The one quarter `collected` holds (index 0) as it is frozen.
pub fn freeze(collected: &Collected, members: &[OrgId]) -> FrozenQuarter {
    let mut cells: Vec<(OrgId, Counts)> = collected
        .cells
        .iter()
        .filter(|((_, q), _)| *q == 0)
        .map(|((o, _), c)| (*o, c.clone()))
        .collect();
    cells.sort_by_key(|(o, _)| *o);
    FrozenQuarter {
        members: members.to_vec(),
        cells,
        languages: collected.languages.iter().map(|((o, _, l), n)| (*o, l.clone(), *n)).collect(),
        referrals: collected.referrals.iter().map(|((o, _, r), n)| (*o, *r, *n)).collect(),
        topics: collected
            .topics
            .iter()
            .map(|((o, _, t, g), n)| (*o, t.clone(), g.clone(), *n))
            .collect(),
    }
}

/// Frozen quarters (in order) as the counts of a period; the members are those of any.
pub fn thaw(quarters: &[FrozenQuarter]) -> Collected {
    let mut out = Collected { sharing: Some(Vec::new()), ..Collected::default() };
    for (q, f) in quarters.iter().enumerate() {
        for (o, c) in &f.cells {
            out.cells.insert((*o, q), c.clone());
        }
        for (o, l, n) in &f.languages {
            *out.languages.entry((*o, q, l.clone())).or_default() += n;
        }
        for (o, r, n) in &f.referrals {
            *out.referrals.entry((*o, q, *r)).or_default() += n;
        }
        for (o, t, g, n) in &f.topics {
            *out.topics.entry((*o, q, t.clone(), g.clone())).or_default() += n;
        }
        if let Some(s) = out.sharing.as_mut() {
            s.push(f.members.iter().copied().collect());
        }
    }
    out
}

/// The topics of the programme's Mietschulung (the starter set's modules): the pre-survey
/// asks each stakeholder group which of them matter most.
pub const MODULE_TOPICS: [&str; 5] = [
    "Mietvertrag und Wohnungssuche",
    "Rechte und Pflichten",
    "Heizen und Lüften",
    "Energie und Wasser sparen",
    "Mülltrennung und Hausordnung",
];

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Local midnight at the start of `day`, in UTC.
fn midnight(day: NaiveDate) -> AppResult<NaiveDateTime> {
    time::from_local("from", day.and_time(chrono::NaiveTime::MIN))
}

pub fn collect(
    conn: &mut DbConn, orgs: &[OrgId], quarters: &[Quarter], now: NaiveDateTime,
) -> AppResult<Collected> {
    let mut out = Collected::default();
    let (Some(first), Some(last)) = (quarters.first(), quarters.last()) else {
        return Ok(out);
    };
    if orgs.is_empty() {
        return Ok(out);
    }
    let (from, to) = (first.from, last.to);
    let since = midnight(from)?;
    let before = midnight(to.succ_opt().unwrap_or(to))?;
    let index = |day: NaiveDate| quarters.iter().position(|q| q.from <= day && day <= q.to);

    let runs = repo::runs_starting(conn, orgs, from, to)?;
    let mut run_cell = HashMap::new();
    for run in &runs {
        let Some(q) = index(run.start_date) else { continue };
        run_cell.insert(run.id, (run.organisation_id, q));
        let c = out.cells.entry((run.organisation_id, q)).or_default();
        c.courses.insert(run.course_id);
        c.runs += 1;
        c.places_offered += u64::try_from(run.capacity).unwrap_or(0);
    }
    for (run, status, n) in repo::enrolments_by_run(conn, orgs, from, to)? {
        let Some(key) = run_cell.get(&run) else { continue };
        let c = out.cells.entry(*key).or_default();
        match status {
            EnrollmentStatus::Enrolled => c.enrolled += count(n),
            EnrollmentStatus::Waiting => c.waiting += count(n),
            EnrollmentStatus::Cancelled => {}
        }
    }
    for (run, n) in repo::completions_by_run(conn, orgs, from, to)? {
        if let Some(key) = run_cell.get(&run) {
            out.cells.entry(*key).or_default().completed += count(n);
        }
    }
    for (run, language, n) in repo::places_by_language(conn, orgs, from, to)? {
        let Some((org, q)) = run_cell.get(&run) else { continue };
        *out.languages.entry((*org, *q, language)).or_default() += count(n);
        // Everyone holding a place came on their own unless a referrer is recorded.
        *out.referrals.entry((*org, *q, Referral::Self_)).or_default() += count(n);
    }
    for (how, by_account) in [(Referral::ReferrerAccount, true), (Referral::ReferrerNamed, false)] {
        for (run, n) in repo::places_referred(conn, orgs, from, to, by_account)? {
            let Some((org, q)) = run_cell.get(&run) else { continue };
            *out.referrals.entry((*org, *q, how)).or_default() += count(n);
            let own = out.referrals.entry((*org, *q, Referral::Self_)).or_default();
            *own = own.saturating_sub(count(n));
        }
    }
    for (org, issued_at) in repo::certificates_issued(conn, orgs, since, before)? {
        if let Some(q) = index(time::to_local(issued_at).date_naive()) {
            out.cells.entry((org, q)).or_default().certificates_issued += 1;
        }
    }
    for (org, day, n) in repo::checks_by_day(conn, orgs, from, to)? {
        if let Some(q) = index(day) {
            out.cells.entry((org, q)).or_default().certificate_checks += count(n.unwrap_or(0));
        }
    }
    let interpreters: HashMap<_, _> =
        repo::interpreters_by_session(conn, orgs, since, before, now)?.into_iter().collect();
    let mut session_cell = HashMap::new();
    for s in repo::sessions_held(conn, orgs, since, before, now)? {
        let Some(q) = index(time::to_local(s.starts_at).date_naive()) else { continue };
        session_cell.insert(s.id, (s.organisation_id, q));
        let c = out.cells.entry((s.organisation_id, q)).or_default();
        c.sessions_held += 1;
        let minutes = u64::try_from((s.ends_at - s.starts_at).num_minutes()).unwrap_or(0);
        c.interpreter_minutes += minutes * count(interpreters.get(&s.id).copied().unwrap_or(0));
    }
    for (session, status, n) in repo::marks_by_session(conn, orgs, since, before, now)? {
        let Some(key) = session_cell.get(&session) else { continue };
        let c = out.cells.entry(*key).or_default();
        c.marks += count(n);
        if status == AttendanceStatus::Absent {
            c.no_shows += count(n);
        }
    }
    let ranges: Vec<(NaiveDate, NaiveDate)> = quarters.iter().map(|q| (q.from, q.to)).collect();
    for org in orgs {
        let tallies = crate::surveys::results::topic_choices(conn, *org, &ranges, &MODULE_TOPICS)?;
        for (q, choices) in tallies.into_iter().enumerate() {
            for ((topic, group), n) in choices.chosen {
                *out.topics.entry((*org, q, topic, group)).or_default() += n as u64;
            }
        }
    }
    Ok(out)
}

/// A published count of people: the number, or held back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Figure {
    Count(u64),
    Withheld(Withheld),
}

/// Why a count is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum Withheld {
    /// 1 to 4 people.
    #[serde(rename = "< 5")]
    Small,
    /// Hidden so that no small count can be computed back from the others.
    #[serde(rename = "x")]
    Hidden,
}

impl From<Shown> for Figure {
    fn from(s: Shown) -> Figure {
        match s {
            Shown::Value(v) => Figure::Count(v),
            Shown::Small => Figure::Withheld(Withheld::Small),
            Shown::Hidden => Figure::Withheld(Withheld::Hidden),
        }
    }
}

impl Figure {
    pub fn count(self) -> Option<u64> {
        match self {
            Figure::Count(n) => Some(n),
            Figure::Withheld(_) => None,
        }
    }

    /// As a page, a CSV cell and the report print it.
    pub fn text(self) -> String {
        match self {
            Figure::Count(n) => {
                crate::reports::format::number(i64::try_from(n).unwrap_or(i64::MAX))
            }
            Figure::Withheld(Withheld::Small) => "< 5".into(),
            Figure::Withheld(Withheld::Hidden) => "x".into(),
        }
    }
}

/// The figures of one member (or the total) in one quarter (or the period).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cell {
    /// Courses with a run starting then.
    pub courses: u64,
    /// Runs starting then.
    pub runs: u64,
    pub sessions_held: u64,
    /// Places of those runs.
    pub places_offered: u64,
    /// People holding a place in those runs.
    pub enrolled: Figure,
    /// People on their waiting lists.
    pub waiting: Figure,
    /// People who completed them (valid certificates).
    pub completed: Figure,
    /// Completed of enrolled, percent with one decimal; only where both are shown.
    pub completion_rate: Option<f64>,
    pub certificates_issued: Figure,
    /// Checks of certificates by landlords and others.
    pub certificate_checks: u64,
    /// Attendance marks in sessions held (one per person and session).
    pub marks: Figure,
    /// Marks "absent" (not excused).
    pub no_shows: Figure,
    /// No-shows of marks, percent with one decimal; only where both are shown.
    pub no_show_rate: Option<f64>,
    /// Interpreter hours: each held session's length times its interpreted languages.
    pub interpreter_hours: f64,
}

/// A member's (or the total's) figures: each quarter and the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Row {
    /// The member's name; none for the total.
    pub organisation: Option<String>,
    /// Per quarter: whether the member shared its figures then (false: not a member or
    /// not sharing when the quarter was frozen; its figures there are 0).
    pub shared: Vec<bool>,
    pub quarters: Vec<Cell>,
    pub period: Cell,
}

/// A line of the programme-wide breakdown (languages, how people came).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Part {
    /// A language code (`ar`) or how people came (`self`, `referrer_account`,
    /// `referrer_named`).
    pub code: String,
    /// Its name in German.
    pub label: String,
    /// People holding a place in runs of the period.
    pub places: Figure,
}

/// The figures of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Figures {
    pub quarters: Vec<Quarter>,
    pub members: Vec<Row>,
    pub total: Row,
    /// Languages of people holding a place, for the whole programme; empty when held back
    /// as a whole (`breakdowns_withheld`).
    pub languages: Vec<Part>,
    /// How people holding a place came, for the whole programme.
    pub referrals: Vec<Part>,
    /// The breakdowns are held back because their total is (rare: tiny programmes).
    pub breakdowns_withheld: bool,
    /// From the members' pre-surveys: how many respondents of each stakeholder group
    /// chose each topic of the Mietschulung as most important.
    pub module_needs: Vec<Need>,
}

/// One topic of the Mietschulung and how many of each group chose it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Need {
    pub topic: String,
    pub groups: Vec<GroupNeed>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupNeed {
    /// `landlord`, `social_worker`, … `target_group`
    pub group: String,
    pub group_name: String,
    /// Respondents who chose the topic. Published without totals, so a count from 1 to 4
    /// held back cannot be worked out from the others.
    pub chosen: Figure,
}

/// A count of people with nothing published it adds up to: only small ones are held back.
fn alone(n: u64, how: Publish) -> Figure {
    match how {
        Publish::Protected if (1..suppression::THRESHOLD).contains(&n) => {
            Figure::Withheld(Withheld::Small)
        }
        _ => Figure::Count(n),
    }
}

fn needs(topics: &BTreeMap<(String, String), u64>, how: Publish) -> Vec<Need> {
    use crate::stakeholders::models::StakeholderGroup;
    let groups: Vec<StakeholderGroup> = StakeholderGroup::ALL
        .into_iter()
        .filter(|g| topics.keys().any(|(_, code)| code == g.code()))
        .collect();
    MODULE_TOPICS
        .iter()
        .map(|topic| Need {
            topic: (*topic).to_string(),
            groups: groups
                .iter()
                .map(|g| GroupNeed {
                    group: g.code().to_string(),
                    group_name: g.name(),
                    chosen: alone(
                        topics
                            .get(&((*topic).to_string(), g.code().to_string()))
                            .copied()
                            .unwrap_or(0),
                        how,
                    ),
                })
                .collect(),
        })
        .collect()
}

/// The counts of people, one grid (members × quarters) each.
const PERSONAL: usize = 6;

fn personal(c: &Counts) -> [u64; PERSONAL] {
    [c.enrolled, c.waiting, c.completed, c.certificates_issued, c.marks, c.no_shows]
}

fn rate(part: Figure, whole: Figure) -> Option<f64> {
    match (part.count(), whole.count()) {
        (Some(p), Some(w)) if w > 0 => Some(crate::reports::format::percent_value(
            crate::reports::format::tenths_of_percent(p, w),
        )),
        _ => None,
    }
}

fn cell(c: &Counts, shown: [Figure; PERSONAL]) -> Cell {
    let [enrolled, waiting, completed, certificates_issued, marks, no_shows] = shown;
    Cell {
        courses: c.courses.len() as u64,
        runs: c.runs,
        sessions_held: c.sessions_held,
        places_offered: c.places_offered,
        enrolled,
        waiting,
        completed,
        completion_rate: rate(completed, enrolled),
        certificates_issued,
        certificate_checks: c.certificate_checks,
        marks,
        no_shows,
        no_show_rate: rate(no_shows, marks),
        // Tenths of an hour: a funding report does not need minutes.
        interpreter_hours: (c.interpreter_minutes as f64 / 6.0).round() / 10.0,
    }
}

/// Whether the published figures hold small counts back (the programme's view) or show
/// everything (an organisation's view of its own figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publish {
    Protected,
    Own,
}

/// The figures of `members` (id, name) over `quarters`.
pub fn publish(
    collected: &Collected, members: &[(OrgId, String)], quarters: Vec<Quarter>, how: Publish,
) -> Figures {
    let qn = quarters.len();
    // counts[r][q]: member r in quarter q; the period and totals are sums of these.
    let counts: Vec<Vec<Counts>> = members
        .iter()
        .map(|(org, _)| {
            (0..qn).map(|q| collected.cells.get(&(*org, q)).cloned().unwrap_or_default()).collect()
        })
        .collect();
    let sum = |cells: &mut dyn Iterator<Item = &Counts>| {
        let mut total = Counts::default();
        for c in cells {
            total.add(c);
        }
        total
    };
    let member_period: Vec<Counts> = counts.iter().map(|row| sum(&mut row.iter())).collect();
    let total_quarters: Vec<Counts> =
        (0..qn).map(|q| sum(&mut counts.iter().map(|row| &row[q]))).collect();
    let grand = sum(&mut member_period.iter());

    // shown[m][r][c] with r = members.len() the total row and c = qn the period.
    let grids: Vec<Vec<Vec<Figure>>> = (0..PERSONAL)
        .map(|m| {
            let interior: Vec<Vec<u64>> =
                counts.iter().map(|row| row.iter().map(|c| personal(c)[m]).collect()).collect();
            match how {
                Publish::Own => full_grid(&interior),
                Publish::Protected if members.is_empty() || qn == 0 => full_grid(&interior),
                Publish::Protected => protected_grid(&interior),
            }
        })
        .collect();
    let shown =
        |r: usize, c: usize| -> [Figure; PERSONAL] { std::array::from_fn(|m| grids[m][r][c]) };
    let rows = members
        .iter()
        .enumerate()
        .map(|(r, (org, name))| Row {
            organisation: Some(name.clone()),
            shared: (0..qn)
                .map(|q| collected.sharing.as_ref().is_none_or(|s| s[q].contains(org)))
                .collect(),
            quarters: (0..qn).map(|q| cell(&counts[r][q], shown(r, q))).collect(),
            period: cell(&member_period[r], shown(r, qn)),
        })
        .collect();
    let mr = members.len();
    let total = Row {
        organisation: None,
        shared: vec![true; qn],
        quarters: (0..qn).map(|q| cell(&total_quarters[q], shown(mr, q))).collect(),
        period: cell(&grand, shown(mr, qn)),
    };

    let in_members = |org: &OrgId| members.iter().any(|(o, _)| o == org);
    let mut languages: BTreeMap<String, u64> = BTreeMap::new();
    for ((org, _, lang), n) in &collected.languages {
        if in_members(org) {
            *languages.entry(lang.clone()).or_default() += n;
        }
    }
    let mut referrals: BTreeMap<Referral, u64> = Referral::ALL.iter().map(|r| (*r, 0)).collect();
    for ((org, _, how), n) in &collected.referrals {
        if in_members(org) {
            *referrals.entry(*how).or_default() += n;
        }
    }
    let grand_enrolled = total.period.enrolled;
    let (languages, lang_ok) = breakdown(
        languages
            .into_iter()
            .map(|(code, n)| {
                let label = match crate::i18n::participant_language_name(&code) {
                    // An erased person's language is gone; the place still counts.
                    "" if code.is_empty() => {
                        crate::i18n::text(crate::i18n::DEFAULT_LANG, "programmes.no_language")
                    }
                    "" => code.clone(),
                    name => name.to_string(),
                };
                (code, label, n)
            })
            .collect(),
        grand_enrolled,
        how,
    );
    let (referrals, ref_ok) = breakdown(
        referrals
            .into_iter()
            .map(|(r, n)| {
                let code = serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                (code, crate::i18n::text(crate::i18n::DEFAULT_LANG, r.key()), n)
            })
            .collect(),
        grand_enrolled,
        how,
    );
    let withheld = !(lang_ok && ref_ok);
    let mut topics: BTreeMap<(String, String), u64> = BTreeMap::new();
    for ((org, _, topic, group), n) in &collected.topics {
        if in_members(org) {
            *topics.entry((topic.clone(), group.clone())).or_default() += n;
        }
    }
    let module_needs = needs(&topics, how);
    Figures {
        module_needs,
        quarters,
        members: rows,
        total,
        languages: if withheld { Vec::new() } else { languages },
        referrals: if withheld { Vec::new() } else { referrals },
        breakdowns_withheld: withheld,
    }
}

/// The grid of one count of people, held back. Where no choice of hidden cells can keep a
/// small count from being worked out from the whole grid (four members with one person
/// each and a total of four), the grid is published by its totals only: the members'
/// periods and the quarters' totals, two lines sharing the grand total; and where even
/// that gives one away, not at all. "x" then hides counts of any size: the legend promises
/// no more than that they cannot be worked out.
fn protected_grid(interior: &[Vec<u64>]) -> Vec<Vec<Figure>> {
    let grid = suppression::protect(interior);
    if grid.exposed.is_empty() {
        return grid
            .cells
            .into_iter()
            .map(|row| row.into_iter().map(Figure::from).collect())
            .collect();
    }
    let (rows, cols) = (interior.len(), interior.first().map_or(0, Vec::len));
    let hidden = Figure::Withheld(Withheld::Hidden);
    let mut out = vec![vec![hidden; cols + 1]; rows + 1];
    let periods: Vec<u64> = interior.iter().map(|r| r.iter().sum()).collect();
    let quarters: Vec<u64> = (0..cols).map(|c| interior.iter().map(|r| r[c]).sum()).collect();
    if suppression::line_exposed(&periods) || suppression::line_exposed(&quarters) {
        return out;
    }
    let (by_member, total_a) = suppression::protect_line(&periods);
    let (by_quarter, total_b) = suppression::protect_line(&quarters);
    for (r, shown) in by_member.into_iter().enumerate() {
        out[r][cols] = shown.into();
    }
    for (c, shown) in by_quarter.into_iter().enumerate() {
        out[rows][c] = shown.into();
    }
    // Hiding more never lets a hidden count be worked out: the grand total is shown only
    // where both lines show it.
    out[rows][cols] = if total_a == total_b { total_a.into() } else { hidden };
    out
}

fn full_grid(interior: &[Vec<u64>]) -> Vec<Vec<Figure>> {
    let cols = interior.first().map_or(0, Vec::len);
    let mut grid: Vec<Vec<Figure>> = interior
        .iter()
        .map(|row| {
            let mut r: Vec<Figure> = row.iter().map(|v| Figure::Count(*v)).collect();
            r.push(Figure::Count(row.iter().sum()));
            r
        })
        .collect();
    let mut total: Vec<Figure> =
        (0..cols).map(|c| Figure::Count(interior.iter().map(|r| r[c]).sum())).collect();
    total.push(Figure::Count(interior.iter().flatten().sum()));
    grid.push(total);
    grid
}

/// A programme-wide breakdown whose total is the enrolled grand total: published through
/// the line rule, and only when the line's total is published the same way as that grand
/// total (otherwise one of them would tell what the other holds back).
fn breakdown(parts: Vec<(String, String, u64)>, grand: Figure, how: Publish) -> (Vec<Part>, bool) {
    let values: Vec<u64> = parts.iter().map(|p| p.2).collect();
    let (shown, total): (Vec<Figure>, Figure) = match how {
        Publish::Own => (values.iter().map(|v| Figure::Count(*v)).collect(), grand),
        Publish::Protected if values.is_empty() => (Vec::new(), grand),
        Publish::Protected if suppression::line_exposed(&values) => return (Vec::new(), false),
        Publish::Protected => {
            let (parts, total) = suppression::protect_line(&values);
            (parts.into_iter().map(Figure::from).collect(), Figure::from(total))
        }
    };
    let lines = parts
        .into_iter()
        .zip(shown)
        .map(|((code, label, _), places)| Part { code, label, places })
        .collect();
    (lines, total == grand)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn shown(grid: &[Vec<Figure>]) -> Vec<Vec<String>> {
        grid.iter().map(|row| row.iter().map(|f| f.text()).collect()).collect()
    }

    #[test]
    fn a_grid_that_can_be_protected_is_published_as_protected() {
        let interior = vec![vec![7, 0], vec![3, 6]];
        let expected: Vec<Vec<Figure>> = suppression::protect(&interior)
            .cells
            .into_iter()
            .map(|row| row.into_iter().map(Figure::from).collect())
            .collect();
        assert_eq!(protected_grid(&interior), expected);
    }

    #[test]
    fn a_grid_of_ones_falls_back_to_its_totals() {
        // Hiding cells cannot save a 2 × 2 table of ones; its two lines of totals can be
        // published, each small count movable against the other.
        let grid = protected_grid(&[vec![1, 1], vec![1, 1]]);
        assert_eq!(
            shown(&grid),
            vec![vec!["x", "x", "< 5"], vec!["x", "x", "< 5"], vec!["< 5", "< 5", "< 5"]]
        );
    }

    #[test]
    fn four_members_with_one_person_each_publish_nothing_of_that_count() {
        let grid = protected_grid(&[vec![1], vec![1], vec![1], vec![1]]);
        assert!(grid.iter().flatten().all(|f| *f == Figure::Withheld(Withheld::Hidden)));
    }

    #[test]
    fn quarters_run_from_the_first_to_the_last_day() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let q = quarters(d("2025-10-01"), d("2026-12-31"));
        assert_eq!(q.len(), 5);
        assert_eq!(q[0].code, "2025-Q4");
        assert_eq!((q[4].from, q[4].to), (d("2026-10-01"), d("2026-12-31")));
        assert!(starts_a_quarter(d("2026-04-01")) && !starts_a_quarter(d("2026-04-02")));
        assert!(ends_a_quarter(d("2026-06-30")) && !ends_a_quarter(d("2026-06-29")));
    }

    fn table() -> impl Strategy<Value = Vec<Vec<u64>>> {
        (1usize..=4, 1usize..=4).prop_flat_map(|(r, c)| {
            prop::collection::vec(prop::collection::vec(prop_oneof![0..5u64, 0..20u64], c), r)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever the grid: a published count is the true one and never 1 to 4, "< 5"
        /// stands only for 1 to 4, and a grid that can be protected is published as
        /// `suppression` protects it (whose own property tests attack it).
        #[test]
        fn what_is_published_is_true(interior in table()) {
            let grid = protected_grid(&interior);
            let full = full_grid(&interior);
            let protected = suppression::protect(&interior);
            for (r, row) in grid.iter().enumerate() {
                for (c, f) in row.iter().enumerate() {
                    let truth = full[r][c].count().unwrap();
                    match f {
                        Figure::Count(n) => {
                            prop_assert_eq!(*n, truth);
                            prop_assert!(!(1..5).contains(n), "a small count shown: {interior:?}");
                        }
                        Figure::Withheld(Withheld::Small) => prop_assert!((1..5).contains(&truth)),
                        Figure::Withheld(Withheld::Hidden) => {}
                    }
                    if protected.exposed.is_empty() {
                        prop_assert_eq!(*f, Figure::from(protected.cells[r][c]));
                    }
                }
            }
        }
    }
}
