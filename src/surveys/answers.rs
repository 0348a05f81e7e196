//! What counts as an answer: the rules an answer must meet to be kept, as pure functions
//! over a question and a JSON value (the form and the API send the same values).
//!
//! Stored values per kind: `single` the option's index; `multiple` the sorted, distinct
//! indexes; `scale` 1–5; `number` an integer within the question's limits; `text` the
//! trimmed text, at most `max_length` (or [`MAX_TEXT_CHARS`]) characters, no control
//! characters but line breaks and tabs; `rank` every option's index once, first place first.
//! An empty answer is "not answered", never an error; whether that is allowed is
//! [`check_answers`]' business (required questions).

use std::collections::BTreeMap;

use serde_json::Value;

use super::models::{Question, QuestionKind, StakeholderGroup, MAX_TEXT_CHARS};
use crate::i18n::Text;
use crate::ids::QuestionId;

/// Answers by question id, as stored (`value_json` per kind, see above).
pub type Answers = BTreeMap<QuestionId, Value>;

/// A field-level problem: which question, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub question_id: QuestionId,
    /// Put into words in the respondent's language where the page knows it.
    pub message: Text,
}

fn err(q: &Question, message: impl Into<Text>) -> FieldError {
    FieldError { question_id: q.id, message: message.into() }
}

/// What an answer of one kind becomes: `Ok(None)` not answered, or the message.
type Checked = Result<Option<Value>, Text>;

/// Checks one answer against its question; `Ok(None)`: not answered.
pub fn check_answer(q: &Question, value: &Value) -> Result<Option<Value>, FieldError> {
    let n_options = q.options().len();
    let checked = match q.kind {
        QuestionKind::Single => single(value, n_options),
        QuestionKind::Multiple => multiple(value, n_options),
        QuestionKind::Scale => scale(value),
        QuestionKind::Number => number(value, q.min_value, q.max_value),
        QuestionKind::Text => text(value, q.max_length.unwrap_or(MAX_TEXT_CHARS)),
        QuestionKind::Rank => ranking(value, n_options),
    };
    checked.map_err(|m| err(q, m))
}

/// The option index `v` names, if there is such an option.
fn index(v: &Value, n_options: usize) -> Option<usize> {
    v.as_u64().and_then(|i| usize::try_from(i).ok()).filter(|i| *i < n_options)
}

const NO_SUCH_OPTION: &str = "survey.answer.no_such_option";

fn single(value: &Value, n_options: usize) -> Checked {
    match value {
        Value::Null => Ok(None),
        v => index(v, n_options)
            .map(|i| Some(Value::from(i)))
            .ok_or_else(|| Text::key(NO_SUCH_OPTION)),
    }
}

fn multiple(value: &Value, n_options: usize) -> Checked {
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        _ => return Err(Text::key("survey.answer.choose_offered")),
    };
    let mut chosen: Vec<usize> = Vec::new();
    for item in items {
        let i = index(item, n_options).ok_or_else(|| Text::key(NO_SUCH_OPTION))?;
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    Ok((!chosen.is_empty()).then(|| Value::from(chosen)))
}

fn scale(value: &Value) -> Checked {
    match value {
        Value::Null => Ok(None),
        v => v
            .as_i64()
            .filter(|n| (1..=5).contains(n))
            .map(|n| Some(Value::from(n)))
            .ok_or_else(|| Text::key("survey.answer.scale")),
    }
}

fn number(value: &Value, min: Option<i32>, max: Option<i32>) -> Checked {
    if value.is_null() {
        return Ok(None);
    }
    let n = value.as_i64().ok_or_else(|| Text::key("survey.answer.integer"))?;
    let low = i64::from(min.unwrap_or(i32::MIN));
    let high = i64::from(max.unwrap_or(i32::MAX));
    if n < low || n > high {
        return Err(match (min, max) {
            (Some(a), Some(b)) => Text::key("survey.answer.between").arg("min", a).arg("max", b),
            (Some(a), None) => Text::key("survey.answer.at_least").arg("min", a),
            (None, Some(b)) => Text::key("survey.answer.at_most").arg("max", b),
            (None, None) => Text::key("survey.answer.too_large"),
        });
    }
    Ok(Some(Value::from(n)))
}

fn text(value: &Value, max_chars: i32) -> Checked {
    let s = match value {
        Value::Null => return Ok(None),
        Value::String(s) => s.trim(),
        _ => return Err(Text::key("survey.answer.text")),
    };
    if s.chars().count() > usize::try_from(max_chars).unwrap_or(0) {
        return Err(Text::key("survey.answer.too_long").arg("max", max_chars));
    }
    if s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(Text::key("survey.answer.control_characters"));
    }
    Ok((!s.is_empty()).then(|| Value::from(s)))
}

