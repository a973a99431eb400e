//! What the stream's main loop waits for: input lines from a reader thread and stop signals
//! from a signal thread, on one channel, so the loop can also wake up when input is idle.

use std::io::{self, BufRead};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::Duration;

/// Lines read ahead of the one being answered. Small: a line read but not answered when a
/// signal arrives is dropped (it was never answered, so the caller resends it), and the
/// bound keeps `cat big.jsonl | neardup stream` from holding the whole file in memory.
const READ_AHEAD: usize = 64;

/// Something the main loop must act on.
#[derive(Debug)]
pub enum Event {
    /// One input line, with its newline if it had one.
    Line(Vec<u8>),
    /// The end of the input.
    Eof,
    /// Reading the input failed.
    ReadError(io::Error),
    /// A stop signal arrived; [`Events::stop_signal`] says which.
    Signal,
    /// No event within the idle interval.
    Idle,
}

/// The event source: a reader thread on stdin and, on Unix, a signal thread.
pub struct Events {
    rx: Receiver<Event>,
    /// The first stop signal received (0: none). Set before [`Event::Signal`] is queued, and
    /// also when the queue is full, so the loop never misses a stop.
    signal: Arc<AtomicI32>,
}

impl Events {
    /// Installs the stop-signal handlers and starts reading stdin.
    pub fn start() -> io::Result<Events> {
        let (tx, rx) = mpsc::sync_channel(READ_AHEAD);
        let signal = Arc::new(AtomicI32::new(0));
        watch_signals(tx.clone(), Arc::clone(&signal))?;
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || read_lines(&tx))?;
        Ok(Events { rx, signal })
    }

    /// The next event, or [`Event::Idle`] when none came within `idle`.
    pub fn next(&self, idle: Duration) -> Event {
        match self.rx.recv_timeout(idle) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => Event::Idle,
            // The senders live as long as their threads; the reader always says Eof first.
            Err(RecvTimeoutError::Disconnected) => Event::Eof,
        }
    }

    /// The stop signal received, if any.
    pub fn stop_signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }
}

/// Sends every stdin line, then [`Event::Eof`] or [`Event::ReadError`].
fn read_lines(tx: &SyncSender<Event>) {
    let mut input = io::stdin().lock();
    loop {
        let mut raw = Vec::new();
        let event = match input.read_until(b'\n', &mut raw) {
            Ok(0) => Event::Eof,
            Ok(_) => Event::Line(raw),
            Err(e) => Event::ReadError(e),
        };
        let last = !matches!(event, Event::Line(_));
        if tx.send(event).is_err() || last {
            return;
        }
    }
}

/// The signals that stop the stream gracefully.
#[cfg(unix)]
const STOP_SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

/// Replaces the default action of SIGINT, SIGTERM and SIGHUP (die at once) by recording the
/// signal and waking the main loop. Later signals are ignored: a second Ctrl-C does not cut a
/// save short (SIGKILL does, and the last checkpoint is still whole).
#[cfg(unix)]
fn watch_signals(tx: SyncSender<Event>, signal: Arc<AtomicI32>) -> io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new(STOP_SIGNALS)?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for s in signals.forever() {
                if signal
                    .compare_exchange(0, s, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    // A full queue is fine: the loop checks the flag before every line.
                    let _ = tx.try_send(Event::Signal);
                }
            }
        })?;
    Ok(())
}

/// The conventional name of a stop signal, for messages.
pub fn signal_name(signal: i32) -> String {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        match signal {
            SIGINT => return "SIGINT".into(),
            SIGTERM => return "SIGTERM".into(),
            SIGHUP => return "SIGHUP".into(),
            _ => {}
        }
    }
    format!("signal {signal}")
}

/// Elsewhere the default handlers stay: a stop loses what the last checkpoint did not save.
#[cfg(not(unix))]
fn watch_signals(_tx: SyncSender<Event>, _signal: Arc<AtomicI32>) -> io::Result<()> {
    Ok(())
}
