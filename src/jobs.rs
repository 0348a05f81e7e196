//! Background work: one [`Supervisor`] runs every periodic job of the service (mail,
//! session and survey reminders, check counts, clean-ups) and stops them together.
//!
//! Rules:
//! - A job is a name, a period and a tick. The first tick runs at start; a tick that is
//!   late (the previous one ran long) is not made up for.
//! - A tick that fails or panics is logged with the job's name and the job carries on at its
//!   next period: one bad tick must not end mail delivery for the rest of the process.
//!   Errors go through [`crate::telemetry::redact`], since they may quote stored data.
//! - Stopping never cuts a tick short: the job finishes the tick it is in, runs its final
//!   step (e.g. writing the last counts), and ends. [`Supervisor::shutdown`] waits for that,
//!   bounded, so a hanging database cannot keep the process from exiting. A tick that works
//!   through a list ([`Job::every_until`], the mail outbox) asks [`Stopping`] between items,
//!   so stopping waits for the item in hand, not the rest of the list.
//! - Jobs run on the actix runtime of the server (they use `web::block` through
//!   [`crate::db::Db`]), so they need not be `Send`.

use std::fmt::Display;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

type Step = Pin<Box<dyn Future<Output = Result<(), String>>>>;

/// Whether the job was told to stop: a tick that works through a list asks between items.
#[derive(Clone)]
pub struct Stopping(watch::Receiver<bool>);

impl Stopping {
    pub fn requested(&self) -> bool {
        *self.0.borrow()
    }
}

/// One periodic piece of background work; build it with [`Job::every`].
pub struct Job {
    name: &'static str,
    period: Duration,
    tick: Box<dyn FnMut(Stopping) -> Step>,
    last: Option<Box<dyn FnOnce() -> Step>>,
}

impl Job {
    /// Runs `tick` every `period` (the first time right away).
    pub fn every<F, Fut, E>(name: &'static str, period: Duration, mut tick: F) -> Job
    where
        F: FnMut() -> Fut + 'static,
        Fut: Future<Output = Result<(), E>> + 'static,
        E: Display,
    {
        Job { name, period, tick: Box::new(move |_| step(tick())), last: None }
    }

    /// Like [`Job::every`], for a tick that works through a list: it gets [`Stopping`] to
    /// ask between items, so a stop need not wait for the whole list.
    pub fn every_until<F, Fut, E>(name: &'static str, period: Duration, mut tick: F) -> Job
    where
        F: FnMut(Stopping) -> Fut + 'static,
        Fut: Future<Output = Result<(), E>> + 'static,
        E: Display,
    {
        Job { name, period, tick: Box::new(move |stopping| step(tick(stopping))), last: None }
    }

    /// Runs `last` once after the job was told to stop, so work kept in memory between
    /// ticks is not lost.
    pub fn finally<F, Fut, E>(mut self, last: F) -> Job
    where
        F: FnOnce() -> Fut + 'static,
        Fut: Future<Output = Result<(), E>> + 'static,
        E: Display,
    {
        self.last = Some(Box::new(move || step(last())));
        self
    }

    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut interval = tokio::time::interval(self.period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                // A dropped supervisor counts as a stop too.
                _ = stop.wait_for(|stopped| *stopped) => break,
                _ = interval.tick() => {}
            }
            guarded(self.name, (self.tick)(Stopping(stop.clone()))).await;
        }
        if let Some(last) = self.last.take() {
            guarded(self.name, last()).await;
        }
        tracing::debug!(job = self.name, "background job stopped");
    }
}

fn step<Fut, E>(fut: Fut) -> Step
where
    Fut: Future<Output = Result<(), E>> + 'static,
    E: Display,
{
    Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
}

/// Runs one step, turning a failure or a panic into a log line.
async fn guarded(name: &'static str, step: Step) {
    match AssertUnwindSafe(step).catch_unwind().await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(
            job = name,
            error = %crate::telemetry::redact(&error),
            "background job failed; it runs again at its next tick"
        ),
        // The panic message itself may quote data; the panic hook has printed it already.
        Err(_) => {
            tracing::error!(job = name, "background job panicked; it runs again at its next tick")
        }
    }
}

