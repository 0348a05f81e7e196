use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use super::models::*;
use super::{repo, respond};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::stakeholders::models::is_group;
use crate::validate;

fn check_groups(
    field: &'static str,
    groups: &[String],
    within: Option<&[String]>,
) -> AppResult<String> {
    let mut out: Vec<String> = Vec::new();
    for g in groups {
        let g = g.trim().to_lowercase();
        if g.is_empty() {
            continue;
        }
        if !is_group(&g) {
            return Err(AppError::invalid(
                field,
                format!("Die Gruppe „{g}“ gibt es nicht."),
            ));
        }
        if within.is_some_and(|w| !w.contains(&g)) {
            return Err(AppError::invalid(
                field,
                "Nur Gruppen, die zur Zielgruppe der Umfrage gehören.",
            ));
        }
        if !out.contains(&g) {
            out.push(g);
        }
    }
    Ok(out.join(","))
}

pub fn check_survey(conn: &mut DbConn, org: i32, input: &NewSurvey) -> AppResult<SurveyForm> {
    let title = validate::required_text("title", "Titel", &input.title, 200)?;
    let introduction = validate::optional_text(
        "introduction",
        "Einleitung",
        Some(&input.introduction),
        4000,
    )?
    .unwrap_or_default();
    let opens_on = validate::date("opens_on", "Beginn", &input.opens_on)?;
    let closes_on = validate::date("closes_on", "Ende", &input.closes_on)?;
    if closes_on < opens_on {
        return Err(AppError::invalid(
            "closes_on",
            "Das Ende darf nicht vor dem Beginn liegen.",
        ));
    }
    let audience = check_groups("audience", &input.audience, None)?;
    if audience.is_empty() {
        return Err(AppError::invalid(
            "audience",
            "Bitte wählen Sie mindestens eine Gruppe, die befragt wird.",
        ));
    }
    let groups = split_groups(&audience);
    let open_groups = check_groups("open_groups", &input.open_groups, Some(&groups))?;
    if let Some(course) = input.course_id {
        crate::planning::repo::get_course(conn, org, course)
            .map_err(|_| AppError::invalid("course_id", "Diesen Kurs gibt es nicht."))?;
    }
    Ok(SurveyForm {
        title,
        introduction,
        opens_on,
        closes_on,
        audience,
        anonymous: input.anonymous,
        course_id: input.course_id,
        reminder_max: validate::check_range(
            "reminder_max",
            "Erinnerungen",
            input.reminder_max.unwrap_or(2),
            0,
            5,
        )?,
        reminder_interval_days: validate::check_range(
            "reminder_interval_days",
            "Abstand der Erinnerungen",
            input.reminder_interval_days.unwrap_or(7),
            1,
            60,
        )?,
        open_groups,
    })
}

/// The organisation's survey, or a 404.
fn find(conn: &mut DbConn, org: i32, id: i32) -> AppResult<Survey> {
    repo::get(conn, org, id)?.ok_or_else(|| AppError::not_found("Die Umfrage"))
}

/// The survey, locked for the rest of the transaction (question positions, invitations).
fn locked(conn: &mut DbConn, org: i32, id: i32) -> AppResult<Survey> {
    crate::db::dialect::lock_for_update(conn, "surveys", id)?;
    find(conn, org, id)
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i32) -> AppResult<Survey> {
    let org = actor.coordinator_org()?;
    find(conn, org, id)
}

pub fn create(conn: &mut DbConn, actor: &Actor, input: &NewSurvey) -> AppResult<Survey> {
    let org = actor.coordinator_org()?;
    let form = check_survey(conn, org, input)?;
    crate::db::write_transaction(conn, |conn| {
        let id = repo::insert(conn, org, &form, &respond::new_token(), None)?;
        crate::audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "survey.create",
            "survey",
            Some(id),
            "",
        )?;
        find(conn, org, id)
    })
}

pub fn update(conn: &mut DbConn, actor: &Actor, id: i32, input: &NewSurvey) -> AppResult<Survey> {
    let org = actor.coordinator_org()?;
    let form = check_survey(conn, org, input)?;
    crate::db::write_transaction(conn, |conn| {
        let old = find(conn, org, id)?;
        if repo::response_count(conn, id)? > 0 {
            // Narrowing the audience or switching anonymity would misfile answers given.
            let dropped: Vec<String> = old
                .audience_groups()
                .into_iter()
                .filter(|g| !split_groups(&form.audience).contains(g))
                .collect();
            if !dropped.is_empty()
                || form.anonymous != old.anonymous
                || form.course_id != old.course_id
            {
                return Err(AppError::Conflict(
                    "Die Umfrage hat schon Antworten: Gruppen, Anonymität und Kurs lassen sich nicht mehr ändern (Gruppen hinzufügen und Termine verschieben geht). Kopieren Sie die Umfrage für eine neue Fassung.".into(),
                ));
            }
        }
        repo::update(conn, id, &form)?;
        crate::audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "survey.update",
            "survey",
            Some(id),
            "",
        )?;
        find(conn, org, id)
    })
}

