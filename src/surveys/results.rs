//! Results: counts and percentages per question and stakeholder group, averages for
//! scales and numbers, free-text answers, SVG charts, the "topic needs" ranking beside the
//! curriculum, and exports (raw answers and summary as CSV and XLSX).
//!
//! A group of an anonymous survey with fewer than [`ANONYMITY_THRESHOLD`] (k = 5)
//! responses is withheld everywhere, its results and its count: totals are taken over the
//! groups shown only (otherwise total minus the other groups would give it away), and the
//! raw export leaves it out. In the raw export the language is named only where a group
//! has k responses in it, and the day is the survey's week. Pending answers (not yet
//! released in a batch) are mentioned, never counted.
//!
//! Once the raw answers are erased after the retention period ([`super::retention`]), the
//! figures kept then ([`keep_summary`]) are shown instead, with the day of erasure.

use std::collections::BTreeMap;

use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::models::{
    Question, QuestionKind, QuestionOption, StakeholderGroup, Survey, ANONYMITY_THRESHOLD,
};
use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::{ModuleId, QuestionId, SurveyId};
use crate::reports::export::{Cell, Table};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OptionCount {
    pub label: String,
    pub count: usize,
    /// Of the answers to this question in this group.
    pub percent: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupSummary {
    /// Group code, or `all` for the total over every group shown.
    pub group: String,
    pub group_name: String,
    /// Responses of the group to the survey (0 when withheld).
    pub responses: usize,
    /// Answers to this question.
    pub answered: usize,
    /// Fewer than five responses in an anonymous survey: nothing shown, not even how many.
    pub withheld: bool,
    pub options: Vec<OptionCount>,
    /// Mean for scales and numbers.
    pub average: Option<f64>,
    pub texts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuestionSummary {
    #[schema(value_type = i32)]
    pub question_id: QuestionId,
    pub text: String,
    pub kind: QuestionKind,
    pub groups: Vec<GroupSummary>,
    /// Bar chart of the total (SVG), for choice, scale and rank questions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_svg: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TopicNeed {
    #[schema(value_type = Option<i32>)]
    pub module_id: Option<ModuleId>,
    pub title: String,
    /// Place in the curriculum (1 = first module).
    pub curriculum_position: usize,
    /// 0–100: 100 when every respondent put the topic first.
    pub score: f64,
    /// Place by score (1 = most wanted).
    pub rank: usize,
    /// Score per group shown.
    pub by_group: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SurveyResults {
    #[schema(value_type = i32)]
    pub survey_id: SurveyId,
    pub anonymous: bool,
    /// Of an anonymous survey: the responses of the groups shown.
    pub responses: usize,
    /// Of an anonymous survey: the groups shown only.
    pub responses_by_group: BTreeMap<String, usize>,
    /// Groups withheld for anonymity (fewer than five responses).
    pub withheld_groups: Vec<StakeholderGroup>,
    /// Answers of an anonymous survey wait to be released in a batch (their number is not
    /// said: it would tell when someone answered).
    #[serde(default)]
    pub pending_release: bool,
    /// The raw answers were erased on this day; the figures are those kept then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_erased_on: Option<chrono::NaiveDate>,
    pub questions: Vec<QuestionSummary>,
    /// Present when the survey has a "rank these topics" question.
    pub topic_needs: Vec<TopicNeed>,
}

struct Response {
    group: StakeholderGroup,
    language: String,
    day: chrono::NaiveDate,
    answers: BTreeMap<QuestionId, Value>,
}

/// Questions, responses, and responses per group (by code).
type Loaded = (Vec<Question>, Vec<Response>, BTreeMap<String, usize>);

fn load(conn: &mut DbConn, survey: &Survey) -> AppResult<Loaded> {
    let questions = repo::questions(conn, survey.id)?;
    let mut by_id: BTreeMap<i32, Response> = BTreeMap::new();
    for (rid, group, language, day, qid, json) in repo::answers(conn, survey.id)? {
        let r = by_id.entry(rid).or_insert_with(|| Response {
            group,
            language,
            day,
            answers: BTreeMap::new(),
        });
        if let Ok(v) = serde_json::from_str(&json) {
            r.answers.insert(qid, v);
        }
    }
    let counts: BTreeMap<String, usize> = repo::responses_per_group(conn, survey.id)?
        .into_iter()
        .map(|(g, n)| (g.code().to_string(), usize::try_from(n).unwrap_or(0)))
        .collect();
    Ok((questions, by_id.into_values().collect(), counts))
}

/// The groups whose results are withheld: in an anonymous survey, those with fewer than
/// [`ANONYMITY_THRESHOLD`] responses (none at all included).
fn withheld(survey: &Survey, counts: &BTreeMap<String, usize>) -> Vec<StakeholderGroup> {
    if !survey.anonymous {
        return Vec::new();
    }
    survey
        .audience
        .iter()
        .copied()
        .filter(|g| counts.get(g.code()).copied().unwrap_or(0) < ANONYMITY_THRESHOLD)
        .collect()
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / of as f64).round() / 10.0
    }
}

/// Rank points: first of n gets n, last gets 1.
fn rank_points(order: &[Value], n: usize) -> Vec<(usize, usize)> {
    order
        .iter()
        .enumerate()
        .filter_map(|(place, v)| Some((usize::try_from(v.as_u64()?).ok()?, n - place)))
        .collect()
}

/// The answers of one group to one question: counts, average or texts by kind.
/// Results are in German: the pages', the charts', the exports' and the API's language.
fn word(key: &str) -> String {
    i18n::text(i18n::DEFAULT_LANG, key)
}

fn summarise(
    q: &Question, group: &str, name: &str, responses: usize, answers: &[&Value],
) -> GroupSummary {
    let options = q.options();
    let mut s = GroupSummary {
        group: group.to_string(),
        group_name: name.to_string(),
        responses,
        answered: answers.len(),
        withheld: false,
        options: Vec::new(),
        average: None,
        texts: Vec::new(),
    };
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            s.options = choice_counts(&options, answers)
        }
        QuestionKind::Scale => {
            let values = integers(answers);
            s.options = scale_counts(&options, &values);
            s.average = average(&values);
        }
        QuestionKind::Number => s.average = average(&integers(answers)),
        QuestionKind::Text => {
            s.texts = answers.iter().filter_map(|a| a.as_str().map(str::to_string)).collect();
        }
        QuestionKind::Rank => s.options = rank_scores(&options, answers),
    }
    s
}

