//! The library's use cases: publish a course or survey as a template, browse, copy and
//! adapt, and see when a copied template has a new version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::content::{
    self, Content, CourseContent, Difference, ModuleContent, QuestionContent, QuestionText,
    SurveyContent, SurveyText, TitleText,
};
use super::repo::{self, CopyInsertForm, Template, TemplateInsertForm, TemplateKind};
use crate::audit;
use crate::auth::{Actor, Role};
use crate::db::{self, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{CourseId, OrgId, ProgrammeId, SurveyId, TemplateId};
use crate::planning::models::{CourseRules, NewCourse, NewModule};
use crate::programmes::models::{MemberState, Programme};
use crate::programmes::service as programmes;
use crate::surveys::models::{NewQuestion, NewSurvey};

/// Who reads a programme's library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// A coordinator of a member organisation: reads, copies, publishes.
    Member(OrgId),
    /// The programme's office or an admin: reads.
    Office,
}

fn reader(conn: &mut DbConn, actor: &Actor, programme: ProgrammeId) -> AppResult<Reader> {
    match actor.role {
        Role::Admin => {
            programmes::programme(conn, programme)?;
            Ok(Reader::Office)
        }
        Role::Programme if actor.programme_id == Some(programme) => Ok(Reader::Office),
        Role::Programme => Err(AppError::not_found("thing.template")),
        Role::Coordinator => {
            let org = actor.coordinator_org()?;
            match programmes::standing(conn, programme, org)? {
                Some((MemberState::Member, _)) => Ok(Reader::Member(org)),
                _ => Err(AppError::not_found("thing.template")),
            }
        }
        _ => Err(AppError::forbidden()),
    }
}

/// The programmes whose library the caller reads.
fn readable_programmes(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Programme>> {
    match actor.role {
        Role::Admin => programmes::all(conn),
        Role::Programme => Ok(vec![programmes::programme(conn, actor.programme()?)?]),
        Role::Coordinator => Ok(programmes::memberships(conn, actor)?
            .into_iter()
            .filter(|m| m.state == MemberState::Member)
            .map(|m| m.programme)
            .collect()),
        _ => Err(AppError::forbidden()),
    }
}

/// Whether the template can be seen and copied now: the starter set always; a member's
/// while it shares templates and has not withdrawn it.
fn on_offer(conn: &mut DbConn, t: &Template) -> AppResult<bool> {
    if t.withdrawn_at.is_some() {
        return Ok(false);
    }
    match t.organisation_id {
        None => Ok(true),
        Some(org) => Ok(programmes::template_sharers(conn, t.programme_id)?.contains(&org)),
    }
}

/// The template, once the caller may read it (404 otherwise, as if it did not exist; a
/// role that reads no library is refused before anything is looked up).
fn readable(conn: &mut DbConn, actor: &Actor, id: TemplateId) -> AppResult<(Template, Reader)> {
    actor.require(&[Role::Admin, Role::Programme, Role::Coordinator])?;
    let t = repo::get(conn, id)?;
    let r = reader(conn, actor, t.programme_id)?;
    if !on_offer(conn, &t)? {
        return Err(AppError::not_found("thing.template"));
    }
    Ok((t, r))
}

fn parse(stored: &str) -> AppResult<Content> {
    serde_json::from_str(stored).map_err(|e| AppError::Internal(e.into()))
}

/// A template as a list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TemplateLine {
    #[serde(flatten)]
    pub template: Template,
    /// The member that published it; none: the programme's starter set.
    pub publisher: Option<String>,
    /// The version the caller's organisation copied last (none: not copied).
    pub copied_version: Option<i32>,
    /// A newer version than the one copied exists ("neue Version verfügbar").
    pub new_version: bool,
}

/// One programme's library.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Shelf {
    pub programme: Programme,
    pub templates: Vec<TemplateLine>,
    /// The caller's organisation shares its templates here (it may publish).
    pub may_publish: bool,
}