fn check_question(
    conn: &mut DbConn,
    org: i32,
    survey: &Survey,
    input: &NewQuestion,
) -> AppResult<QuestionForm> {
    let kind = input.kind.trim().to_lowercase();
    if !KINDS.contains(&kind.as_str()) {
        return Err(AppError::invalid(
            "kind",
            "Bitte wählen Sie eine Frageart: Einfachauswahl, Mehrfachauswahl, Skala 1–5, Freitext, Zahl oder Themen ordnen.",
        ));
    }
    let text = validate::required_text("text", "Frage", &input.text, 500)?;
    let help =
        validate::optional_text("help", "Hinweis", Some(&input.help), 1000)?.unwrap_or_default();
    let groups = check_groups("groups", &input.groups, Some(&survey.audience_groups()))?;
    let labels: Vec<String> = input
        .options
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    let options: Vec<QuestionOption> = match kind.as_str() {
        "single" | "multiple" => {
            if labels.len() < 2 {
                return Err(AppError::invalid(
                    "options",
                    "Bitte geben Sie mindestens zwei Antwortmöglichkeiten an (eine pro Zeile).",
                ));
            }
            if labels.len() > 30 {
                return Err(AppError::invalid(
                    "options",
                    "Höchstens 30 Antwortmöglichkeiten.",
                ));
            }
            for l in &labels {
                validate::required_text("options", "Antwortmöglichkeit", l, 200)?;
            }
            labels
                .iter()
                .map(|l| QuestionOption {
                    label: l.clone(),
                    module_id: None,
                })
                .collect()
        }
        "scale" => {
            if labels.len() > 2 {
                return Err(AppError::invalid(
                    "options",
                    "Für die Skala höchstens zwei Beschriftungen: für 1 und für 5.",
                ));
            }
            labels
                .iter()
                .map(|l| QuestionOption {
                    label: l.clone(),
                    module_id: None,
                })
                .collect()
        }
        "rank" => {
            let course = survey.course_id.ok_or_else(|| {
                AppError::invalid("kind", "Für „Themen ordnen“ braucht die Umfrage einen Kurs: seine Module sind die Themen.")
            })?;
            let modules = crate::planning::repo::modules_of(conn, org, course)?;
            if modules.len() < 2 {
                return Err(AppError::invalid(
                    "kind",
                    "Der Kurs der Umfrage hat weniger als zwei Module.",
                ));
            }
            modules
                .into_iter()
                .map(|m| QuestionOption {
                    label: m.title,
                    module_id: Some(m.id),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let (min_value, max_value) = if kind == "number" {
        if let (Some(a), Some(b)) = (input.min_value, input.max_value) {
            if b < a {
                return Err(AppError::invalid(
                    "max_value",
                    "Der größte Wert darf nicht kleiner als der kleinste sein.",
                ));
            }
        }
        (input.min_value, input.max_value)
    } else {
        (None, None)
    };
    let max_length = if kind == "text" {
        Some(validate::check_range(
            "max_length",
            "Höchstlänge",
            input.max_length.unwrap_or(MAX_TEXT_CHARS),
            1,
            MAX_TEXT_CHARS,
        )?)
    } else {
        None
    };
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

pub fn detail(conn: &mut DbConn, actor: &Actor, id: i32) -> AppResult<SurveyDetail> {
    let survey = get(conn, actor, id)?;
    let answered = repo::answered_question_ids(conn, id)?;
    let questions = repo::questions(conn, id)?
        .into_iter()
        .map(|q| QuestionDetail {
            options: q.options(),
            answered: answered.contains(&q.id),
            question: q,
        })
        .collect();
    Ok(SurveyDetail {
        responses: repo::response_count(conn, id)?,
        survey,
        questions,
    })
}

pub fn add_question(
    conn: &mut DbConn,
    actor: &Actor,
    survey_id: i32,
    input: &NewQuestion,
) -> AppResult<Question> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let survey = locked(conn, org, survey_id)?;
        let form = check_question(conn, org, &survey, input)?;
        let position = repo::questions(conn, survey_id)?
            .iter()
            .map(|q| q.position)
            .max()
            .unwrap_or(0)
            + 1;
        let id = repo::insert_question(conn, survey_id, position, &form)?;
        repo::question(conn, survey_id, id)?.ok_or_else(|| AppError::not_found("Die Frage"))
    })
}

/// Changes a question. Once it has answers only its wording and help text (and whether it
/// is required) may change: anything else would make given answers mean something else.
pub fn update_question(
    conn: &mut DbConn,
    actor: &Actor,
    survey_id: i32,
    question_id: i32,
    input: &NewQuestion,
) -> AppResult<Question> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let survey = locked(conn, org, survey_id)?;
        let old = repo::question(conn, survey_id, question_id)?
            .ok_or_else(|| AppError::not_found("Die Frage"))?;
        let form = check_question(conn, org, &survey, input)?;
        if repo::answered_question_ids(conn, survey_id)?.contains(&question_id) {
            let changed = form.kind != old.kind
                || form.options_json != old.options_json
                || form.groups != old.groups
                || form.min_value != old.min_value
                || form.max_value != old.max_value
                || form
                    .max_length
                    .is_some_and(|m| old.max_length.is_some_and(|o| m < o));
            if changed {
                return Err(AppError::Conflict(
                    "Diese Frage hat schon Antworten: Art, Antwortmöglichkeiten, Gruppen und Grenzen bleiben, wie sie sind, sonst würden gegebene Antworten etwas anderes bedeuten. Sie können den Wortlaut korrigieren oder eine neue Frage hinzufügen.".into(),
                ));
            }
        }
        repo::update_question(conn, question_id, &form)?;
        repo::question(conn, survey_id, question_id)?
            .ok_or_else(|| AppError::not_found("Die Frage"))
    })
}

