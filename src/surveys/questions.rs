//! The coordinator writes a survey's questions: adding, changing, deleting, reordering,
//! and the page to edit one.
//!
//! Rules (pure, in [`question_form`] and [`changes_meaning`]): a question has a known kind
//! and a text; choices have 2–30 options, a scale at most the labels of 1 and 5, "rank these
//! topics" lists the modules of the survey's course (at least two); only numbers have a
//! smallest and largest value, only texts a length limit. Once a question has answers its
//! kind, options, groups and limits stay as they are (a text limit may grow), so given
//! answers keep their meaning; such a question cannot be deleted either.

use serde::Serialize;

use super::models::*;
use super::repo;
use super::service::{self, check_groups};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{CourseId, OrgId, QuestionId, SurveyId};
use crate::validate;

/// The topics a "rank these topics" question lists: the modules of the course.
fn course_topics(
    conn: &mut DbConn, org: OrgId, course: CourseId,
) -> AppResult<Vec<QuestionOption>> {
    Ok(crate::planning::service::modules_of(conn, org, course)?
        .into_iter()
        .map(|m| QuestionOption { label: m.title, module_id: Some(m.id) })
        .collect())
}

fn check_question(
    conn: &mut DbConn, org: OrgId, survey: &Survey, input: &NewQuestion,
) -> AppResult<QuestionForm> {
    let kind = parse_kind(&input.kind)?;
    let topics = match (kind, survey.course_id) {
        (QuestionKind::Rank, Some(course)) => Some(course_topics(conn, org, course)?),
        _ => None,
    };
    question_form(kind, input, &survey.audience, topics.as_deref())
}

fn parse_kind(code: &str) -> AppResult<QuestionKind> {
    QuestionKind::from_entered(code)
        .ok_or_else(|| AppError::invalid("kind", Text::key("error.surveys.question_kind")))
}

/// A question as entered, checked: `audience` are the survey's groups, `topics` the
/// modules of its course (`None`: the survey has no course).
pub fn question_form(
    kind: QuestionKind, input: &NewQuestion, audience: &[StakeholderGroup],
    topics: Option<&[QuestionOption]>,
) -> AppResult<QuestionForm> {
    let text = validate::required_text("text", "label.question", &input.text, 500)?;
    let help =
        validate::optional_text("help", "label.help", Some(&input.help), 1000)?.unwrap_or_default();
    let groups = check_groups("groups", &input.groups, Some(audience))?;
    let options = options_of(kind, &input.options, topics)?;
    let (min_value, max_value) = number_limits(kind, input.min_value, input.max_value)?;
    let max_length = text_limit(kind, input.max_length)?;
    Ok(QuestionForm {
        kind,
        text,
        help,
        required: input.required,
        groups,
        options_json: serde_json::to_string(&options).map_err(|e| AppError::Internal(e.into()))?,
        min_value,
        max_value,
        max_length,
    })
}

fn labelled(labels: &[String]) -> Vec<QuestionOption> {
    labels.iter().map(|l| QuestionOption { label: l.clone(), module_id: None }).collect()
}

fn options_of(
    kind: QuestionKind, entered: &[String], topics: Option<&[QuestionOption]>,
) -> AppResult<Vec<QuestionOption>> {
    let labels: Vec<String> =
        entered.iter().map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect();
    match kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            if labels.len() < 2 {
                return Err(AppError::invalid("options", Text::key("error.surveys.two_options")));
            }
            if labels.len() > 30 {
                return Err(AppError::invalid("options", Text::key("error.surveys.many_options")));
            }
            for l in &labels {
                validate::required_text("options", "label.option", l, 200)?;
            }
            Ok(labelled(&labels))
        }
        QuestionKind::Scale if labels.len() > 2 => {
            Err(AppError::invalid("options", Text::key("error.surveys.scale_labels")))
        }
        QuestionKind::Scale => Ok(labelled(&labels)),
        QuestionKind::Rank => {
            let topics = topics.ok_or_else(|| {
                AppError::invalid("kind", Text::key("error.surveys.rank_needs_course"))
            })?;
            if topics.len() < 2 {
                return Err(AppError::invalid("kind", Text::key("error.surveys.rank_two_modules")));
            }
            Ok(topics.to_vec())
        }
        QuestionKind::Text | QuestionKind::Number => Ok(Vec::new()),
    }
}

