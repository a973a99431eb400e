//! The progress bar on stderr: shown on long runs when stderr is a terminal, always with
//! `--progress` (as plain lines, once a second, when stderr is not a terminal).

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// How long a run goes on before the automatic bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);
/// Input size from which the automatic bar appears at once when features are computed.
const LARGE_INPUT: u64 = 16 << 20;

/// Progress reporting for one command.
pub struct Progress {
    bar: ProgressBar,
    /// Whether the bar may appear (`--progress`, or stderr is a terminal).
    enabled: bool,
    visible: bool,
    forced: bool,
    started: Instant,
}

impl Progress {
    /// A hidden bar counting input bytes out of `total` (0 when unknown, as for stdin).
    /// `forced` is `--progress`: show it from the start, even when stderr is not a terminal.
    pub fn new(total: u64, forced: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let template = if total > 0 {
            "{msg:12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}"
        } else {
            "{spinner} {msg:12} {bytes} {bytes_per_sec} {elapsed}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message("reading");
        let mut progress = Progress {
            bar,
            enabled: forced || io::stderr().is_terminal(),
            visible: false,
            forced,
            started: Instant::now(),
        };
        if forced {
            progress.show();
        }
        progress
    }

    fn show(&mut self) {
        if self.visible || !self.enabled {
            return;
        }
        self.visible = true;
        let target = if io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::term_like_with_hz(Box::new(PlainLines::default()), 1)
        };
        self.bar.set_draw_target(target);
    }

    fn update_visibility(&mut self) {
        if !self.visible && (self.forced || self.started.elapsed() >= SHOW_AFTER) {
            self.show();
        }
    }

    /// Counts `bytes` more input read.
    pub fn read(&mut self, bytes: u64) {
        self.bar.inc(bytes);
        self.update_visibility();
    }

    /// Starts a stage that runs without updates (signing, clustering): a spinner message.
    pub fn stage(&mut self, name: &'static str) {
        if self.bar.position() >= LARGE_INPUT {
            self.show();
        }
        self.update_visibility();
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {msg:12} {bytes} read, {elapsed}")
        {
            self.bar.set_style(style);
        }
        self.bar.set_message(name);
        if io::stderr().is_terminal() {
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
    }

    /// Prints a line on stderr without breaking the bar.
    pub fn note(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    /// Removes the bar so the summary line can follow.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A stand-in terminal for a non-terminal stderr: each redraw becomes one plain line.
#[derive(Debug, Default)]
struct PlainLines {
    pending: std::sync::atomic::AtomicBool,
}

impl PlainLines {
    fn end_line(&self) -> io::Result<()> {
        if self
            .pending
            .swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            io::stderr().write_all(b"\n")?;
        }
        Ok(())
    }
}

impl TermLike for PlainLines {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.end_line()?;
        if !s.trim().is_empty() {
            writeln!(io::stderr(), "{}", s.trim_end())?;
        }
        Ok(())
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        if !s.trim().is_empty() {
            self.end_line()?;
            io::stderr().write_all(s.trim_end().as_bytes())?;
            self.pending
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }
    fn clear_line(&self) -> io::Result<()> {
        self.end_line()
    }
    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}