pub fn delete_question(
    conn: &mut DbConn,
    actor: &Actor,
    survey_id: i32,
    question_id: i32,
) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        find(conn, org, survey_id)?;
        repo::question(conn, survey_id, question_id)?
            .ok_or_else(|| AppError::not_found("Die Frage"))?;
        if repo::answered_question_ids(conn, survey_id)?.contains(&question_id) {
            return Err(AppError::Conflict(
                "Diese Frage hat schon Antworten und kann nicht mehr gelöscht werden.".into(),
            ));
        }
        repo::delete_question(conn, question_id)
    })
}

/// Moves a question one place up (the order answers were given in does not matter to them).
pub fn move_question_up(
    conn: &mut DbConn,
    actor: &Actor,
    survey_id: i32,
    question_id: i32,
) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        locked(conn, org, survey_id)?;
        let questions = repo::questions(conn, survey_id)?;
        let at = questions
            .iter()
            .position(|q| q.id == question_id)
            .ok_or_else(|| AppError::not_found("Die Frage"))?;
        if at == 0 {
            return Ok(());
        }
        // Positions are renumbered 1..n on the way, so gaps and ties from copies vanish.
        let mut order: Vec<i32> = questions.iter().map(|q| q.id).collect();
        order.swap(at - 1, at);
        for (i, id) in order.iter().enumerate() {
            repo::set_position(conn, *id, i32::try_from(i).unwrap_or(i32::MAX) + 1)?;
        }
        Ok(())
    })
}

/// A copy for reuse (next year): same texts and questions, new dates, no invitations or
/// answers.
pub fn copy(conn: &mut DbConn, actor: &Actor, id: i32) -> AppResult<Survey> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let old = find(conn, org, id)?;
        let today = crate::time::today_local();
        let length = old.closes_on - old.opens_on;
        let form = SurveyForm {
            title: format!("{} (Kopie)", old.title).chars().take(200).collect(),
            introduction: old.introduction.clone(),
            opens_on: today,
            closes_on: today + length,
            audience: old.audience.clone(),
            anonymous: old.anonymous,
            course_id: old.course_id,
            reminder_max: old.reminder_max,
            reminder_interval_days: old.reminder_interval_days,
            open_groups: old.open_groups.clone(),
        };
        let new_id = repo::insert(conn, org, &form, &respond::new_token(), Some(old.id))?;
        for q in repo::questions(conn, id)? {
            let form = QuestionForm {
                kind: q.kind.clone(),
                text: q.text.clone(),
                help: q.help.clone(),
                required: q.required,
                groups: q.groups.clone(),
                options_json: q.options_json.clone(),
                min_value: q.min_value,
                max_value: q.max_value,
                max_length: q.max_length,
            };
            repo::insert_question(conn, new_id, q.position, &form)?;
        }
        crate::audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "survey.copy",
            "survey",
            Some(new_id),
            &format!("von {id}"),
        )?;
        find(conn, org, new_id)
    })
}

