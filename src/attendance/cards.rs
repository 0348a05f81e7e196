//! Personal check-in cards: a printed card with a QR code per participant, so a trainer
//! checks people in by scanning instead of searching the list.
//!
//! Rules: the card holds a random code, not personal data; scanning it with the phone's
//! camera opens `<PUBLIC_URL>/K/<CODE>`, which (for a logged-in trainer) offers the
//! trainer's sessions of today in which the person holds a place. A card used for a
//! session of another run is refused with a clear message.

use rand::RngCore;

use crate::attendance::{self, models::RosterEntry};
use crate::auth::Actor;
use crate::certificates::pdf::ParticipantCard;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{OrgId, RunId, SessionId};
use crate::participants::models::Participant;
use crate::participants::service as people;
use crate::planning::{self, models::SessionView};

/// Cards are read by people too: no 0/O or 1/I confusion.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let mut raw = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    raw.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect()
}

/// "abcde-fghij", a scanned URL or a code with spaces → "ABCDEFGHIJ".
pub fn normalise(input: &str) -> Option<String> {
    let tail = input.trim().rsplit('/').next().unwrap_or("");
    let code: String = tail
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == 10 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

pub fn display(code: &str) -> String {
    format!("{}-{}", &code[..5.min(code.len())], &code[5.min(code.len())..])
}

/// Cards for everyone holding a place in the run; codes are made on first print.
pub fn cards_for_run(
    conn: &mut DbConn, actor: &Actor, public_url: &str, run_id: RunId,
) -> AppResult<(String, Vec<ParticipantCard>)> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let run = planning::service::get_run(conn, org, run_id)?;
        let course = planning::service::get_course(conn, org, run.course_id)?;
        let issuer = crate::orgs::service::get(conn, org)?.issuer_name;
        let mut cards = Vec::new();
        for p in people::enrolled_in(conn, org, run_id)? {
            let code = match p.card_code.clone() {
                Some(c) => c,
                None => {
                    let c = new_code();
                    people::set_card_code(conn, p.id, &c)?;
                    c
                }
            };
            cards.push(ParticipantCard {
                name: p.full_name(),
                course: course.title.clone(),
                period: format!(
                    "{} – {}",
                    crate::time::fmt_date(run.start_date),
                    crate::time::fmt_date(run.end_date)
                ),
                url: format!("{}/K/{code}", public_url.to_uppercase()),
                code: display(&code),
            });
        }
        if cards.is_empty() {
            return Err(AppError::conflict("error.cards.nobody_enrolled"));
        }
        Ok((issuer, cards))
    })
}

fn holder(conn: &mut DbConn, org: OrgId, input: &str) -> AppResult<Participant> {
    let code = normalise(input)
        .ok_or_else(|| AppError::invalid("card", Text::key("error.cards.not_a_code")))?;
    people::by_card_code(conn, org, &code)?
        .ok_or_else(|| AppError::invalid("card", Text::key("error.cards.unknown")))
}

/// Checks the card's holder in: present, unless their mark already says they attend (late
/// or left early stay); answers their current entry.
pub fn check_in(
    conn: &mut DbConn, actor: &Actor, session_id: SessionId, input: &str,
) -> AppResult<RosterEntry> {
    let org = actor.staff_org()?;
    let p = holder(conn, org, input)?;
    let session = planning::service::get_session(conn, org, session_id)?;
    if !people::holds_place(conn, session.run_id, p.id)? {
        return Err(AppError::invalid(
            "card",
            Text::key("error.cards.other_run").arg("name", p.full_name()),
        ));
    }
    attendance::service::check_in(conn, actor, session_id, p.id)
}

/// Where a card's QR code leads: the holder and the trainer's sessions of today for them.
#[derive(Debug, serde::Serialize)]
pub struct CardPage {
    pub name: String,
    /// The code as it came in the link.
    pub code: String,
    pub sessions: Vec<CardSession>,
}

/// A session of today on the card's page, with the holder's current mark.
#[derive(Debug, serde::Serialize)]
pub struct CardSession {
    #[serde(flatten)]
    pub session: SessionView,
    /// The holder's mark in words, when marked.
    pub mark: Option<String>,
    pub left_early: bool,
    /// When check-in opens (local time), while it has not.
    pub opens_at: Option<String>,
}

pub fn card_page(conn: &mut DbConn, actor: &Actor, code: String) -> AppResult<CardPage> {
    let (p, sessions) = sessions_for_card(conn, actor, &code)?;
    let now = crate::time::now_utc();
    let mut shown = Vec::new();
    for session in sessions {
        let current = attendance::repo::current_mark(conn, session.id, p.id)?;
        let opens = attendance::service::marks_open_at(session.starts_at);
        shown.push(CardSession {
            mark: current.as_ref().map(|(m, _)| m.status.label()),
            left_early: current.is_some_and(|(m, _)| m.left_early),
            opens_at: (now < opens).then(|| crate::time::fmt_datetime(opens)),
            session,
        });
    }
    Ok(CardPage { name: p.full_name(), code, sessions: shown })
}

/// The card's holder and the actor's sessions of today in which they hold a place.
pub fn sessions_for_card(
    conn: &mut DbConn, actor: &Actor, input: &str,
) -> AppResult<(Participant, Vec<SessionView>)> {
    let org = actor.staff_org()?;
    let p = holder(conn, org, input)?;
    let today: Vec<SessionView> =
        planning::service::session_views(conn, org, None, Some(actor.user_id))?
            .into_iter()
            .filter(|s| s.is_today && !s.cancelled)
            .collect();
    let mut mine = Vec::new();
    for s in today {
        if people::holds_place(conn, s.run_id, p.id)? {
            mine.push(s);
        }
    }
    Ok((p, mine))
}