fn integers(answers: &[&Value]) -> Vec<i64> {
    answers.iter().filter_map(|a| a.as_i64()).collect()
}

/// The mean to two decimals; none without values.
fn average(values: &[i64]) -> Option<f64> {
    (!values.is_empty())
        .then(|| (values.iter().sum::<i64>() as f64 / values.len() as f64 * 100.0).round() / 100.0)
}

/// How often each option was chosen, in percent of the answers.
fn choice_counts(options: &[QuestionOption], answers: &[&Value]) -> Vec<OptionCount> {
    let mut counts = vec![0usize; options.len()];
    for a in answers {
        let picked: Vec<u64> = match a {
            Value::Array(items) => items.iter().filter_map(Value::as_u64).collect(),
            v => v.as_u64().into_iter().collect(),
        };
        for i in picked {
            if let Some(c) = usize::try_from(i).ok().and_then(|i| counts.get_mut(i)) {
                *c += 1;
            }
        }
    }
    options
        .iter()
        .zip(counts)
        .map(|(o, c)| OptionCount {
            label: o.label.clone(),
            count: c,
            percent: percent(c, answers.len()),
        })
        .collect()
}

/// How often each of 1–5 was given; 1 and 5 carry their labels.
fn scale_counts(options: &[QuestionOption], values: &[i64]) -> Vec<OptionCount> {
    (1..=5)
        .map(|v| {
            let c = values.iter().filter(|x| **x == v).count();
            let label = match (v, options.first(), options.get(1)) {
                (1, Some(low), _) => format!("1 – {}", low.label),
                (5, _, Some(high)) => format!("5 – {}", high.label),
                _ => v.to_string(),
            };
            OptionCount { label, count: c, percent: percent(c, values.len()) }
        })
        .collect()
}