/// What inviting did.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
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

/// Invitation and reminder mails of one survey, in each contact's language where the
/// service has the mail text, with the survey's title in that language where the survey is
/// translated. The issuer and the titles are looked up once, not per contact.
struct Mailing {
    survey: Survey,
    issuer: String,
    public_url: String,
    titles: std::collections::HashMap<String, String>,
}

impl Mailing {
    fn new(conn: &mut DbConn, survey: Survey, public_url: &str) -> AppResult<Mailing> {
        let issuer = crate::orgs::repo::get(conn, survey.organisation_id)?.issuer_name;
        Ok(Mailing {
            survey,
            issuer,
            public_url: public_url.to_string(),
            titles: std::collections::HashMap::new(),
        })
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
        &mut self,
        conn: &mut DbConn,
        to: (&str, &str, &str),
        token: &str,
        reminder: bool,
    ) -> AppResult<()> {
        let (name, email, language) = to;
        let title = self.title(conn, language)?;
        let s = &self.survey;
        crate::mail::outbox::enqueue_localized(
            conn,
            Some(s.organisation_id),
            email,
            "survey_invitation",
            language,
            &json!({"name": name, "issuer": self.issuer, "survey_title": title,
                    "closes_on": crate::time::fmt_date(s.closes_on), "anonymous": s.anonymous,
                    "url": survey_url(&self.public_url, token), "reminder": reminder}),
            None,
        )?;
        Ok(())
    }
}

/// Creates a personal link for every contact of the audience who has none yet, and
/// queues the invitation email where there is an address and consent.
pub fn invite(
    conn: &mut DbConn,
    actor: &Actor,
    survey_id: i32,
    public_url: &str,
) -> AppResult<InviteOutcome> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let survey = locked(conn, org, survey_id)?;
        if crate::time::today_local() > survey.closes_on {
            return Err(AppError::Conflict(
                "Die Umfrage ist beendet; Einladungen sind nicht mehr möglich.".into(),
            ));
        }
        let already: Vec<i32> = repo::invitations(conn, survey_id)?
            .into_iter()
            .map(|(i, _)| i.stakeholder_id)
            .collect();
        let groups = survey.audience_groups();
        let now = crate::time::now_utc();
        let mut mailing = Mailing::new(conn, survey, public_url)?;
        let mut outcome = InviteOutcome {
            invited: 0,
            emailed: 0,
            on_paper: 0,
        };
        for s in crate::stakeholders::repo::list(conn, org, None)? {
            if !groups.contains(&s.stakeholder_group) || already.contains(&s.id) {
                continue;
            }
            let token = respond::new_token();
            let invitation = repo::insert_invitation(conn, survey_id, s.id, &token)?;
            outcome.invited += 1;
            match (&s.email, s.contact_consent) {
                (Some(email), true) => {
                    mailing.send(conn, (&s.name, email, &s.preferred_language), &token, false)?;
                    repo::mark_sent(conn, invitation, now, false)?;
                    outcome.emailed += 1;
                }
                _ => outcome.on_paper += 1,
            }
        }
        crate::audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "survey.invite",
            "survey",
            Some(survey_id),
            &format!("{} Einladungen", outcome.invited),
        )?;
        Ok(outcome)
    })
}