fn ranking(value: &Value, n_options: usize) -> Checked {
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) if items.is_empty() => return Ok(None),
        Value::Array(items) => items,
        _ => return Err(Text::key("survey.answer.rank")),
    };
    let mut order: Vec<usize> = Vec::new();
    for item in items {
        let i = index(item, n_options).ok_or_else(|| Text::key("survey.answer.no_such_topic"))?;
        if order.contains(&i) {
            return Err(Text::key("survey.answer.place_twice"));
        }
        order.push(i);
    }
    if order.len() != n_options {
        return Err(Text::key("survey.answer.every_topic"));
    }
    Ok(Some(Value::from(order)))
}

/// Checks answers for `questions`: unknown questions (or ones the group does not see)
/// are refused, every answer must fit, and with `complete` every required one among
/// `scope` must be there. Returns the cleaned answers or every problem at once.
pub fn check_answers(
    all: &[Question], group: StakeholderGroup, raw: &Answers, scope: &[QuestionId], complete: bool,
) -> Result<Answers, Vec<FieldError>> {
    let mut out = Answers::new();
    let mut errors = Vec::new();
    for (id, value) in raw {
        let Some(q) = all.iter().find(|q| q.id == *id) else {
            errors.push(FieldError {
                question_id: *id,
                message: Text::key("survey.answer.not_in_survey"),
            });
            continue;
        };
        if !q.visible_to(group) {
            errors.push(err(q, Text::key("survey.answer.not_for_group")));
            continue;
        }
        match check_answer(q, value) {
            Ok(Some(v)) => {
                out.insert(*id, v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if complete {
        for q in all.iter().filter(|q| q.visible_to(group) && q.required) {
            if scope.contains(&q.id)
                && !out.contains_key(&q.id)
                && !errors.iter().any(|e| e.question_id == q.id)
            {
                errors.push(err(q, Text::key("survey.answer.required")));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::surveys::models::QuestionOption;
    use proptest::prelude::*;
    use serde_json::json;

    fn qids(ids: &[i32]) -> Vec<crate::ids::QuestionId> {
        ids.iter().copied().map(crate::ids::QuestionId).collect()
    }

    pub(crate) fn question(id: i32, kind: QuestionKind, options: usize) -> Question {
        let options: Vec<QuestionOption> = (0..options)
            .map(|i| QuestionOption { label: format!("Option {i}"), module_id: None })
            .collect();
        Question {
            id: crate::ids::QuestionId(id),
            survey_id: crate::ids::SurveyId(1),
            position: id,
            kind,
            text: format!("Frage {id}"),
            help: String::new(),
            required: false,
            groups: Vec::new(),
            options_json: serde_json::to_string(&options).unwrap(),
            min_value: None,
            max_value: None,
            max_length: None,
            created_at: chrono::NaiveDateTime::default(),
        }
    }

    #[test]
    fn answers_are_cleaned_or_refused_per_kind() {
        use QuestionKind::*;
        let mut number_q = question(1, Number, 0);
        number_q.min_value = Some(0);
        number_q.max_value = Some(1000);
        let mut short_text = question(1, Text, 0);
        short_text.max_length = Some(5);
        // The answer kept, or words of the message.
        type Want = Result<Option<Value>, &'static str>;
        let cases: Vec<(Question, Value, Want)> = vec![
            (question(1, Single, 3), json!(2), Ok(Some(json!(2)))),
            (question(1, Single, 3), json!(3), Err("gibt es nicht")),
            (question(1, Single, 3), json!(-1), Err("gibt es nicht")),
            (question(1, Single, 3), json!("1"), Err("gibt es nicht")),
            (question(1, Single, 3), Value::Null, Ok(None)),
            (question(1, Multiple, 3), json!([2, 0, 2]), Ok(Some(json!([0, 2])))),
            (question(1, Multiple, 3), json!([]), Ok(None)),
            (question(1, Multiple, 3), json!(1), Err("angebotenen")),
            (question(1, Multiple, 3), json!([0, 5]), Err("gibt es nicht")),
            (question(1, Scale, 2), json!(5), Ok(Some(json!(5)))),
            (question(1, Scale, 2), json!(0), Err("1 bis 5")),
            (question(1, Scale, 2), json!(6), Err("1 bis 5")),
            (number_q.clone(), json!(1000), Ok(Some(json!(1000)))),
            (number_q.clone(), json!(1001), Err("0 bis 1000")),
            (number_q, json!(1.5), Err("ganze Zahl")),
            (question(1, Number, 0), json!(i64::MAX), Err("zu groß")),
            (short_text.clone(), json!("  fünf  "), Ok(Some(json!("fünf")))),
            (short_text.clone(), json!("sechs!"), Err("höchstens 5")),
            (short_text.clone(), json!("   "), Ok(None)),
            (short_text.clone(), json!("a\u{7}b"), Err("Steuerzeichen")),
            (short_text.clone(), json!("a\nb"), Ok(Some(json!("a\nb")))),
            (short_text, json!(3), Err("Text ein")),
            (question(1, Rank, 3), json!([2, 0, 1]), Ok(Some(json!([2, 0, 1])))),
            (question(1, Rank, 3), json!([]), Ok(None)),
            (question(1, Rank, 3), json!([0, 0, 1]), Err("nur einmal")),
            (question(1, Rank, 3), json!([0, 1]), Err("jedem Thema")),
            (question(1, Rank, 3), json!([0, 1, 3]), Err("gibt es nicht")),
            (question(1, Rank, 3), json!(0), Err("Reihenfolge")),
        ];
        for (q, value, want) in cases {
            let got = check_answer(&q, &value);
            match (&got, &want) {
                (Ok(v), Ok(w)) => assert_eq!(v, w, "{:?} {value}", q.kind),
                (Err(e), Err(words)) => {
                    assert_eq!(e.question_id, q.id);
                    assert!(e.message.to_string().contains(words), "{:?} {value}: {e:?}", q.kind);
                }
                _ => panic!("{:?} {value}: got {got:?}, want {want:?}", q.kind),
            }
        }
    }

    #[test]
    fn answers_of_a_group_are_checked_together() {
        let mut required = question(1, QuestionKind::Single, 2);
        required.required = true;
        let mut theirs = question(2, QuestionKind::Text, 0);
        theirs.groups = vec![StakeholderGroup::Landlord];
        let mut other_required = question(3, QuestionKind::Scale, 0);
        other_required.required = true;
        let all = [required, theirs, other_required];
        let raw = Answers::from([(crate::ids::QuestionId(1), json!(1))]);
        assert_eq!(
            check_answers(&all, StakeholderGroup::Vhs, &raw, &qids(&[1, 2, 3]), true),
            Err(vec![FieldError {
                question_id: crate::ids::QuestionId(3),
                message: Text::key("survey.answer.required")
            }])
        );
        assert_eq!(
            check_answers(&all, StakeholderGroup::Vhs, &raw, &qids(&[1]), true),
            Ok(raw.clone())
        );
        let foreign = Answers::from([
            (crate::ids::QuestionId(2), json!("x")),
            (crate::ids::QuestionId(9), json!(1)),
        ]);
        let errors = check_answers(&all, StakeholderGroup::Vhs, &foreign, &[], false).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].message, Text::key("survey.answer.not_for_group"));
        assert_eq!(errors[1].message, Text::key("survey.answer.not_in_survey"));
        assert!(check_answers(&all, StakeholderGroup::Landlord, &foreign, &[], false).is_err());
    }

    fn any_kind() -> impl Strategy<Value = QuestionKind> {
        proptest::sample::select(QuestionKind::ALL.to_vec())
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            (-3i64..40).prop_map(Value::from),
            (0i64..6).prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-z \\n\\u{7}]{0,60}".prop_map(Value::from),
        ];
        prop_oneof![leaf.clone(), proptest::collection::vec(leaf, 0..8).prop_map(Value::from),]
    }

    proptest! {
        /// Whatever is sent, a kept answer is within the question's options and limits.
        #[test]
        fn an_accepted_answer_fits_its_question(
            kind in any_kind(),
            options in 0usize..6,
            min in proptest::option::of(-50i32..50),
            span in proptest::option::of(0i32..100),
            max_length in proptest::option::of(1i32..40),
            value in any_value(),
        ) {
            let mut q = question(7, kind, options);
            q.min_value = min;
            q.max_value = span.map(|s| min.unwrap_or(0) + s);
            q.max_length = max_length;
            let Ok(Some(kept)) = check_answer(&q, &value) else { return Ok(()) };
            let index_ok = |v: &Value| v.as_u64().is_some_and(|i| (i as usize) < options);
            match kind {
                QuestionKind::Single => prop_assert!(index_ok(&kept)),
                QuestionKind::Multiple => {
                    let items = kept.as_array().unwrap();
                    prop_assert!(!items.is_empty() && items.iter().all(index_ok));
                    let as_u: Vec<u64> = items.iter().filter_map(Value::as_u64).collect();
                    prop_assert!(as_u.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");
                }
                QuestionKind::Scale => prop_assert!((1..=5).contains(&kept.as_i64().unwrap())),
                QuestionKind::Number => {
                    let n = kept.as_i64().unwrap();
                    prop_assert!(min.is_none_or(|m| n >= i64::from(m)));
                    prop_assert!(q.max_value.is_none_or(|m| n <= i64::from(m)));
                }
                QuestionKind::Text => {
                    let t = kept.as_str().unwrap();
                    prop_assert!(!t.is_empty() && t.trim() == t);
                    let max = usize::try_from(max_length.unwrap_or(MAX_TEXT_CHARS)).unwrap();
                    prop_assert!(t.chars().count() <= max);
                }
                QuestionKind::Rank => {
                    let mut items: Vec<u64> =
                        kept.as_array().unwrap().iter().filter_map(Value::as_u64).collect();
                    items.sort_unstable();
                    prop_assert_eq!(items, (0..options as u64).collect::<Vec<_>>());
                }
            }
            // Checking a kept answer again keeps it as it is.
            prop_assert_eq!(check_answer(&q, &kept), Ok(Some(kept.clone())));
        }
    }
}