/// Summed rank points per topic (`count`) and their score 0–100 (`percent`).
fn rank_scores(options: &[QuestionOption], answers: &[&Value]) -> Vec<OptionCount> {
    let k = options.len();
    let mut points = vec![0usize; k];
    for a in answers {
        if let Value::Array(order) = a {
            for (i, p) in rank_points(order, k) {
                if let Some(slot) = points.get_mut(i) {
                    *slot += p;
                }
            }
        }
    }
    options
        .iter()
        .zip(&points)
        .map(|(o, p)| OptionCount {
            label: o.label.clone(),
            count: *p,
            percent: score(*p, answers.len(), k),
        })
        .collect()
}

/// 0–100 from summed rank points of `n` answers over `k` topics.
fn score(points: usize, n: usize, k: usize) -> f64 {
    if n == 0 || k < 2 {
        return 0.0;
    }
    let mean = points as f64 / n as f64;
    ((mean - 1.0) / (k as f64 - 1.0) * 1000.0).round() / 10.0
}

/// The results of a survey, for the API (without charts).
pub fn results(conn: &mut DbConn, actor: &Actor, survey_id: SurveyId) -> AppResult<SurveyResults> {
    let survey = service::get(conn, actor, survey_id)?;
    of_survey(conn, &survey, false)
}

/// The results page (`pages/surveys/results`): the results with charts.
#[derive(Debug, Serialize)]
pub struct ResultsPage {
    pub id: SurveyId,
    pub title: String,
    pub results: SurveyResults,
    /// The withheld groups, by name.
    pub withheld: String,
    /// The day the raw answers were erased, as shown.
    pub raw_erased_on: Option<String>,
}

pub fn results_page(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId,
) -> AppResult<ResultsPage> {
    let survey = service::get(conn, actor, survey_id)?;
    let results = of_survey(conn, &survey, true)?;
    let withheld: Vec<String> = results.withheld_groups.iter().map(|g| g.name()).collect();
    let raw_erased_on = results.raw_erased_on.map(crate::time::fmt_date);
    Ok(ResultsPage {
        id: survey_id,
        title: survey.title,
        withheld: withheld.join(", "),
        raw_erased_on,
        results,
    })
}

/// An export: the table and the file name (without extension).
pub struct Export {
    pub table: Table,
    pub name: String,
}

/// The raw answers (`raw`) or the summary as a table to download.
pub fn export(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, raw: bool,
) -> AppResult<Export> {
    let survey = service::get(conn, actor, survey_id)?;
    Ok(if raw {
        Export { table: raw_table(conn, &survey)?, name: format!("umfrage-{survey_id}-antworten") }
    } else {
        Export {
            table: summary_table(conn, &survey)?,
            name: format!("umfrage-{survey_id}-zusammenfassung"),
        }
    })
}

fn of_survey(conn: &mut DbConn, survey: &Survey, with_charts: bool) -> AppResult<SurveyResults> {
    let pending_release = survey.anonymous && repo::pending_count(conn, survey.id)? > 0;
    if let Some((json, erased_on)) = repo::summary(conn, survey.id)? {
        let mut kept: SurveyResults =
            serde_json::from_str(&json).map_err(|e| AppError::Internal(e.into()))?;
        kept.raw_erased_on = Some(erased_on);
        kept.pending_release = false;
        if with_charts {
            for q in kept.questions.iter_mut().filter(|q| q.kind.is_charted()) {
                if let Some(total) = q.groups.first() {
                    q.chart_svg = Some(bar_chart(&total.options, q.kind == QuestionKind::Rank)?);
                }
            }
        }
        return Ok(kept);
    }
    let (questions, responses, mut counts) = load(conn, survey)?;
    let hidden = withheld(survey, &counts);
    counts.retain(|g, _| !hidden.iter().any(|h| h.code() == g));
    let shown: Vec<&Response> = responses.iter().filter(|r| !hidden.contains(&r.group)).collect();
    let groups = &survey.audience;
    let mut summaries = Vec::new();
    let mut topic_needs = Vec::new();
    for q in &questions {
        let per_group = by_group(q, groups, &shown, &counts, &hidden);
        let chart_svg = if with_charts && q.kind.is_charted() {
            Some(bar_chart(&per_group[0].options, q.kind == QuestionKind::Rank)?)
        } else {
            None
        };
        if q.kind == QuestionKind::Rank && topic_needs.is_empty() {
            topic_needs = topic_needs_of(q, &per_group);
        }
        summaries.push(QuestionSummary {
            question_id: q.id,
            text: q.text.clone(),
            kind: q.kind,
            groups: per_group,
            chart_svg,
        });
    }
    Ok(SurveyResults {
        survey_id: survey.id,
        anonymous: survey.anonymous,
        responses: counts.values().sum(),
        responses_by_group: counts,
        withheld_groups: hidden,
        pending_release,
        raw_erased_on: None,
        questions: summaries,
        topic_needs,
    })
}

