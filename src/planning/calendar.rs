//! iCalendar feeds of training sessions (RFC 5545), for trainers' and coordinators' calendar
//! apps. Times carry `TZID=Europe/Berlin` with a VTIMEZONE definition, so daylight saving
//! time is right in every client; cancelled sessions stay in the feed as `CANCELLED` so
//! subscribed calendars drop them. Feeds name no participants: a feed link may be shared.
//!
//! Every text from users goes through [`text`] before it reaches the icalendar crate: line
//! breaks and other control characters become spaces (a bare CR is a line end to some
//! clients, and some properties are written unescaped), so a title cannot start a new
//! property or a new event; user text is wrapped in FSI…PDI so right-to-left names cannot
//! reorder the words around them.

use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus};

use super::models::SessionView;
use crate::i18n::{self, Text};
use crate::time;

/// Europe/Berlin since 1996: CET/CEST, switching on the last Sundays of March and October.
const VTIMEZONE_BERLIN: &str = "BEGIN:VTIMEZONE\r\n\
TZID:Europe/Berlin\r\n\
BEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:+0100\r\n\
TZOFFSETTO:+0200\r\n\
TZNAME:CEST\r\n\
DTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
END:DAYLIGHT\r\n\
BEGIN:STANDARD\r\n\
TZOFFSETFROM:+0200\r\n\
TZOFFSETTO:+0100\r\n\
TZNAME:CET\r\n\
DTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n";

fn local(utc: chrono::NaiveDateTime) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: time::to_local(utc).naive_local(),
        tzid: "Europe/Berlin".into(),
    }
}

/// One line of user text for a feed: control characters (CR, LF, TAB, …) as spaces, bidi
/// controls dropped, the whole isolated with FSI…PDI when it holds right-to-left letters.
pub fn text(user: &str) -> String {
    crate::validate::isolate(crate::validate::one_line(user).trim())
}

/// An event's description: course code, modules, interpreter languages.
fn about(lang: &str, s: &SessionView) -> String {
    let word = |t: Text| t.render(lang);
    let mut about = word(Text::key("calendar.ics.course").arg("code", text(&s.course_code)));
    if !s.modules.is_empty() {
        let modules: Vec<String> = s.modules.iter().map(|m| text(m)).collect();
        about.push_str(&word(Text::key("calendar.ics.modules").arg("modules", modules.join(", "))));
    }
    if !s.interpreter_languages.is_empty() {
        about.push_str(&word(
            Text::key("calendar.ics.languages").arg("languages", text(&s.interpreter_languages)),
        ));
    }
    about
}

/// The feed for `sessions`; `host` makes the event UIDs globally unique. Feeds are in
/// German: a subscribed calendar has no language to ask for.
pub fn sessions_ics(name: &str, host: &str, sessions: &[SessionView]) -> String {
    sessions_ics_in(i18n::DEFAULT_LANG, name, host, sessions)
}

/// The feed in `lang`, for a file attached to one person's mail.
pub fn sessions_ics_in(lang: &str, name: &str, host: &str, sessions: &[SessionView]) -> String {
    let word = |t: Text| t.render(lang);
    let mut cal = Calendar::new();
    cal.name(&text(name)).timezone(time::ZONE);
    let stamp = chrono::Utc::now();
    for s in sessions {
        let mut event = Event::new();
        event
            .uid(&format!("session-{}@{host}", s.id))
            .timestamp(stamp)
            .starts(local(s.starts_at))
            .ends(local(s.ends_at))
            .summary(&word(Text::key("calendar.ics.summary").arg("course", text(&s.course_title))))
            .description(&about(lang, s));
        if !s.location.is_empty() {
            event.location(&text(&s.location));
        }
        event.status(if s.cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed });
        cal.push(event.done());
    }
    let text = cal.done().to_string();
    // icalendar cannot build a VTIMEZONE component; it goes before the first event. Only a
    // whole line counts: the same words inside a title are text, not a component.
    match text.find("\r\nBEGIN:VEVENT\r\n").or_else(|| text.find("\r\nEND:VCALENDAR")) {
        Some(at) => format!("{}{VTIMEZONE_BERLIN}{}", &text[..at + 2], &text[at + 2..]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn session(id: i32, title: &str, location: &str) -> SessionView {
        let at =
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        SessionView {
            id: crate::ids::SessionId(id),
            run_id: crate::ids::RunId(1),
            course_title: title.into(),
            course_code: title.into(),
            date: String::new(),
            starts_at_local: String::new(),
            ends_at_local: String::new(),
            starts_at: at,
            ends_at: at + chrono::Duration::hours(2),
            location: location.into(),
            trainer_id: None,
            trainer_name: title.into(),
            trainer_ids: vec![],
            location_id: None,
            warnings: vec![],
            interpreter_languages: title.into(),
            interpreter_language_codes: vec![],
            modules: vec![title.into(), location.into()],
            module_ids: vec![],
            cancelled: false,
            is_today: false,
        }
    }

    /// The feed parsed back by the icalendar crate's parser: its events' summaries.
    fn parsed_summaries(feed: &str) -> Vec<String> {
        let unfolded = icalendar::parser::unfold(feed);
        let cal = icalendar::parser::read_calendar(&unfolded)
            .unwrap_or_else(|e| panic!("feed parses: {e}\n{feed}"));
        cal.components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .map(|c| c.find_prop("SUMMARY").map(|p| p.val.to_string()).unwrap_or_default())
            .collect()
    }

    #[test]
    fn a_title_with_line_breaks_adds_no_event() {
        let evil = "Kurs\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Gratis Wohnung\r\nDTSTART:20261201T100000Z";
        let feed = sessions_ics(evil, "example.org", &[session(1, evil, evil)]);
        assert_eq!(parsed_summaries(&feed).len(), 1, "{feed}");
        assert_eq!(feed.matches("\r\nBEGIN:VEVENT\r\n").count(), 1, "{feed}");
        assert!(!feed.contains("\r\nUID:x"), "{feed}");
    }

    proptest! {
        /// Whatever titles and places say, a feed of n sessions has exactly n events, each
        /// with one summary line, and no raw line break inside a property.
        #[test]
        fn feeds_have_exactly_their_events(
            titles in proptest::collection::vec("(\\PC|[\r\n\t\u{202e}\u{2066};:,\\\\])*", 1..4),
            place in "(\\PC|[\r\n;:])*",
        ) {
            let sessions: Vec<SessionView> = titles
                .iter()
                .enumerate()
                .map(|(i, t)| session(i as i32 + 1, t, &place))
                .collect();
            let feed = sessions_ics(&titles[0], "example.org", &sessions);
            prop_assert_eq!(parsed_summaries(&feed).len(), sessions.len());
            prop_assert_eq!(feed.matches("\r\nBEGIN:VEVENT\r\n").count(), sessions.len());
            for line in feed.split("\r\n") {
                prop_assert!(!line.contains('\r') && !line.contains('\n'));
            }
        }
    }
}