/// Owns the running jobs; dropping it without [`Supervisor::shutdown`] also stops them,
/// without waiting.
pub struct Supervisor {
    stop: watch::Sender<bool>,
    running: Vec<(&'static str, JoinHandle<()>)>,
}

impl Default for Supervisor {
    fn default() -> Self {
        Supervisor::new()
    }
}

impl Supervisor {
    pub fn new() -> Supervisor {
        Supervisor { stop: watch::Sender::new(false), running: Vec::new() }
    }

    /// Starts `job` on the current actix runtime.
    pub fn start(&mut self, job: Job) {
        let name = job.name;
        let handle = actix_web::rt::spawn(job.run(self.stop.subscribe()));
        self.running.push((name, handle));
    }

    /// Names of the jobs started, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.running.iter().map(|(name, _)| *name).collect()
    }

    /// Tells every job to stop and waits, at most `grace` in all, for each to finish its
    /// current tick and final step; jobs still busy then are abandoned (and logged).
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        for (name, mut handle) in self.running {
            match tokio::time::timeout_at(deadline, &mut handle).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => tracing::error!(job = name, "background job ended abnormally"),
                Err(_) => {
                    tracing::warn!(job = name, "background job did not stop in time; abandoned");
                    handle.abort();
                }
            }
        }
        tracing::info!("background jobs stopped");
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;

    #[actix_web::test]
    async fn a_failing_or_panicking_tick_does_not_end_the_job() {
        let ticks = Rc::new(Cell::new(0u32));
        let seen = ticks.clone();
        let mut jobs = Supervisor::new();
        jobs.start(Job::every("wobbly", Duration::from_millis(10), move || {
            let seen = seen.clone();
            async move {
                seen.set(seen.get() + 1);
                match seen.get() {
                    1 => Err("first tick fails"),
                    2 => panic!("second tick panics"),
                    _ => Ok(()),
                }
            }
        }));
        let start = std::time::Instant::now();
        while ticks.get() < 4 {
            assert!(start.elapsed() < Duration::from_secs(5), "job stopped ticking");
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        jobs.shutdown(Duration::from_secs(1)).await;
    }

    #[actix_web::test]
    async fn shutdown_waits_for_the_tick_and_runs_the_final_step() {
        let log = Rc::new(std::cell::RefCell::new(Vec::new()));
        let (in_tick, in_last) = (log.clone(), log.clone());
        let mut jobs = Supervisor::new();
        jobs.start(
            Job::every("slow", Duration::from_secs(3600), move || {
                let log = in_tick.clone();
                async move {
                    log.borrow_mut().push("tick started");
                    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
                    log.borrow_mut().push("tick done");
                    Ok::<(), String>(())
                }
            })
            .finally(move || async move {
                in_last.borrow_mut().push("last");
                Ok::<(), String>(())
            }),
        );
        assert_eq!(jobs.names(), ["slow"]);
        // Let the first tick begin, then stop in the middle of it.
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        jobs.shutdown(Duration::from_secs(5)).await;
        assert_eq!(*log.borrow(), ["tick started", "tick done", "last"]);
    }

    #[actix_web::test]
    async fn a_tick_working_through_a_list_stops_after_the_item_in_hand() {
        let done = Rc::new(Cell::new(0u32));
        let seen = done.clone();
        let mut jobs = Supervisor::new();
        jobs.start(Job::every_until("list", Duration::from_secs(3600), move |stopping| {
            let seen = seen.clone();
            async move {
                for _ in 0..100 {
                    if stopping.requested() {
                        break;
                    }
                    actix_web::rt::time::sleep(Duration::from_millis(20)).await;
                    seen.set(seen.get() + 1);
                }
                Ok::<(), String>(())
            }
        }));
        actix_web::rt::time::sleep(Duration::from_millis(70)).await;
        let at_stop = done.get();
        jobs.shutdown(Duration::from_secs(5)).await;
        assert!((1..=at_stop + 1).contains(&done.get()), "{at_stop} then {}", done.get());
    }

    #[actix_web::test]
    async fn a_hanging_tick_is_abandoned_after_the_grace_period() {
        let mut jobs = Supervisor::new();
        jobs.start(Job::every("stuck", Duration::from_secs(3600), || async {
            actix_web::rt::time::sleep(Duration::from_secs(3600)).await;
            Ok::<(), String>(())
        }));
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        let start = std::time::Instant::now();
        jobs.shutdown(Duration::from_millis(200)).await;
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