/// Every library the caller reads.
pub fn shelves(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Shelf>> {
    let copies = match actor.role {
        Role::Coordinator => repo::copies_of(conn, actor.coordinator_org()?)?,
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for programme in readable_programmes(conn, actor)? {
        let sharers = programmes::template_sharers(conn, programme.id)?;
        let may_publish = actor.organisation_id.is_some_and(|o| sharers.contains(&o))
            && actor.role == Role::Coordinator;
        let templates = repo::available(conn, programme.id)?
            .into_iter()
            .filter(|(t, _)| t.organisation_id.is_none_or(|o| sharers.contains(&o)))
            .map(|(template, publisher)| {
                let copied_version = copies
                    .iter()
                    .filter(|(c, _)| c.template_id == template.id)
                    .map(|(c, _)| c.version)
                    .max();
                TemplateLine {
                    new_version: copied_version.is_some_and(|v| v < template.version),
                    copied_version,
                    publisher,
                    template,
                }
            })
            .collect();
        out.push(Shelf { programme, templates, may_publish });
    }
    Ok(out)
}

/// What the caller's organisation copied of a template, and what changed since.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CopyStatus {
    /// The version copied (or last marked as seen).
    pub version: i32,
    /// The course or survey the last copy became.
    pub target_id: i32,
    /// What changed from that version to the latest.
    pub differences: Vec<Difference>,
}

/// A template with its latest content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TemplateDetail {
    #[serde(flatten)]
    pub line: TemplateLine,
    pub content: Content,
    /// (version, published) newest first.
    pub versions: Vec<VersionLine>,
    pub copy: Option<CopyStatus>,
    /// The caller may copy it (a member organisation's coordinator).
    pub may_copy: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionLine {
    pub version: i32,
    #[serde(serialize_with = "crate::time::utc")]
    pub published_at: chrono::NaiveDateTime,
}

pub fn detail(conn: &mut DbConn, actor: &Actor, id: TemplateId) -> AppResult<TemplateDetail> {
    let (template, reader) = readable(conn, actor, id)?;
    let content = parse(&repo::content(conn, id, template.version)?)?;
    let copy = match reader {
        Reader::Member(org) => repo::copies_of(conn, org)?
            .into_iter()
            .filter(|(c, _)| c.template_id == id)
            .max_by_key(|(c, _)| (c.version, c.copied_at))
            .map(|(c, _)| -> AppResult<CopyStatus> {
                let differences = if c.version < template.version {
                    content::differences(&parse(&repo::content(conn, id, c.version)?)?, &content)
                } else {
                    Vec::new()
                };
                Ok(CopyStatus { version: c.version, target_id: c.target_id, differences })
            })
            .transpose()?,
        Reader::Office => None,
    };
    let publisher = match template.organisation_id {
        Some(org) => Some(crate::orgs::service::get(conn, org)?.name),
        None => None,
    };
    let versions = repo::versions(conn, id)?
        .into_iter()
        .map(|(version, published_at)| VersionLine { version, published_at })
        .collect();
    Ok(TemplateDetail {
        line: TemplateLine {
            copied_version: copy.as_ref().map(|c| c.version),
            new_version: copy.as_ref().is_some_and(|c| c.version < template.version),
            publisher,
            template,
        },
        content,
        versions,
        copy,
        may_copy: matches!(reader, Reader::Member(_)),
    })
}

/// One version's content (any version, for comparing by hand).
pub fn version(
    conn: &mut DbConn, actor: &Actor, id: TemplateId, version: i32,
) -> AppResult<Content> {
    readable(conn, actor, id)?;
    parse(&repo::content(conn, id, version)?)
}

// Publishing.

/// What a member publishes: one of its courses or surveys, into one programme.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    #[schema(value_type = i32)]
    pub programme_id: ProgrammeId,
    pub kind: TemplateKind,
    /// The course's or survey's id.
    pub source_id: i32,
}