fn number_limits(
    kind: QuestionKind, min: Option<i32>, max: Option<i32>,
) -> AppResult<(Option<i32>, Option<i32>)> {
    if kind != QuestionKind::Number {
        return Ok((None, None));
    }
    if let (Some(a), Some(b)) = (min, max) {
        if b < a {
            return Err(AppError::invalid("max_value", Text::key("error.surveys.max_below_min")));
        }
    }
    Ok((min, max))
}

fn text_limit(kind: QuestionKind, max_length: Option<i32>) -> AppResult<Option<i32>> {
    if kind != QuestionKind::Text {
        return Ok(None);
    }
    Ok(Some(validate::check_range(
        "max_length",
        "label.max_length",
        max_length.unwrap_or(MAX_TEXT_CHARS),
        1,
        MAX_TEXT_CHARS,
    )?))
}

/// Whether changing an answered question to `new` would make its answers mean something
/// else: anything but wording, help, "required" and a longer text limit.
pub fn changes_meaning(old: &Question, new: &QuestionForm) -> bool {
    new.kind != old.kind
        || new.options_json != old.options_json
        || new.groups != old.groups
        || new.min_value != old.min_value
        || new.max_value != old.max_value
        || new.max_length.is_some_and(|m| old.max_length.is_some_and(|o| m < o))
}

fn find_question(conn: &mut DbConn, survey_id: SurveyId, id: QuestionId) -> AppResult<Question> {
    repo::question(conn, survey_id, id)?.ok_or_else(|| AppError::not_found("thing.question"))
}

fn is_answered(conn: &mut DbConn, survey_id: SurveyId, id: QuestionId) -> AppResult<bool> {
    Ok(repo::answered_question_ids(conn, survey_id)?.contains(&id))
}

/// Adds a question at the end.
pub fn add(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, input: &NewQuestion,
) -> AppResult<Question> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let survey = service::locked(conn, org, survey_id)?;
        let form = check_question(conn, org, &survey, input)?;
        let position =
            repo::questions(conn, survey_id)?.iter().map(|q| q.position).max().unwrap_or(0) + 1;
        let id = repo::insert_question(conn, org, survey_id, position, &form)?;
        audit(conn, org, actor, "survey.question_add", survey_id)?;
        find_question(conn, survey_id, id)
    })
}

/// Changes a question. Once it has answers only its wording and help text (and whether it
/// is required) may change: anything else would make given answers mean something else.
pub fn update(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, question_id: QuestionId,
    input: &NewQuestion,
) -> AppResult<Question> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let survey = service::locked(conn, org, survey_id)?;
        let old = find_question(conn, survey_id, question_id)?;
        let form = check_question(conn, org, &survey, input)?;
        if is_answered(conn, survey_id, question_id)? && changes_meaning(&old, &form) {
            return Err(AppError::conflict("error.surveys.question_answered"));
        }
        repo::update_question(conn, org, question_id, &form)?;
        audit(conn, org, actor, "survey.question_update", survey_id)?;
        find_question(conn, survey_id, question_id)
    })
}

pub fn delete(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, question_id: QuestionId,
) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        service::find(conn, org, survey_id)?;
        find_question(conn, survey_id, question_id)?;
        if is_answered(conn, survey_id, question_id)? {
            return Err(AppError::conflict("error.surveys.question_answered_delete"));
        }
        repo::delete_question(conn, question_id)?;
        audit(conn, org, actor, "survey.question_delete", survey_id)
    })
}

