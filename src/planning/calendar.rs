//! iCalendar feeds of training sessions (RFC 5545), for trainers' and coordinators' calendar
//! apps. Times carry `TZID=Europe/Berlin` with a VTIMEZONE definition, so daylight saving
//! time is right in every client; cancelled sessions stay in the feed as `CANCELLED` so
//! subscribed calendars drop them. Feeds name no participants: a feed link may be shared.

use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus};

use super::models::SessionView;
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

/// The feed for `sessions`; `host` makes the event UIDs globally unique.
pub fn sessions_ics(name: &str, host: &str, sessions: &[SessionView]) -> String {
    let mut cal = Calendar::new();
    cal.name(name).timezone(time::ZONE);
    let stamp = chrono::Utc::now();
    for s in sessions {
        let mut event = Event::new();
        event
            .uid(&format!("session-{}@{host}", s.id))
            .timestamp(stamp)
            .starts(local(s.starts_at))
            .ends(local(s.ends_at))
            .summary(&format!("Mietschulung: {}", s.course_title))
            .description(&{
                let mut text = format!("Kurs {}.", s.course_code);
                if !s.modules.is_empty() {
                    text.push_str(&format!(" Module: {}.", s.modules.join(", ")));
                }
                if !s.interpreter_languages.is_empty() {
                    text.push_str(&format!(" Dolmetschung: {}.", s.interpreter_languages));
                }
                text
            });
        if !s.location.is_empty() {
            event.location(&s.location);
        }
        event.status(if s.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
        cal.push(event.done());
    }
    let text = cal.done().to_string();
    // icalendar cannot build a VTIMEZONE component; it goes before the first event.
    match text
        .find("BEGIN:VEVENT")
        .or_else(|| text.find("END:VCALENDAR"))
    {
        Some(at) => format!("{}{VTIMEZONE_BERLIN}{}", &text[..at], &text[at..]),
        None => text,
    }
}