fn course_content(
    conn: &mut DbConn, actor: &Actor, org: OrgId, id: CourseId,
) -> AppResult<Content> {
    let course = crate::planning::service::get_course(conn, org, id)?;
    let modules = crate::planning::service::modules_of(conn, org, id)?;
    let titles = crate::planning::titles::service::course_titles(conn, actor, id)?;
    let mut title_translations = BTreeMap::new();
    let mut module_translations: Vec<BTreeMap<String, TitleText>> =
        vec![BTreeMap::new(); modules.len()];
    for lang in &titles.languages {
        if lang.lang == "de" {
            continue;
        }
        if !lang.course_title.is_empty() {
            title_translations.insert(lang.lang.clone(), lang.course_title.clone());
        }
        for m in &lang.modules {
            if m.title.is_empty() {
                continue;
            }
            if let Some(i) = modules.iter().position(|x| x.id == m.module_id) {
                module_translations[i].insert(
                    lang.lang.clone(),
                    TitleText { title: m.title.clone(), description: m.description.clone() },
                );
            }
        }
    }
    Ok(Content::Course(CourseContent {
        code: course.code,
        title: course.title,
        description: course.description,
        min_attendance_percent: course.min_attendance_percent,
        test_max_points: course.test_max_points,
        test_pass_points: course.test_pass_points,
        test_must_pass_questions: course.test_must_pass_questions,
        title_translations,
        modules: modules
            .into_iter()
            .zip(module_translations)
            .map(|(m, translations)| ModuleContent {
                title: m.title,
                description: m.description,
                duration_minutes: m.duration_minutes,
                mandatory: m.mandatory,
                translations,
            })
            .collect(),
    }))
}

fn survey_content(conn: &mut DbConn, actor: &Actor, id: SurveyId) -> AppResult<Content> {
    let detail = crate::surveys::service::detail(conn, actor, id)?;
    let mut translations = BTreeMap::new();
    let mut question_translations: Vec<BTreeMap<String, QuestionText>> =
        vec![BTreeMap::new(); detail.questions.len()];
    for lang in crate::surveys::translations::TRANSLATABLE {
        let view = crate::surveys::translations::view(conn, actor, id, lang)?;
        if !view.title.is_empty() || !view.introduction.is_empty() {
            translations.insert(
                lang.to_string(),
                SurveyText { title: view.title.clone(), introduction: view.introduction.clone() },
            );
        }
        for q in view.questions {
            if q.text.is_empty() {
                continue;
            }
            if let Some(i) = detail.questions.iter().position(|x| x.question.id == q.question_id) {
                question_translations[i]
                    .insert(lang.to_string(), QuestionText { text: q.text, options: q.options });
            }
        }
    }
    let codes = |groups: &[crate::stakeholders::models::StakeholderGroup]| {
        groups.iter().map(|g| g.code().to_string()).collect::<Vec<_>>()
    };
    Ok(Content::Survey(SurveyContent {
        title: detail.survey.title.clone(),
        introduction: detail.survey.introduction.clone(),
        anonymous: detail.survey.anonymous,
        audience: codes(&detail.survey.audience),
        open_groups: codes(&detail.survey.open_groups),
        translations,
        questions: detail
            .questions
            .iter()
            .zip(question_translations)
            .map(|(q, translations)| QuestionContent {
                // A copy has no course of the publisher: its topics become options.
                kind: match q.question.kind.code() {
                    "rank" => "multiple".to_string(),
                    k => k.to_string(),
                },
                text: q.question.text.clone(),
                help: q.question.help.clone(),
                required: q.question.required,
                groups: codes(&q.question.groups),
                options: q.options.iter().map(|o| o.label.clone()).collect(),
                min_value: q.question.min_value,
                max_value: q.question.max_value,
                max_length: q.question.max_length,
                translations,
            })
            .collect(),
    }))
}

