//! Process figures read from `/proc` (Linux): CPU time, resident memory, and a description
//! of the machine for the report.

use std::process::Command;
use std::sync::OnceLock;

/// Clock ticks per second of the CPU times in `/proc/<pid>/stat` (`getconf CLK_TCK`).
fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|t: &f64| *t > 0.0)
            .unwrap_or(100.0)
    })
}

/// User plus system CPU seconds used so far by every thread of a process (`"self"` for
/// this one); `None` once the process is gone.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces; fields are counted after its closing paren.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime field 14, stime field 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

/// A memory figure of `/proc/<pid>/status` in MiB: `VmRSS` (resident now) or `VmHWM`
/// (peak resident).
pub fn memory_mib(pid: &str, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status
        .lines()
        .find(|l| l.split(':').next() == Some(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The machine, for the report: CPU model, online CPUs, memory and kernel.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Machine {
    /// CPU model name.
    pub cpu: String,
    /// CPUs available to this process.
    pub cpus: usize,
    /// Total memory in MiB.
    pub memory_mib: f64,
    /// Kernel release.
    pub kernel: String,
}

impl Machine {
    /// Reads the description from `/proc`.
    pub fn describe() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let memory_mib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<f64>().ok())
            })
            .map_or(0.0, |kib| kib / 1024.0);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|k| k.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        Self {
            cpu,
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_mib,
            kernel,
        }
    }
}

/// The load average over the last minute: how busy the machine was (other builds, tests).
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

/// CPU seconds the whole machine spent busy so far (all CPUs, from `/proc/stat`).
pub fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<f64> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    let busy: f64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|i| ticks.get(*i))
        .sum();
    Some(busy / clock_ticks())
}

/// CPU used by processes other than the measured ones during a phase: the machine's busy
/// time minus what the measured processes used.
#[derive(Debug, Clone)]
pub struct OthersMeter {
    machine: f64,
    me: CpuMeter,
}

impl OthersMeter {
    /// Starts measuring.
    pub fn start() -> Self {
        Self {
            machine: machine_busy_seconds().unwrap_or(0.0),
            me: CpuMeter::start("self"),
        }
    }

    /// CPU seconds used since the start by processes other than this one and those whose
    /// CPU seconds are given.
    pub fn elapsed(&self, measured: &[f64]) -> f64 {
        let machine = machine_busy_seconds().map_or(0.0, |now| now - self.machine);
        (machine - self.me.elapsed() - measured.iter().sum::<f64>()).max(0.0)
    }
}

/// CPU time used by a process between two points in time.
#[derive(Debug, Clone)]
pub struct CpuMeter {
    pid: String,
    start: f64,
}

impl CpuMeter {
    /// Starts measuring process `pid` (`"self"` for this one).
    pub fn start(pid: impl Into<String>) -> Self {
        let pid = pid.into();
        let start = cpu_seconds(&pid).unwrap_or(0.0);
        Self { pid, start }
    }

    /// CPU seconds used since [`start`](Self::start).
    pub fn elapsed(&self) -> f64 {
        cpu_seconds(&self.pid).map_or(0.0, |now| (now - self.start).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let before = cpu_seconds("self").unwrap();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(cpu_seconds("self").unwrap() >= before);
        assert!(memory_mib("self", "VmRSS").unwrap() > 0.0);
        assert!(memory_mib("self", "VmHWM").unwrap() >= memory_mib("self", "VmRSS").unwrap());
        assert_eq!(memory_mib("self", "NoSuchField"), None);
        assert!(Machine::describe().cpus >= 1);
        assert!(machine_busy_seconds().unwrap() > 0.0);
        assert!(OthersMeter::start().elapsed(&[]) >= 0.0);
    }
}
