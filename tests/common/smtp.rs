//! A small but real SMTP server on loopback (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA,
//! RSET, NOOP, QUIT) that keeps every message it accepts, so tests see what lettre really
//! sends over a socket. [`Behaviour`] makes it slow or unreliable in the ways real servers
//! are, and [`SmtpServer::refuse_recipients_with`] makes it refuse recipients (550).

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How the server differs from a prompt and reliable one.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// Waits this long after a message's final "." before answering "250" (RFC 5321
    /// §4.5.3.2 allows the client to wait 10 minutes there).
    pub accept_delay: Duration,
    /// For the first this many messages: keeps the message, then hangs up without an
    /// answer, as when the "250" is lost or the client dies before it reads it.
    pub lose_answer_for: usize,
}

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

pub struct SmtpServer {
    pub port: u16,
    pub received: Arc<Mutex<Vec<ReceivedMail>>>,
    refused: Arc<Mutex<Option<String>>>,
}

/// What one connection shares with the server.
#[derive(Clone)]
struct Shared {
    store: Arc<Mutex<Vec<ReceivedMail>>>,
    refused: Arc<Mutex<Option<String>>>,
    behaviour: Arc<Behaviour>,
    answers_lost: Arc<AtomicUsize>,
}

impl SmtpServer {
    pub fn start_on(port: u16) -> std::io::Result<SmtpServer> {
        Self::start_with(port, Behaviour::default())
    }

    /// A server on `port` (0: any free port) that behaves as `behaviour` says.
    pub fn start_with(port: u16, behaviour: Behaviour) -> std::io::Result<SmtpServer> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let port = listener.local_addr()?.port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(None));
        let shared = Shared {
            store: received.clone(),
            refused: refused.clone(),
            behaviour: Arc::new(behaviour),
            answers_lost: Arc::new(AtomicUsize::new(0)),
        };
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                thread::spawn(move || {
                    let _ = serve(stream, &shared);
                });
            }
        });
        Ok(SmtpServer { port, received, refused })
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// From now on, answers `RCPT TO` with a permanent "550" for addresses containing
    /// `part` (None: accepts every recipient again).
    pub fn refuse_recipients_with(&self, part: Option<&str>) {
        if let Ok(mut r) = self.refused.lock() {
            *r = part.map(str::to_string);
        }
    }
}

impl ReceivedMail {
    /// The value of the `Message-ID` header, as sent.
    pub fn message_id(&self) -> Option<String> {
        self.data.lines().take_while(|l| !l.trim().is_empty()).find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("message-id").then(|| value.trim().to_string())
        })
    }
}

fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    out.write_all(b"220 test.invalid ESMTP ready\r\n")?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            out.write_all(b"250-test.invalid\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?;
        } else if upper.starts_with("HELO") {
            out.write_all(b"250 test.invalid\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = cmd[10..].trim().to_string();
            to.clear();
            out.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            let refused = shared.refused.lock().ok().and_then(|r| r.clone());
            if refused.is_some_and(|part| cmd.contains(&part)) {
                out.write_all(b"550 5.1.1 mailbox unavailable\r\n")?;
                continue;
            }
            to.push(cmd[8..].trim().to_string());
            out.write_all(b"250 OK\r\n")?;
        } else if upper == "DATA" {
            out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let l = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(l);
            }
            // Links in mails (quoted-printable soft breaks removed) are secrets of the run.
            super::logs::remember_links_in(&data.replace("=\r\n", "").replace("=\n", ""));
            if let Ok(mut m) = shared.store.lock() {
                m.push(ReceivedMail { from: from.clone(), to: to.clone(), data });
            }
            let behaviour = &shared.behaviour;
            if shared.answers_lost.fetch_add(1, Ordering::SeqCst) < behaviour.lose_answer_for {
                return out.shutdown(Shutdown::Both);
            }
            thread::sleep(behaviour.accept_delay);
            out.write_all(b"250 OK queued\r\n")?;
        } else if upper == "QUIT" {
            out.write_all(b"221 Bye\r\n")?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            out.write_all(b"250 OK\r\n")?;
        } else {
            out.write_all(b"502 Command not implemented\r\n")?;
        }
    }
}
