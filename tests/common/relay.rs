//! A network cable the test can pull: a TCP relay on loopback between a browser and the
//! app. Online, it passes bytes both ways; offline, it closes every open connection and
//! hangs up on new ones (the browser's fetch fails as without a network); slow, it accepts
//! and never answers (a connection that times out).
//!
//! DevTools' network emulation (`Network.emulateNetworkConditions`) throttles the page but
//! not its service worker's fetches, and chromedriver hangs when asked to emulate on the
//! worker's target, so the offline check is tested against a real cut instead.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ONLINE: u8 = 0;
const OFFLINE: u8 = 1;
const SLOW: u8 = 2;

pub struct Relay {
    pub base: String,
    mode: Arc<AtomicU8>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    /// A relay to the app listening on `port`, itself on a free loopback port.
    pub fn to(port: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("relay binds");
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let mode = Arc::new(AtomicU8::new(ONLINE));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (m, o) = (mode.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                match m.load(Ordering::SeqCst) {
                    OFFLINE => drop(client),
                    SLOW => o.lock().unwrap().push(client),
                    _ => {
                        let Ok(server) = TcpStream::connect(("127.0.0.1", port)) else {
                            continue;
                        };
                        let mut open = o.lock().unwrap();
                        open.push(client.try_clone().unwrap());
                        open.push(server.try_clone().unwrap());
                        pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                        pipe(server, client);
                    }
                }
            }
        });
        Relay { base, mode, open }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn online(&self) {
        self.set(ONLINE);
    }

    pub fn offline(&self) {
        self.set(OFFLINE);
    }

    pub fn slow(&self) {
        self.set(SLOW);
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
        // Kept-alive connections must not carry on as if nothing happened.
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = from.set_read_timeout(Some(Duration::from_secs(120)));
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.offline();
    }
}