/// Moves a question one place up (the order answers were given in does not matter to them).
pub fn move_up(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, question_id: QuestionId,
) -> AppResult<()> {
    shift(conn, actor, survey_id, question_id, -1)
}

/// Moves a question one place down.
pub fn move_down(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, question_id: QuestionId,
) -> AppResult<()> {
    shift(conn, actor, survey_id, question_id, 1)
}

/// Where a question at `at` of `n` ends up when moved by `by` (it stays at either end).
pub fn shifted(at: usize, n: usize, by: isize) -> usize {
    at.saturating_add_signed(by).min(n.saturating_sub(1))
}

fn shift(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, question_id: QuestionId, by: isize,
) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        service::locked(conn, org, survey_id)?;
        let questions = repo::questions(conn, survey_id)?;
        let at = questions
            .iter()
            .position(|q| q.id == question_id)
            .ok_or_else(|| AppError::not_found("thing.question"))?;
        let to = shifted(at, questions.len(), by);
        if to == at {
            return Ok(());
        }
        // Positions are renumbered 1..n on the way, so gaps and ties from copies vanish.
        let mut order: Vec<QuestionId> = questions.iter().map(|q| q.id).collect();
        order.swap(at, to);
        for (i, id) in order.iter().enumerate() {
            repo::set_position(conn, *id, i32::try_from(i).unwrap_or(i32::MAX) + 1)?;
        }
        audit(conn, org, actor, "survey.question_move", survey_id)
    })
}

fn audit(
    conn: &mut DbConn, org: OrgId, actor: &Actor, action: &'static str, survey_id: SurveyId,
) -> AppResult<()> {
    crate::audit::Entry::new(Some(org), Some(actor.user_id), action)
        .on("survey", Some(survey_id.into()))
        .record(conn)
}

/// A kind in the kind choices of the survey page and the question page.
#[derive(Debug, Serialize)]
pub struct KindChoice {
    pub code: &'static str,
    pub name: String,
    /// What the kind asks for, in a sentence.
    pub hint: String,
    pub selected: bool,
}

pub fn kind_choices(selected: &str) -> Vec<KindChoice> {
    QuestionKind::ALL
        .into_iter()
        .map(|k| KindChoice {
            code: k.code(),
            name: k.name(),
            hint: crate::i18n::text(crate::i18n::DEFAULT_LANG, kind_hint(k)),
            selected: k.code() == selected,
        })
        .collect()
}

fn kind_hint(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => "svy.kind_hint.single",
        QuestionKind::Multiple => "svy.kind_hint.multiple",
        QuestionKind::Scale => "svy.kind_hint.scale",
        QuestionKind::Text => "svy.kind_hint.text",
        QuestionKind::Number => "svy.kind_hint.number",
        QuestionKind::Rank => "svy.kind_hint.rank",
    }
}

/// A group of the survey's audience, ticked where the question is limited to it.
#[derive(Debug, Serialize)]
pub struct GroupChoice {
    pub code: String,
    pub name: String,
    pub checked: bool,
}

pub fn group_choices(audience: &[StakeholderGroup], checked: &[String]) -> Vec<GroupChoice> {
    audience
        .iter()
        .map(|g| GroupChoice {
            code: g.code().to_string(),
            name: g.name(),
            checked: checked.iter().any(|c| c == g.code()),
        })
        .collect()
}

/// What the question form holds, as typed (numbers too, so nothing typed is lost when the
/// form comes back with a message).
#[derive(Debug, Clone, Default, Serialize)]
pub struct QuestionFields {
    pub kind: String,
    pub text: String,
    pub help: String,
    pub required: bool,
    pub groups: Vec<String>,
    /// One option per line (single and multiple choice).
    pub options: String,
    /// The labels of 1 and 5 of a scale.
    pub scale_low: String,
    pub scale_high: String,
    pub min_value: String,
    pub max_value: String,
    pub max_length: String,
}

