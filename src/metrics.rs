//! Prometheus series, written by hand in the text format: counters and
//! histograms with fixed buckets, per label set. Label sets are bounded (a
//! family folds anything past its limit into `other`), so a client that
//! invents operation names cannot grow the memory or the scrape.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// Seconds: from half a millisecond (a cached answer) to 10 s (past the
/// query time budget).
pub const LATENCY: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

pub struct Histogram {
    buckets: &'static [f64],
    counts: Vec<AtomicU64>,
    count: AtomicU64,
    /// In microseconds, so that it stays an integer.
    sum_us: AtomicU64,
}

impl Histogram {
    pub fn new(buckets: &'static [f64]) -> Histogram {
        Histogram {
            buckets,
            counts: buckets.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, secs: f64) {
        if let Some(i) = self.buckets.iter().position(|b| secs <= *b) {
            self.counts[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_us.fetch_add((secs * 1e6) as u64, Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    /// `name_bucket`, `name_sum` and `name_count` lines for one label set
    /// (`labels` is `a="b",c="d"` or empty).
    pub fn render(&self, name: &str, labels: &str, out: &mut String) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (b, c) in self.buckets.iter().zip(&self.counts) {
            cumulative += c.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {cumulative}");
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum_us.load(Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// One series per label set, at most `max` of them.
pub struct Family<T> {
    items: Mutex<BTreeMap<String, Arc<T>>>,
    max: usize,
    make: fn() -> T,
}

impl<T> Family<T> {
    pub fn new(max: usize, make: fn() -> T) -> Family<T> {
        Family { items: Mutex::default(), max, make }
    }

    /// The series of `labels` (already rendered, values escaped).
    pub fn get(&self, labels: String) -> Arc<T> {
        let mut items = self.items.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = items.get(&labels) {
            return t.clone();
        }
        let key = if items.len() >= self.max { "other=\"true\"".to_owned() } else { labels };
        items.entry(key).or_insert_with(|| Arc::new((self.make)())).clone()
    }

    pub fn each(&self) -> Vec<(String, Arc<T>)> {
        self.items.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// A label value as Prometheus reads it.
pub fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// `# HELP` and `# TYPE` of a family.
pub fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A counter or gauge family.
pub fn values(out: &mut String, name: &str, kind: &str, help: &str, series: &[(String, f64)]) {
    head(out, name, kind, help);
    for (labels, v) in series {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {v}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {v}");
        }
    }
}

pub fn histograms(out: &mut String, name: &str, help: &str, family: &Family<Histogram>) {
    head(out, name, "histogram", help);
    for (labels, h) in family.each() {
        h.render(name, &labels, out);
    }
}

pub fn counter() -> AtomicU64 {
    AtomicU64::new(0)
}

pub fn latency() -> Histogram {
    Histogram::new(LATENCY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_renders_cumulative_buckets_sum_and_count() {
        let h = Histogram::new(&[0.1, 1.0]);
        for s in [0.05, 0.5, 0.7, 3.0] {
            h.observe(s);
        }
        let mut out = String::new();
        h.render("x_seconds", "route=\"/graphql\"", &mut out);
        assert_eq!(
            out,
            "x_seconds_bucket{route=\"/graphql\",le=\"0.1\"} 1\nx_seconds_bucket{route=\"/graphql\",le=\"1\"} 3\n\
             x_seconds_bucket{route=\"/graphql\",le=\"+Inf\"} 4\nx_seconds_sum{route=\"/graphql\"} 4.25\n\
             x_seconds_count{route=\"/graphql\"} 4\n"
        );
    }

    #[test]
    fn a_family_folds_label_sets_past_its_limit() {
        let f: Family<AtomicU64> = Family::new(2, counter);
        for op in ["a", "b", "c", "d"] {
            f.get(format!("operation=\"{op}\"")).fetch_add(1, Relaxed);
        }
        let seen: Vec<(String, u64)> = f.each().into_iter().map(|(k, v)| (k, v.load(Relaxed))).collect();
        assert_eq!(seen, [("operation=\"a\"".into(), 1), ("operation=\"b\"".into(), 1), ("other=\"true\"".into(), 2)]);
    }
}