/// Keeps the figures of the survey's results (as shown, small groups withheld, without the
/// free texts) before its raw answers are erased; the results page shows them from then on.
pub fn keep_summary(
    conn: &mut DbConn, survey_id: SurveyId, erased_on: chrono::NaiveDate,
) -> AppResult<()> {
    let Some(survey) = repo::by_id(conn, survey_id)? else {
        return Ok(());
    };
    if repo::summary(conn, survey_id)?.is_some() {
        return Ok(());
    }
    let mut results = of_survey(conn, &survey, false)?;
    // Free texts are raw answers: they go with the rest.
    for g in results.questions.iter_mut().flat_map(|q| q.groups.iter_mut()) {
        g.texts.clear();
    }
    let json = serde_json::to_string(&results).map_err(|e| AppError::Internal(e.into()))?;
    repo::save_summary(conn, survey_id, &json, erased_on)
}

/// One question's summaries: first the total over the groups shown, then each group that
/// sees the question (a withheld one with nothing, not even its count).
fn by_group(
    q: &Question, groups: &[StakeholderGroup], shown: &[&Response],
    counts: &BTreeMap<String, usize>, hidden: &[StakeholderGroup],
) -> Vec<GroupSummary> {
    let all: Vec<&Value> = shown.iter().filter_map(|r| r.answers.get(&q.id)).collect();
    let total_responses = shown.iter().filter(|r| q.visible_to(r.group)).count();
    let mut per_group =
        vec![summarise(q, "all", &word("surveys.all_groups"), total_responses, &all)];
    for &g in groups.iter().filter(|g| q.visible_to(**g)) {
        let n = counts.get(g.code()).copied().unwrap_or(0);
        if hidden.contains(&g) {
            let mut s = summarise(q, g.code(), &g.name(), 0, &[]);
            s.withheld = true;
            s.options.clear();
            per_group.push(s);
            continue;
        }
        let answers: Vec<&Value> =
            shown.iter().filter(|r| r.group == g).filter_map(|r| r.answers.get(&q.id)).collect();
        per_group.push(summarise(q, g.code(), &g.name(), n, &answers));
    }
    per_group
}

fn topic_needs_of(q: &Question, per_group: &[GroupSummary]) -> Vec<TopicNeed> {
    let options = q.options();
    let mut needs: Vec<TopicNeed> = options
        .iter()
        .enumerate()
        .map(|(i, o)| TopicNeed {
            module_id: o.module_id,
            title: o.label.clone(),
            curriculum_position: i + 1,
            score: per_group[0].options.get(i).map_or(0.0, |c| c.percent),
            rank: 0,
            by_group: per_group[1..]
                .iter()
                .filter(|g| !g.withheld && g.answered > 0)
                .map(|g| (g.group.clone(), g.options.get(i).map_or(0.0, |c| c.percent)))
                .collect(),
        })
        .collect();
    let mut order: Vec<usize> = (0..needs.len()).collect();
    order.sort_by(|a, b| needs[*b].score.total_cmp(&needs[*a].score).then(a.cmp(b)));
    for (place, i) in order.iter().enumerate() {
        needs[*i].rank = place + 1;
    }
    needs.sort_by_key(|n| n.rank);
    needs
}