fn number(n: Option<i32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

impl QuestionFields {
    /// A question as entered through the API or stored, as the form shows it.
    pub fn of(input: &NewQuestion) -> QuestionFields {
        let scale = input.kind.trim().eq_ignore_ascii_case("scale");
        let label = |i: usize| if scale { input.options.get(i).cloned() } else { None };
        QuestionFields {
            kind: input.kind.trim().to_lowercase(),
            text: input.text.clone(),
            help: input.help.clone(),
            required: input.required,
            groups: input.groups.clone(),
            options: if scale { String::new() } else { input.options.join("\n") },
            scale_low: label(0).unwrap_or_default(),
            scale_high: label(1).unwrap_or_default(),
            min_value: number(input.min_value),
            max_value: number(input.max_value),
            max_length: number(input.max_length),
        }
    }
}

/// The question form (`pages/surveys/question`): only the fields its kind needs; a new
/// question chooses its kind first (the same page without a kind).
#[derive(Debug, Serialize)]
pub struct QuestionPage {
    pub id: SurveyId,
    pub survey_title: String,
    /// `None`: a new question.
    pub qid: Option<QuestionId>,
    /// Where the form posts.
    pub action: String,
    /// No kind chosen yet: the page offers the kinds.
    pub choosing: bool,
    pub kind_name: String,
    pub is_choice: bool,
    pub is_scale: bool,
    pub is_text: bool,
    pub is_number: bool,
    pub is_rank: bool,
    /// The topics a ranking lists (the course's modules), or why it cannot be asked.
    pub topics: Vec<String>,
    pub rank_blocked: Option<String>,
    /// Answers exist: only the wording may change (the kind neither).
    pub answered: bool,
    pub form: QuestionFields,
    pub kinds: Vec<KindChoice>,
    pub audience: Vec<GroupChoice>,
}

fn question_page(
    conn: &mut DbConn, org: OrgId, survey: &Survey, qid: Option<QuestionId>, form: QuestionFields,
    answered: bool,
) -> AppResult<QuestionPage> {
    let kind = QuestionKind::from_entered(&form.kind);
    let (mut topics, mut rank_blocked) = (Vec::new(), None);
    if kind == Some(QuestionKind::Rank) {
        match survey.course_id {
            Some(course) => {
                topics = course_topics(conn, org, course)?.into_iter().map(|o| o.label).collect()
            }
            None => rank_blocked = Some(Text::key("error.surveys.rank_needs_course")),
        }
        if rank_blocked.is_none() && topics.len() < 2 {
            rank_blocked = Some(Text::key("error.surveys.rank_two_modules"));
        }
    }
    let action = match qid {
        Some(q) => format!("/surveys/{}/questions/{q}", survey.id),
        None => format!("/surveys/{}/questions", survey.id),
    };
    Ok(QuestionPage {
        id: survey.id,
        survey_title: survey.title.clone(),
        qid,
        action,
        choosing: kind.is_none(),
        kind_name: kind.map(QuestionKind::name).unwrap_or_default(),
        is_choice: matches!(kind, Some(QuestionKind::Single | QuestionKind::Multiple)),
        is_scale: kind == Some(QuestionKind::Scale),
        is_text: kind == Some(QuestionKind::Text),
        is_number: kind == Some(QuestionKind::Number),
        is_rank: kind == Some(QuestionKind::Rank),
        topics,
        rank_blocked: rank_blocked.map(|t| t.render(crate::i18n::DEFAULT_LANG)),
        answered,
        kinds: kind_choices(&form.kind),
        audience: group_choices(&survey.audience, &form.groups),
        form,
    })
}

/// The form for a new question: the kinds to choose from, or (with `kind`) the fields of
/// that kind, filled with `typed` when the form comes back after a refusal.
pub fn new_page(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, typed: QuestionFields,
) -> AppResult<QuestionPage> {
    let org = actor.coordinator_org()?;
    let survey = service::find(conn, org, survey_id)?;
    question_page(conn, org, &survey, None, typed, false)
}

/// The question as stored, to edit; `kind` (not for an answered question) shows the
/// fields of another kind instead, keeping the wording.
pub fn edit_page(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, question_id: QuestionId,
    kind: Option<&str>,
) -> AppResult<QuestionEditPage> {
    let org = actor.coordinator_org()?;
    let survey = service::find(conn, org, survey_id)?;
    let q = find_question(conn, survey_id, question_id)?;
    let answered = is_answered(conn, survey_id, question_id)?;
    let input = NewQuestion {
        kind: q.kind.code().to_string(),
        text: q.text.clone(),
        help: q.help.clone(),
        required: q.required,
        groups: q.groups.iter().map(|g| g.code().to_string()).collect(),
        // A ranking's options are the course's modules, not typed in.
        options: if q.kind == QuestionKind::Rank {
            Vec::new()
        } else {
            q.options().into_iter().map(|o| o.label).collect()
        },
        min_value: q.min_value,
        max_value: q.max_value,
        max_length: q.max_length,
    };
    let mut form = QuestionFields::of(&input);
    // Another kind (or, empty, the choice of kinds) for a question nobody answered yet.
    if let Some(other) = kind.filter(|_| !answered) {
        form.kind =
            QuestionKind::from_entered(other).map(|k| k.code().to_string()).unwrap_or_default();
    }
    question_page(conn, org, &survey, Some(question_id), form, answered)
}

/// The edit page again with what was typed, after the change was refused.
pub fn edit_page_again(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, question_id: QuestionId,
    typed: QuestionFields,
) -> AppResult<QuestionEditPage> {
    let org = actor.coordinator_org()?;
    let survey = service::find(conn, org, survey_id)?;
    find_question(conn, survey_id, question_id)?;
    let answered = is_answered(conn, survey_id, question_id)?;
    question_page(conn, org, &survey, Some(question_id), typed, answered)
}

/// The page to edit a question is the question form.
pub type QuestionEditPage = QuestionPage;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::answers::tests::question;

    fn entered(kind: &str, options: &[&str]) -> NewQuestion {
        NewQuestion {
            kind: kind.into(),
            text: "Wie oft?".into(),
            options: options.iter().map(|o| o.to_string()).collect(),
            ..Default::default()
        }
    }

    fn topics(n: i32) -> Vec<QuestionOption> {
        (1..=n)
            .map(|i| QuestionOption {
                label: format!("Modul {i}"),
                module_id: Some(crate::ids::ModuleId(i)),
            })
            .collect()
    }

    #[test]
    fn kinds_are_read_as_entered_and_unknown_ones_refused() {
        assert_eq!(parse_kind(" Single ").unwrap(), QuestionKind::Single);
        assert_eq!(parse_kind("rank").unwrap(), QuestionKind::Rank);
        assert_eq!(parse_kind("essay").unwrap_err().field(), Some("kind"));
        for kind in QuestionKind::ALL {
            assert_eq!(kind.code().parse::<QuestionKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.code());
        }
        assert!("Single".parse::<QuestionKind>().is_err());
    }

    #[test]
    fn questions_as_entered_are_checked_per_kind() {
        use QuestionKind::*;
        let audience = [StakeholderGroup::Landlord, StakeholderGroup::Vhs];
        let five = topics(5);
        let one = topics(1);
        let many: Vec<String> = (0..31).map(|i| format!("o{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let mut empty_text = entered("single", &["a", "b"]);
        empty_text.text = " ".into();
        let mut foreign_group = entered("text", &[]);
        foreign_group.groups = vec!["social_worker".into()];
        let mut unknown_group = entered("text", &[]);
        unknown_group.groups = vec!["aliens".into()];
        let mut upside_down = entered("number", &[]);
        (upside_down.min_value, upside_down.max_value) = (Some(10), Some(1));
        let mut too_long = entered("text", &[]);
        too_long.max_length = Some(MAX_TEXT_CHARS + 1);
        // Kind, input, the course's topics, and the field refused (none: accepted).
        type Case<'a> = (QuestionKind, NewQuestion, Option<&'a [QuestionOption]>, Option<&'a str>);
        let cases: Vec<Case> = vec![
            (Single, entered("single", &["ja", " ", "nein"]), None, None),
            (Single, entered("single", &["ja"]), None, Some("options")),
            (Multiple, entered("multiple", &many), None, Some("options")),
            (Single, empty_text, None, Some("text")),
            (Text, foreign_group, None, Some("groups")),
            (Text, unknown_group, None, Some("groups")),
            (Scale, entered("scale", &["gar nicht", "sehr"]), None, None),
            (Scale, entered("scale", &["1", "3", "5"]), None, Some("options")),
            (Rank, entered("rank", &["ignored"]), Some(&five), None),
            (Rank, entered("rank", &[]), None, Some("kind")),
            (Rank, entered("rank", &[]), Some(&one), Some("kind")),
            (Number, upside_down, None, Some("max_value")),
            (Text, too_long, None, Some("max_length")),
        ];
        for (kind, input, topics, refused) in cases {
            let got = question_form(kind, &input, &audience, topics);
            assert_eq!(got.as_ref().err().and_then(|e| e.field()), refused, "{kind:?} {input:?}");
        }
    }

    #[test]
    fn a_checked_question_keeps_only_what_its_kind_uses() {
        let audience = [StakeholderGroup::Landlord];
        let mut input = entered("single", &[" ja ", "", "nein"]);
        (input.min_value, input.max_value, input.max_length) = (Some(1), Some(2), Some(3));
        input.groups = vec!["Landlord".into(), "landlord".into()];
        let form = question_form(QuestionKind::Single, &input, &audience, None).unwrap();
        assert_eq!(form.options_json, r#"[{"label":"ja"},{"label":"nein"}]"#);
        assert_eq!((form.min_value, form.max_value, form.max_length), (None, None, None));
        assert_eq!(form.groups, [StakeholderGroup::Landlord]);
        let text = question_form(QuestionKind::Text, &entered("text", &["x"]), &audience, None);
        let text = text.unwrap();
        assert_eq!((text.options_json.as_str(), text.max_length), ("[]", Some(MAX_TEXT_CHARS)));
        let five = topics(5);
        let rank = question_form(QuestionKind::Rank, &entered("rank", &[]), &audience, Some(&five));
        let options: Vec<QuestionOption> =
            serde_json::from_str(&rank.unwrap().options_json).unwrap();
        assert_eq!(options, five);
    }

    #[test]
    fn an_answered_question_keeps_its_meaning() {
        let mut old = question(1, QuestionKind::Text, 0);
        old.max_length = Some(100);
        let same = |old: &Question| QuestionForm {
            kind: old.kind,
            text: "Neu formuliert".into(),
            help: "Neuer Hinweis".into(),
            required: !old.required,
            groups: old.groups.clone(),
            options_json: old.options_json.clone(),
            min_value: old.min_value,
            max_value: old.max_value,
            max_length: old.max_length,
        };
        assert!(!changes_meaning(&old, &same(&old)));
        let longer = QuestionForm { max_length: Some(200), ..same(&old) };
        assert!(!changes_meaning(&old, &longer));
        let shorter = QuestionForm { max_length: Some(50), ..same(&old) };
        assert!(changes_meaning(&old, &shorter));
        let other_kind = QuestionForm { kind: QuestionKind::Number, ..same(&old) };
        assert!(changes_meaning(&old, &other_kind));
        let narrower = QuestionForm { groups: vec![StakeholderGroup::Vhs], ..same(&old) };
        assert!(changes_meaning(&old, &narrower));
        let choice = question(2, QuestionKind::Single, 3);
        let fewer = QuestionForm { options_json: "[]".into(), ..same(&choice) };
        assert!(changes_meaning(&choice, &fewer));
    }
}