/// A member publishes its course or survey as a template, or a new version of the one it
/// published before. Publishing an unchanged one changes nothing.
pub fn publish(conn: &mut DbConn, actor: &Actor, input: Publish) -> AppResult<TemplateLine> {
    let org = actor.coordinator_org()?;
    match programmes::standing(conn, input.programme_id, org)? {
        Some((MemberState::Member, s)) if s.templates => {}
        Some((MemberState::Member, _)) => {
            return Err(AppError::conflict("error.library.not_sharing"))
        }
        _ => return Err(AppError::not_found("thing.programme")),
    }
    let content = match input.kind {
        TemplateKind::Course => course_content(conn, actor, org, CourseId(input.source_id))?,
        TemplateKind::Survey => survey_content(conn, actor, SurveyId(input.source_id))?,
    };
    let stored = serde_json::to_string(&content).map_err(|e| AppError::Internal(e.into()))?;
    let title = content.title().to_string();
    db::write_transaction(conn, |conn| {
        let now = crate::time::now_utc();
        let id =
            match repo::published_from(conn, input.programme_id, org, input.kind, input.source_id)?
            {
                Some(t) => {
                    let latest = parse(&repo::content(conn, t.id, t.version)?)?;
                    if latest == content && t.withdrawn_at.is_none() {
                        return Ok(t.id);
                    }
                    let next = t.version + 1;
                    if repo::bump(conn, t.id, next, &title, now)? == 0 {
                        return Err(AppError::conflict("error.library.published_meanwhile"));
                    }
                    repo::insert_version(conn, t.id, next, &stored, now)?;
                    t.id
                }
                None => {
                    let id = repo::insert_template(
                        conn,
                        &TemplateInsertForm {
                            programme_id: input.programme_id,
                            organisation_id: Some(org),
                            kind: input.kind,
                            source_id: Some(input.source_id),
                            title: title.clone(),
                            version: 1,
                            published_at: now,
                        },
                    )?;
                    repo::insert_version(conn, id, 1, &stored, now)?;
                    id
                }
            };
        audit::Entry::new(Some(org), Some(actor.user_id), "library.publish")
            .on("library_template", Some(id.0))
            .record(conn)?;
        Ok(id)
    })
    .and_then(|id| detail(conn, actor, id).map(|d| d.line))
}

/// An admin creates a programme; its library starts with the starter set.
pub fn create_programme(
    conn: &mut DbConn, actor: &Actor, input: crate::programmes::models::NewProgramme,
) -> AppResult<Programme> {
    db::write_transaction(conn, |conn| {
        let programme = programmes::create(conn, actor, input)?;
        add_starter_set(conn, programme.id)?;
        Ok(programme)
    })
}

/// The programme's starter set, added when the programme is made.
fn add_starter_set(conn: &mut DbConn, programme: ProgrammeId) -> AppResult<()> {
    let now = crate::time::now_utc();
    for (kind, c) in [
        (TemplateKind::Course, Content::Course(content::starter_course())),
        (TemplateKind::Survey, Content::Survey(content::starter_survey())),
    ] {
        let id = repo::insert_template(
            conn,
            &TemplateInsertForm {
                programme_id: programme,
                organisation_id: None,
                kind,
                source_id: None,
                title: c.title().to_string(),
                version: 1,
                published_at: now,
            },
        )?;
        let stored = serde_json::to_string(&c).map_err(|e| AppError::Internal(e.into()))?;
        repo::insert_version(conn, id, 1, &stored, now)?;
    }
    Ok(())
}

// Copying.

/// What a copy became.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Copied {
    pub kind: TemplateKind,
    /// The new course's or survey's id in the caller's organisation.
    pub target_id: i32,
    /// Where to adapt it.
    pub href: String,
}

/// A course code free in the organisation: the template's, else with `-2`, `-3` ….
fn free_code(conn: &mut DbConn, org: OrgId, wanted: &str) -> AppResult<String> {
    let taken: Vec<String> =
        crate::planning::service::list_courses(conn, org)?.into_iter().map(|c| c.code).collect();
    let base: String = wanted.trim().to_uppercase().chars().take(12).collect();
    let base = if base.is_empty() { "KURS".to_string() } else { base };
    if !taken.contains(&base) {
        return Ok(base);
    }
    (2..1000)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !taken.contains(c))
        .ok_or_else(|| AppError::conflict("error.planning.course_code_taken"))
}