/// Horizontal bars: percent of answers (or rank score) per option.
fn bar_chart(options: &[OptionCount], rank: bool) -> AppResult<String> {
    crate::reports::chart::register_font();
    let err = |e: String| AppError::Internal(anyhow::anyhow!("chart: {e}"));
    let n = options.len().max(1);
    let height = 40 + 28 * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(220)
            .build_cartesian_2d(0f64..100f64, (0..n).into_segmented())
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                // The first option on top: segment n-1 is the first.
                SegmentValue::CenterOf(i) if *i < n => options
                    .get(n - 1 - i)
                    .map(|o| o.label.chars().take(32).collect())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc(word(if rank { "surveys.score" } else { "surveys.chart_share" }))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let blue = RGBColor(29, 112, 184);
        chart
            .draw_series(options.iter().enumerate().map(|(i, o)| {
                let y = n - 1 - i;
                Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(y)),
                        (o.percent.clamp(0.0, 100.0), SegmentValue::Exact(y + 1)),
                    ],
                    blue.filled(),
                )
            }))
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

fn readable(q: &Question, v: &Value) -> Cell {
    let options = q.options();
    let label = |i: &Value| {
        i.as_u64()
            .and_then(|i| options.get(usize::try_from(i).ok()?))
            .map(|o| o.label.clone())
            .unwrap_or_default()
    };
    match (q.kind, v) {
        (QuestionKind::Single, v) => Cell::Text(label(v)),
        (QuestionKind::Multiple, Value::Array(items)) => {
            Cell::Text(items.iter().map(label).collect::<Vec<_>>().join(" | "))
        }
        (QuestionKind::Rank, Value::Array(items)) => Cell::Text(
            items
                .iter()
                .enumerate()
                .map(|(p, i)| format!("{}. {}", p + 1, label(i)))
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        (QuestionKind::Scale | QuestionKind::Number, v) => {
            v.as_f64().map_or(Cell::Empty, Cell::Number)
        }
        (_, Value::String(s)) => Cell::Text(s.clone()),
        _ => Cell::Empty,
    }
}

/// Raw answers, one row per response (withheld groups left out). Of an anonymous survey the
/// language only where the group has k responses in it (otherwise "–"), and the day is the
/// survey's week anyway.
fn raw_table(conn: &mut DbConn, survey: &Survey) -> AppResult<Table> {
    let (questions, responses, counts) = load(conn, survey)?;
    let hidden = withheld(survey, &counts);
    let mut per_cell: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for r in &responses {
        *per_cell.entry((r.group.code(), r.language.as_str())).or_default() += 1;
    }
    let language = |r: &Response| {
        let n = per_cell.get(&(r.group.code(), r.language.as_str())).copied().unwrap_or(0);
        if survey.anonymous && n < ANONYMITY_THRESHOLD {
            "–".to_string()
        } else {
            r.language.clone()
        }
    };
    let mut headers = vec!["Nr.".to_string(), "Gruppe".into(), "Sprache".into(), "Datum".into()];
    headers.extend(questions.iter().map(|q| q.text.clone()));
    let rows = responses
        .iter()
        .filter(|r| !hidden.contains(&r.group))
        .enumerate()
        .map(|(i, r)| {
            let mut row = vec![
                Cell::Number((i + 1) as f64),
                Cell::Text(r.group.name().to_string()),
                Cell::Text(language(r)),
                Cell::Text(crate::time::fmt_date(r.day)),
            ];
            row.extend(
                questions
                    .iter()
                    .map(|q| r.answers.get(&q.id).map_or(Cell::Empty, |v| readable(q, v))),
            );
            row
        })
        .collect();
    Ok(Table { sheet: "Antworten".into(), headers, rows })
}

/// The summary: per question, group and option the count and percentage (or the mean).
fn summary_table(conn: &mut DbConn, survey: &Survey) -> AppResult<Table> {
    let r = of_survey(conn, survey, false)?;
    let headers = [
        "Frage",
        "Gruppe",
        "Antworten",
        "Antwortmöglichkeit",
        "Anzahl",
        "Prozent / Wichtigkeit",
        "Mittelwert",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let mut rows = Vec::new();
    for q in &r.questions {
        for g in &q.groups {
            if g.withheld {
                rows.push(vec![
                    Cell::Text(q.text.clone()),
                    Cell::Text(g.group_name.clone()),
                    Cell::Empty,
                    Cell::Text(word("surveys.export_withheld")),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                ]);
                continue;
            }
            if g.options.is_empty() {
                rows.push(vec![
                    Cell::Text(q.text.clone()),
                    Cell::Text(g.group_name.clone()),
                    Cell::Number(g.answered as f64),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    g.average.into(),
                ]);
            }
            for o in &g.options {
                rows.push(vec![
                    Cell::Text(q.text.clone()),
                    Cell::Text(g.group_name.clone()),
                    Cell::Number(g.answered as f64),
                    Cell::Text(o.label.clone()),
                    Cell::Number(o.count as f64),
                    Cell::Number(o.percent),
                    g.average.into(),
                ]);
            }
        }
    }
    Ok(Table { sheet: "Zusammenfassung".into(), headers, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::answers::tests::question;
    use serde_json::json;

    fn survey(anonymous: bool) -> Survey {
        Survey {
            id: crate::ids::SurveyId(1),
            organisation_id: crate::ids::OrgId(1),
            title: "Umfrage".into(),
            introduction: String::new(),
            opens_on: chrono::NaiveDate::default(),
            closes_on: chrono::NaiveDate::default(),
            audience: vec![
                StakeholderGroup::Landlord,
                StakeholderGroup::SocialWorker,
                StakeholderGroup::Vhs,
            ],
            anonymous,
            course_id: None,
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

    #[test]
    fn small_groups_of_an_anonymous_survey_are_withheld() {
        let counts: BTreeMap<String, usize> = [
            ("landlord".to_string(), ANONYMITY_THRESHOLD),
            ("social_worker".to_string(), ANONYMITY_THRESHOLD - 1),
        ]
        .into();
        assert_eq!(
            withheld(&survey(true), &counts),
            [StakeholderGroup::SocialWorker, StakeholderGroup::Vhs],
            "fewer than the threshold, none at all included"
        );
        assert!(withheld(&survey(false), &counts).is_empty());
        assert!(withheld(&survey(false), &BTreeMap::new()).is_empty());
    }

    proptest::proptest! {
        /// A group is shown exactly when it has reached the threshold (or the survey is
        /// not anonymous).
        #[test]
        fn a_group_is_shown_from_the_threshold_on(
            anonymous: bool,
            n in proptest::array::uniform3(0usize..6),
        ) {
            let s = survey(anonymous);
            let counts: BTreeMap<String, usize> =
                s.audience.iter().map(|g| g.code().to_string()).zip(n).collect();
            let hidden = withheld(&s, &counts);
            for (g, n) in &counts {
                let shown = !anonymous || *n >= ANONYMITY_THRESHOLD;
                proptest::prop_assert_eq!(!hidden.iter().any(|h| h.code() == g), shown);
            }
        }
    }

    proptest::proptest! {
        /// The number of responses said anywhere of an anonymous survey is exactly the sum
        /// of the groups shown: total minus the groups shown never reveals a withheld one.
        #[test]
        fn no_count_is_the_complement_of_a_withheld_group(
            n in proptest::array::uniform3(0i64..12),
        ) {
            let s = survey(true);
            let per_group: Vec<(StakeholderGroup, i64)> =
                s.audience.iter().copied().zip(n).collect();
            let counts: BTreeMap<String, usize> = per_group
                .iter()
                .map(|(g, n)| (g.code().to_string(), usize::try_from(*n).unwrap()))
                .collect();
            let hidden = withheld(&s, &counts);
            let shown: i64 =
                per_group.iter().filter(|(g, _)| !hidden.contains(g)).map(|(_, n)| n).sum();
            proptest::prop_assert_eq!(
                super::super::models::responses_shown(true, &per_group),
                shown
            );
        }
    }

    #[test]
    fn choices_are_counted_in_percent_of_the_answers() {
        let q = question(1, QuestionKind::Multiple, 3);
        let (a, b, c) = (json!([0, 2]), json!([2]), json!([7]));
        let s = summarise(&q, "vhs", "VHS", 4, &[&a, &b, &c]);
        let counts: Vec<(usize, f64)> = s.options.iter().map(|o| (o.count, o.percent)).collect();
        assert_eq!(counts, [(1, 33.3), (0, 0.0), (2, 66.7)]);
        assert_eq!((s.responses, s.answered), (4, 3));
        let none = summarise(&q, "vhs", "VHS", 0, &[]);
        assert!(none.options.iter().all(|o| o.percent == 0.0));
    }

    #[test]
    fn scales_and_numbers_have_an_average() {
        let mut q = question(1, QuestionKind::Scale, 2);
        let (a, b, c) = (json!(1), json!(2), json!(2));
        let s = summarise(&q, "all", "Alle", 3, &[&a, &b, &c]);
        assert_eq!(s.average, Some(1.67));
        assert_eq!(s.options[0].label, "1 – Option 0");
        assert_eq!(s.options[4].label, "5 – Option 1");
        assert_eq!((s.options[1].count, s.options[1].percent), (2, 66.7));
        q.kind = QuestionKind::Number;
        let s = summarise(&q, "all", "Alle", 3, &[&a, &b, &c]);
        assert!(s.options.is_empty());
        assert_eq!(s.average, Some(1.67));
        q.kind = QuestionKind::Text;
        let t = json!("mehr Beispiele");
        let s = summarise(&q, "all", "Alle", 1, &[&t]);
        assert_eq!((s.texts.as_slice(), s.average), (&["mehr Beispiele".to_string()][..], None));
    }

    #[test]
    fn a_topic_everyone_puts_first_scores_100() {
        let q = question(1, QuestionKind::Rank, 3);
        let (a, b) = (json!([2, 0, 1]), json!([2, 1, 0]));
        let s = summarise(&q, "all", "Alle", 2, &[&a, &b]);
        let scores: Vec<f64> = s.options.iter().map(|o| o.percent).collect();
        assert_eq!(scores, [25.0, 25.0, 100.0]);
        assert_eq!(score(0, 0, 3), 0.0);
        assert_eq!(score(2, 2, 1), 0.0, "one topic cannot be ranked");
        let needs = topic_needs_of(&q, &[s]);
        let order: Vec<(&str, usize)> = needs.iter().map(|n| (n.title.as_str(), n.rank)).collect();
        assert_eq!(order, [("Option 2", 1), ("Option 0", 2), ("Option 1", 3)]);
    }
}

/// How many respondents of each group chose each topic, over an organisation's surveys.
#[derive(Debug, Clone, Default)]
pub struct TopicChoices {
    /// Group code → respondents who answered a topics question.
    pub respondents: BTreeMap<String, usize>,
    /// (topic, group code) → respondents who chose the topic.
    pub chosen: BTreeMap<(String, String), usize>,
}

/// For a state programme's figures: the answers to the questions that offer exactly
/// `topics` as choices (the programme's pre-survey asks which topics matter most), in the
/// organisation's surveys, one tally per range of days (first, last) in which a survey
/// opened. The surveys are listed once. Only counts leave; groups an anonymous survey
/// withholds (fewer than five) stay withheld.
pub fn topic_choices(
    conn: &mut DbConn, org: crate::ids::OrgId, ranges: &[(chrono::NaiveDate, chrono::NaiveDate)],
    topics: &[&str],
) -> AppResult<Vec<TopicChoices>> {
    let mut tallies = vec![TopicChoices::default(); ranges.len()];
    let mut wanted: Vec<&str> = topics.to_vec();
    wanted.sort_unstable();
    for survey in repo::list(conn, org)? {
        let Some(at) =
            ranges.iter().position(|(from, to)| *from <= survey.opens_on && survey.opens_on <= *to)
        else {
            continue;
        };
        let out = &mut tallies[at];
        let results = of_survey(conn, &survey, false)?;
        for q in &results.questions {
            if !matches!(q.kind, QuestionKind::Multiple | QuestionKind::Single) {
                continue;
            }
            let Some(all) = q.groups.first() else { continue };
            let mut labels: Vec<&str> = all.options.iter().map(|o| o.label.as_str()).collect();
            labels.sort_unstable();
            if labels != wanted {
                continue;
            }
            for g in q.groups.iter().filter(|g| g.group != "all" && !g.withheld) {
                *out.respondents.entry(g.group.clone()).or_default() += g.answered;
                for o in &g.options {
                    *out.chosen.entry((o.label.clone(), g.group.clone())).or_default() += o.count;
                }
            }
        }
    }
    Ok(tallies)
}