/// Queues the reminders that are due at `now` for every open survey: to contacts invited
/// by email who have not answered, at most `reminder_max` times, `reminder_interval_days`
/// apart. Each reminder is claimed with a conditional update, so replicas never send one
/// twice. Returns how many were queued.
pub fn send_due_reminders(
    conn: &mut DbConn,
    public_url: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    use crate::db::schema::{stakeholders, survey_invitations, surveys};
    use diesel::prelude::*;
    let today = crate::time::today_local();
    let due: Vec<(Invitation, Survey, String, Option<String>, bool, String)> =
        survey_invitations::table
            .inner_join(surveys::table)
            .inner_join(stakeholders::table)
            .filter(survey_invitations::answered_on.is_null())
            .filter(survey_invitations::sent_at.is_not_null())
            .filter(survey_invitations::reminders_sent.lt(surveys::reminder_max))
            .filter(surveys::opens_on.le(today))
            .filter(surveys::closes_on.ge(today))
            .select((
                Invitation::as_select(),
                Survey::as_select(),
                stakeholders::name,
                stakeholders::email,
                stakeholders::contact_consent,
                stakeholders::preferred_language,
            ))
            .load(conn)?;
    let mut queued = 0;
    let mut mailings: std::collections::HashMap<i32, Mailing> = std::collections::HashMap::new();
    for (inv, survey, name, email, consent, language) in due {
        let (Some(email), true) = (email, consent) else {
            continue;
        };
        let last = inv.last_sent_at.or(inv.sent_at).unwrap_or(inv.created_at);
        if now - last < Duration::days(i64::from(survey.reminder_interval_days)) {
            continue;
        }
        crate::db::write_transaction(conn, |conn| {
            let claimed = diesel::update(
                survey_invitations::table
                    .filter(survey_invitations::id.eq(inv.id))
                    .filter(survey_invitations::reminders_sent.eq(inv.reminders_sent))
                    .filter(survey_invitations::answered_on.is_null()),
            )
            .set((
                survey_invitations::reminders_sent.eq(inv.reminders_sent + 1),
                survey_invitations::last_sent_at.eq(Some(now)),
            ))
            .execute(conn)?;
            if claimed == 1 {
                let mailing = match mailings.entry(survey.id) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(Mailing::new(conn, survey.clone(), public_url)?)
                    }
                };
                mailing.send(conn, (&name, &email, &language), &inv.token, true)?;
                queued += 1;
            }
            Ok(())
        })?;
    }
    Ok(queued)
}

/// Every five minutes: forgets drafts of surveys closed over a week ago and queues due
/// survey reminders.
pub fn reminder_job(db: crate::db::Db, public_url: String) -> crate::jobs::Job {
    let period = std::time::Duration::from_secs(300);
    crate::jobs::Job::every("survey reminders", period, move || {
        let db = db.clone();
        let url = public_url.clone();
        async move {
            let queued = db
                .run(move |conn| {
                    let week_ago = crate::time::today_local() - Duration::days(7);
                    repo::purge_drafts_closed_before(conn, week_ago)?;
                    send_due_reminders(conn, &url, crate::time::now_utc())
                })
                .await?;
            if queued > 0 {
                tracing::info!(queued, "survey reminders queued");
            }
            Ok::<(), AppError>(())
        }
    })
}

/// A survey's texts in another language, as entered.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewTranslation {
    pub title: String,
    pub introduction: String,
    /// Question id → its text and option labels (as many as the German options).
    pub questions: std::collections::BTreeMap<i32, TranslatedQuestion>,
}

#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TranslatedQuestion {
    pub text: String,
    pub options: Vec<String>,
}

/// Stores (replaces) the survey's texts in `language`; respondents whose language it is
/// then see it, with German always available.
pub fn set_translation(
    conn: &mut DbConn,
    actor: &Actor,
    survey_id: i32,
    language: &str,
    input: &NewTranslation,
) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    if language == "de" || !crate::i18n::is_participant_language(language) {
        return Err(AppError::invalid(
            "language",
            "Übersetzungen gibt es für en, ar, fa, uk, ru, tr, ti und ps.",
        ));
    }
    crate::db::write_transaction(conn, |conn| {
        find(conn, org, survey_id)?;
        let title = validate::required_text("title", "Titel", &input.title, 200)?;
        let intro = validate::optional_text(
            "introduction",
            "Einleitung",
            Some(&input.introduction),
            4000,
        )?
        .unwrap_or_default();
        let questions = repo::questions(conn, survey_id)?;
        let mut rows = Vec::new();
        for (id, t) in &input.questions {
            let q = questions.iter().find(|q| q.id == *id).ok_or_else(|| {
                AppError::invalid(
                    "questions",
                    format!("Die Frage {id} gehört nicht zu dieser Umfrage."),
                )
            })?;
            let text = validate::required_text("questions", "Frage", &t.text, 500)?;
            let n = q.options().len();
            let options: Vec<QuestionOption> = if t.options.is_empty() {
                q.options()
            } else if t.options.len() == n {
                q.options()
                    .into_iter()
                    .zip(&t.options)
                    .map(|(o, l)| QuestionOption {
                        label: l.trim().to_string(),
                        module_id: o.module_id,
                    })
                    .collect()
            } else {
                return Err(AppError::invalid(
                    "questions",
                    format!("Frage {id}: bitte genau {n} Antwortmöglichkeiten übersetzen."),
                ));
            };
            rows.push((
                *id,
                text,
                serde_json::to_string(&options).map_err(|e| AppError::Internal(e.into()))?,
            ));
        }
        repo::replace_translation(conn, survey_id, language, &title, &intro, &rows)
    })
}
