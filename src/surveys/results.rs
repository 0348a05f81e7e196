//! Results: counts and percentages per question and stakeholder group, averages for
//! scales and numbers, free-text answers, SVG charts, the "topic needs" ranking beside the
//! curriculum, and exports (raw answers and summary as CSV and XLSX).
//!
//! A group of an anonymous survey with fewer than [`ANONYMITY_THRESHOLD`] responses is
//! withheld everywhere, including the totals (otherwise total minus the other groups would
//! give its answers away) and the raw export.

use std::collections::BTreeMap;

use plotters::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::models::{Question, Survey, ANONYMITY_THRESHOLD};
use super::repo;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::reports::export::{Cell, Table};
use crate::stakeholders::models::group_name;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OptionCount {
    pub label: String,
    pub count: usize,
    /// Of the answers to this question in this group.
    pub percent: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupSummary {
    /// Group code, or `all` for the total over every group shown.
    pub group: String,
    pub group_name: String,
    /// Responses of the group to the survey.
    pub responses: usize,
    /// Answers to this question.
    pub answered: usize,
    /// Fewer than three responses in an anonymous survey: nothing shown.
    pub withheld: bool,
    pub options: Vec<OptionCount>,
    /// Mean for scales and numbers.
    pub average: Option<f64>,
    pub texts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionSummary {
    pub question_id: i32,
    pub text: String,
    pub kind: String,
    pub groups: Vec<GroupSummary>,
    /// Bar chart of the total (SVG), for choice, scale and rank questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart_svg: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicNeed {
    pub module_id: Option<i32>,
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SurveyResults {
    pub survey_id: i32,
    pub anonymous: bool,
    pub responses: usize,
    pub responses_by_group: BTreeMap<String, usize>,
    /// Groups withheld for anonymity (fewer than three responses).
    pub withheld_groups: Vec<String>,
    pub questions: Vec<QuestionSummary>,
    /// Present when the survey has a "rank these topics" question.
    pub topic_needs: Vec<TopicNeed>,
}

struct Response {
    group: String,
    language: String,
    day: chrono::NaiveDate,
    answers: BTreeMap<i32, Value>,
}

/// Questions, responses, and responses per group.
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
        .map(|(g, n)| (g, usize::try_from(n).unwrap_or(0)))
        .collect();
    Ok((questions, by_id.into_values().collect(), counts))
}

fn withheld(survey: &Survey, counts: &BTreeMap<String, usize>) -> Vec<String> {
    if !survey.anonymous {
        return Vec::new();
    }
    survey
        .audience_groups()
        .into_iter()
        .filter(|g| counts.get(g).copied().unwrap_or(0) < ANONYMITY_THRESHOLD)
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

fn summarise(
    q: &Question,
    group: &str,
    name: &str,
    responses: usize,
    answers: &[&Value],
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
    let n = answers.len();
    match q.kind.as_str() {
        "single" | "multiple" => {
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
            s.options = options
                .iter()
                .zip(counts)
                .map(|(o, c)| OptionCount {
                    label: o.label.clone(),
                    count: c,
                    percent: percent(c, n),
                })
                .collect();
        }
        "scale" => {
            let values: Vec<i64> = answers.iter().filter_map(|a| a.as_i64()).collect();
            s.options = (1..=5)
                .map(|v| {
                    let c = values.iter().filter(|x| **x == v).count();
                    let label = match (v, options.first(), options.get(1)) {
                        (1, Some(low), _) => format!("1 – {}", low.label),
                        (5, _, Some(high)) => format!("5 – {}", high.label),
                        _ => v.to_string(),
                    };
                    OptionCount {
                        label,
                        count: c,
                        percent: percent(c, values.len()),
                    }
                })
                .collect();
            s.average = (!values.is_empty()).then(|| {
                (values.iter().sum::<i64>() as f64 / values.len() as f64 * 100.0).round() / 100.0
            });
        }
        "number" => {
            let values: Vec<i64> = answers.iter().filter_map(|a| a.as_i64()).collect();
            s.average = (!values.is_empty()).then(|| {
                (values.iter().sum::<i64>() as f64 / values.len() as f64 * 100.0).round() / 100.0
            });
        }
        "text" => {
            s.texts = answers
                .iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect();
        }
        "rank" => {
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
            s.options = options
                .iter()
                .zip(&points)
                .map(|(o, p)| OptionCount {
                    label: o.label.clone(),
                    count: *p,
                    percent: score(*p, n, k),
                })
                .collect();
        }
        _ => {}
    }
    s
}

/// 0–100 from summed rank points of `n` answers over `k` topics.
fn score(points: usize, n: usize, k: usize) -> f64 {
    if n == 0 || k < 2 {
        return 0.0;
    }
    let mean = points as f64 / n as f64;
    ((mean - 1.0) / (k as f64 - 1.0) * 1000.0).round() / 10.0
}

pub fn results(conn: &mut DbConn, survey: &Survey, with_charts: bool) -> AppResult<SurveyResults> {
    let (questions, responses, counts) = load(conn, survey)?;
    let hidden = withheld(survey, &counts);
    let shown: Vec<&Response> = responses
        .iter()
        .filter(|r| !hidden.contains(&r.group))
        .collect();
    let groups = survey.audience_groups();
    let mut summaries = Vec::new();
    let mut topic_needs = Vec::new();
    for q in &questions {
        let mut per_group = Vec::new();
        let all: Vec<&Value> = shown.iter().filter_map(|r| r.answers.get(&q.id)).collect();
        let total_responses = shown.iter().filter(|r| q.visible_to(&r.group)).count();
        per_group.push(summarise(q, "all", "Alle Gruppen", total_responses, &all));
        for g in groups.iter().filter(|g| q.visible_to(g)) {
            let n = counts.get(g).copied().unwrap_or(0);
            if hidden.contains(g) {
                let mut s = summarise(q, g, group_name(g), n, &[]);
                s.withheld = true;
                s.options.clear();
                per_group.push(s);
                continue;
            }
            let answers: Vec<&Value> = shown
                .iter()
                .filter(|r| &r.group == g)
                .filter_map(|r| r.answers.get(&q.id))
                .collect();
            per_group.push(summarise(q, g, group_name(g), n, &answers));
        }
        let chart_svg =
            if with_charts && matches!(q.kind.as_str(), "single" | "multiple" | "scale" | "rank") {
                Some(bar_chart(&per_group[0].options, q.kind == "rank")?)
            } else {
                None
            };
        if q.kind == "rank" && topic_needs.is_empty() {
            topic_needs = topic_needs_of(q, &per_group);
        }
        summaries.push(QuestionSummary {
            question_id: q.id,
            text: q.text.clone(),
            kind: q.kind.clone(),
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
        questions: summaries,
        topic_needs,
    })
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
            .x_desc(if rank {
                "Wichtigkeit (0–100)"
            } else {
                "% der Antworten"
            })
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
    match (q.kind.as_str(), v) {
        ("single", v) => Cell::Text(label(v)),
        ("multiple", Value::Array(items)) => {
            Cell::Text(items.iter().map(label).collect::<Vec<_>>().join(" | "))
        }
        ("rank", Value::Array(items)) => Cell::Text(
            items
                .iter()
                .enumerate()
                .map(|(p, i)| format!("{}. {}", p + 1, label(i)))
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        ("scale" | "number", v) => v.as_f64().map_or(Cell::Empty, Cell::Number),
        (_, Value::String(s)) => Cell::Text(s.clone()),
        _ => Cell::Empty,
    }
}

/// Raw answers, one row per response (withheld groups left out).
pub fn raw_table(conn: &mut DbConn, survey: &Survey) -> AppResult<Table> {
    let (questions, responses, counts) = load(conn, survey)?;
    let hidden = withheld(survey, &counts);
    let mut headers = vec![
        "Nr.".to_string(),
        "Gruppe".into(),
        "Sprache".into(),
        "Datum".into(),
    ];
    headers.extend(questions.iter().map(|q| q.text.clone()));
    let rows = responses
        .iter()
        .filter(|r| !hidden.contains(&r.group))
        .enumerate()
        .map(|(i, r)| {
            let mut row = vec![
                Cell::Number((i + 1) as f64),
                Cell::Text(group_name(&r.group).to_string()),
                Cell::Text(r.language.clone()),
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
    Ok(Table {
        sheet: "Antworten".into(),
        headers,
        rows,
    })
}

/// The summary: per question, group and option the count and percentage (or the mean).
pub fn summary_table(conn: &mut DbConn, survey: &Survey) -> AppResult<Table> {
    let r = results(conn, survey, false)?;
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
                    Cell::Text("zurückgehalten (weniger als 3 Antworten, anonyme Umfrage)".into()),
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
    Ok(Table {
        sheet: "Zusammenfassung".into(),
        headers,
        rows,
    })
}