fn copy_course(conn: &mut DbConn, actor: &Actor, org: OrgId, c: &CourseContent) -> AppResult<i32> {
    let code = free_code(conn, org, &c.code)?;
    let course = crate::planning::service::create_course(
        conn,
        actor,
        NewCourse { code, title: c.title.clone(), description: c.description.clone() },
    )?;
    let mut module_ids = Vec::new();
    for m in &c.modules {
        let module = crate::planning::service::add_module(
            conn,
            actor,
            course.id,
            NewModule {
                title: m.title.clone(),
                duration_minutes: m.duration_minutes,
                mandatory: m.mandatory,
                description: m.description.clone(),
            },
        )?;
        module_ids.push(module.id);
    }
    if c.min_attendance_percent.is_some() || c.test_max_points.is_some() {
        crate::planning::service::set_course_rules(
            conn,
            actor,
            course.id,
            CourseRules {
                min_attendance_percent: c.min_attendance_percent,
                test_max_points: c.test_max_points,
                test_pass_points: c.test_pass_points,
                test_must_pass_questions: c.test_must_pass_questions,
            },
        )?;
    }
    let mut langs: Vec<&String> = c.title_translations.keys().collect();
    for m in &c.modules {
        langs.extend(m.translations.keys());
    }
    langs.sort();
    langs.dedup();
    for lang in langs {
        let input = crate::planning::titles::service::TitlesInput {
            course_title: c.title_translations.get(lang).cloned().unwrap_or_default(),
            modules: c
                .modules
                .iter()
                .zip(&module_ids)
                .map(|(m, id)| {
                    let t = m.translations.get(lang).cloned().unwrap_or_default();
                    crate::planning::titles::service::ModuleTitleInput {
                        module_id: *id,
                        title: t.title,
                        description: t.description,
                    }
                })
                .collect(),
        };
        crate::planning::titles::service::save_titles(conn, actor, course.id, lang, input)?;
    }
    Ok(course.id.0)
}

fn copy_survey(conn: &mut DbConn, actor: &Actor, s: &SurveyContent) -> AppResult<i32> {
    let today = crate::time::today_local();
    let survey = crate::surveys::service::create(
        conn,
        actor,
        &NewSurvey {
            title: s.title.clone(),
            introduction: s.introduction.clone(),
            opens_on: today.to_string(),
            closes_on: (today + chrono::Duration::days(28)).to_string(),
            audience: s.audience.clone(),
            anonymous: s.anonymous,
            course_id: None,
            reminder_max: None,
            reminder_interval_days: None,
            open_groups: s.open_groups.clone(),
        },
    )?;
    let mut ids = Vec::new();
    for q in &s.questions {
        let question = crate::surveys::questions::add(
            conn,
            actor,
            survey.id,
            &NewQuestion {
                kind: q.kind.clone(),
                text: q.text.clone(),
                help: q.help.clone(),
                required: q.required,
                groups: q.groups.clone(),
                options: q.options.clone(),
                min_value: q.min_value,
                max_value: q.max_value,
                max_length: q.max_length,
            },
        )?;
        ids.push(question.id);
    }
    let mut langs: Vec<&String> = s.translations.keys().collect();
    for q in &s.questions {
        langs.extend(q.translations.keys());
    }
    langs.sort();
    langs.dedup();
    for lang in langs {
        let texts = s.translations.get(lang).cloned().unwrap_or_default();
        let input = crate::surveys::translations::NewTranslation {
            title: texts.title,
            introduction: texts.introduction,
            questions: s
                .questions
                .iter()
                .zip(&ids)
                .filter_map(|(q, id)| {
                    q.translations.get(lang).map(|t| {
                        (
                            *id,
                            crate::surveys::translations::TranslatedQuestion {
                                text: t.text.clone(),
                                options: t.options.clone(),
                            },
                        )
                    })
                })
                .collect(),
        };
        crate::surveys::translations::set(conn, actor, survey.id, lang, &input)?;
    }
    Ok(survey.id.0)
}

/// A member's coordinator copies the template's latest version into the organisation, as
/// a course or survey of its own to adapt. Everything is checked as if typed in; one
/// failure leaves nothing behind.
pub fn copy(conn: &mut DbConn, actor: &Actor, id: TemplateId) -> AppResult<Copied> {
    let (template, reader) = readable(conn, actor, id)?;
    let Reader::Member(org) = reader else {
        return Err(AppError::forbidden());
    };
    let content = parse(&repo::content(conn, id, template.version)?)?;
    db::write_transaction(conn, |conn| {
        let target_id = match &content {
            Content::Course(c) => copy_course(conn, actor, org, c)?,
            Content::Survey(s) => copy_survey(conn, actor, s)?,
        };
        repo::insert_copy(
            conn,
            &CopyInsertForm {
                organisation_id: org,
                template_id: id,
                version: template.version,
                kind: template.kind,
                target_id,
                copied_at: crate::time::now_utc(),
            },
        )?;
        audit::Entry::new(Some(org), Some(actor.user_id), "library.copy")
            .on("library_template", Some(id.0))
            .detail(&format!("version {} → {} {target_id}", template.version, template.kind))
            .record(conn)?;
        let href = match template.kind {
            TemplateKind::Course => format!("/courses/{target_id}"),
            TemplateKind::Survey => format!("/surveys/{target_id}"),
        };
        Ok(Copied { kind: template.kind, target_id, href })
    })
}

