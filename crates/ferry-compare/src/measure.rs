//! What the harness measures around one run: wall time, CPU time (user + system, from
//! `getrusage`) and the peak resident memory (`VmHWM`, reset before the run).
//!
//! The peak is reset by writing `5` to `/proc/self/clear_refs` (Linux 4.0 and later), so a
//! case run in a process where an earlier case peaked higher still reports its own peak; where
//! the reset is refused, the process's peak so far is reported and a note says so. Running each
//! case in a fresh process (`--fresh`) makes the peak exact everywhere. `nix` wraps
//! `getrusage` in a safe function, which keeps this crate free of unsafe code.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// One run of one case: the harness's measurements and the workload's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Wall time: the workload's own timing if it gave one, else the whole run.
    pub wall: Duration,
    /// User plus system CPU time of the whole process (every thread) over the run.
    pub cpu: Option<Duration>,
    /// The process's peak resident memory during the run, in bytes.
    pub peak_rss: Option<u64>,
    /// Virtual time the run took, on a backend with a virtual clock (the mock).
    pub virtual_time: Option<Duration>,
    /// Items the workload reported.
    pub items: Option<u64>,
    /// The figure the comparison ranks by, in its unit.
    pub value: f64,
    /// Notes the workload and the harness attached.
    pub notes: Vec<String>,
}

impl Sample {
    /// Items per second of wall time, when the workload reported a count.
    pub fn throughput(&self) -> Option<f64> {
        let seconds = self.wall.as_secs_f64();
        match self.items {
            Some(items) if seconds > 0.0 => Some(items as f64 / seconds),
            _ => None,
        }
    }
}

/// The readings taken when a run starts.
#[derive(Debug)]
pub(crate) struct Probe {
    started: Instant,
    cpu: Option<Duration>,
    peak_reset: bool,
}

/// What a probe read at the end of a run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Readings {
    pub(crate) wall: Duration,
    pub(crate) cpu: Option<Duration>,
    pub(crate) peak_rss: Option<u64>,
    pub(crate) peak_reset: bool,
}

impl Probe {
    /// Resets the memory peak and reads the clocks.
    pub(crate) fn start() -> Self {
        let peak_reset = reset_peak_rss();
        Self {
            cpu: cpu_time(),
            peak_reset,
            started: Instant::now(),
        }
    }

    /// Reads the clocks and the memory peak again.
    pub(crate) fn stop(self) -> Readings {
        let wall = self.started.elapsed();
        let cpu = cpu_time()
            .zip(self.cpu)
            .map(|(now, then)| now.saturating_sub(then));
        Readings {
            wall,
            cpu,
            peak_rss: peak_rss(),
            peak_reset: self.peak_reset,
        }
    }
}

/// User plus system time of this process so far.
#[cfg(unix)]
pub(crate) fn cpu_time() -> Option<Duration> {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_SELF).ok()?;
    let of = |time: nix::sys::time::TimeVal| {
        let micros = time.tv_sec() as i128 * 1_000_000 + time.tv_usec() as i128;
        Duration::from_micros(u64::try_from(micros).unwrap_or(0))
    };
    Some(of(usage.user_time()) + of(usage.system_time()))
}

/// CPU time is not read on this platform.
#[cfg(not(unix))]
pub(crate) fn cpu_time() -> Option<Duration> {
    None
}

/// The peak resident set: `VmHWM` from `/proc/self/status` where it exists (it can be reset),
/// else `getrusage`'s `ru_maxrss` (the whole process's life).
pub(crate) fn peak_rss() -> Option<u64> {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(peak) = status_field(&status, "VmHWM:") {
            return Some(peak);
        }
    }
    max_rss()
}

#[cfg(unix)]
fn max_rss() -> Option<u64> {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_SELF).ok()?;
    // Linux and the BSDs report KiB; macOS reports bytes.
    let scale = if cfg!(target_os = "macos") { 1 } else { 1024 };
    u64::try_from(usage.max_rss()).ok().map(|rss| rss * scale)
}

#[cfg(not(unix))]
fn max_rss() -> Option<u64> {
    None
}

/// Resets `VmHWM` to the current resident set; false where the kernel does not allow it.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

/// A `kB` field (`VmRSS:`, `VmHWM:`) of the text of `/proc/self/status`, in bytes.
///
/// ```
/// use ferry_compare::measure::status_field;
///
/// assert_eq!(status_field("VmRSS:\t  12 kB\n", "VmRSS:"), Some(12 * 1024));
/// ```
pub fn status_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_read_in_bytes() {
        let status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(status_field(status, "VmHWM:"), Some(2 * 1024 * 1024));
        assert_eq!(status_field(status, "VmRSS:"), Some(1024 * 1024));
        assert_eq!(status_field(status, "VmSwap:"), None);
    }

    #[test]
    fn throughput_needs_items_and_time() {
        let mut sample = Sample {
            wall: Duration::from_millis(500),
            cpu: None,
            peak_rss: None,
            virtual_time: None,
            items: Some(100),
            value: 0.0,
            notes: Vec::new(),
        };
        assert_eq!(sample.throughput(), Some(200.0));
        sample.items = None;
        assert_eq!(sample.throughput(), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_probe_reads_cpu_time_and_a_peak_on_linux() {
        let readings = Probe::start().stop();
        assert!(readings.cpu.is_some());
        assert!(readings.peak_rss.is_some_and(|peak| peak > 0));
    }
}