/// The organisation has seen what changed and keeps its copy as it is: the "neue Version
/// verfügbar" note goes until the next version.
pub fn acknowledge(conn: &mut DbConn, actor: &Actor, id: TemplateId) -> AppResult<()> {
    let (template, reader) = readable(conn, actor, id)?;
    let Reader::Member(org) = reader else {
        return Err(AppError::forbidden());
    };
    db::write_transaction(conn, |conn| {
        if repo::acknowledge(conn, org, id, template.version)? == 0 {
            return Err(AppError::conflict("error.library.nothing_new"));
        }
        audit::Entry::new(Some(org), Some(actor.user_id), "library.acknowledge")
            .on("library_template", Some(id.0))
            .record(conn)
    })
}

/// The publisher withdraws its template: nobody can copy it any more; copies stay.
pub fn withdraw(conn: &mut DbConn, actor: &Actor, id: TemplateId) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    readable(conn, actor, id)?;
    let t = repo::get(conn, id)?;
    if t.organisation_id != Some(org) {
        return Err(AppError::not_found("thing.template"));
    }
    db::write_transaction(conn, |conn| {
        repo::withdraw_one(conn, id, crate::time::now_utc())?;
        audit::Entry::new(Some(org), Some(actor.user_id), "library.withdraw")
            .on("library_template", Some(id.0))
            .record(conn)
    })
}

/// A text for messages that name the template's kind.
pub fn kind_key(kind: TemplateKind) -> Text {
    Text::key(match kind {
        TemplateKind::Course => "library.kind.course",
        TemplateKind::Survey => "library.kind.survey",
    })
}

// What the pages show.

#[derive(Debug, Serialize)]
pub struct SourceOption {
    /// `course:5`, `survey:7`
    pub value: String,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct ProgrammeOption {
    pub id: ProgrammeId,
    pub name: String,
}

/// The library page: the shelves, and for a member sharing templates what it can publish.
#[derive(Debug, Serialize)]
pub struct LibraryPage {
    pub shelves: Vec<Shelf>,
    pub publish_to: Vec<ProgrammeOption>,
    pub sources: Vec<SourceOption>,
    pub coordinator: bool,
}

pub fn library_page(conn: &mut DbConn, actor: &Actor) -> AppResult<LibraryPage> {
    let shelves = shelves(conn, actor)?;
    let publish_to: Vec<ProgrammeOption> = shelves
        .iter()
        .filter(|s| s.may_publish)
        .map(|s| ProgrammeOption { id: s.programme.id, name: s.programme.name.clone() })
        .collect();
    let mut sources = Vec::new();
    if !publish_to.is_empty() {
        let org = actor.coordinator_org()?;
        for c in crate::planning::service::list_courses(conn, org)? {
            sources.push(SourceOption {
                value: format!("course:{}", c.id),
                label: format!("Kurs: {} ({})", c.title, c.code),
            });
        }
        for s in crate::surveys::service::list(conn, actor)? {
            sources.push(SourceOption {
                value: format!("survey:{}", s.id),
                label: format!("Umfrage: {}", s.title),
            });
        }
    }
    Ok(LibraryPage { shelves, publish_to, sources, coordinator: actor.role == Role::Coordinator })
}

/// A template's page.
#[derive(Debug, Serialize)]
pub struct DetailPage {
    #[serde(flatten)]
    pub detail: TemplateDetail,
    /// The caller's organisation published it (it may withdraw it).
    pub own: bool,
}

pub fn detail_page(conn: &mut DbConn, actor: &Actor, id: TemplateId) -> AppResult<DetailPage> {
    let detail = detail(conn, actor, id)?;
    let own = detail.line.template.organisation_id.is_some()
        && detail.line.template.organisation_id == actor.organisation_id
        && actor.role == Role::Coordinator;
    Ok(DetailPage { detail, own })
}
