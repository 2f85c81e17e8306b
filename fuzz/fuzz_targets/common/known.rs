//! Bugs found and reported but not fixed yet: with RELAIS_FUZZ_SKIP_KNOWN set,
//! inputs that would hit them are skipped, so that a long run can go on to
//! find others. Unset (the default, and in CI), they fail the run; their
//! reproducers are in fuzz/regressions/.

/// Whether to skip this input.
pub fn skip(data: &[u8]) -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("RELAIS_FUZZ_SKIP_KNOWN").is_some_and(|v| !v.is_empty() && v != "0"))
        && mp4_duration_overflow(data)
}

/// `mp4_duration_ms` multiplies a 64-bit `mvhd` duration by 1000 unchecked:
/// any version-1 `mvhd` box is skipped.
fn mp4_duration_overflow(data: &[u8]) -> bool {
    data.windows(5).any(|w| w == b"mvhd\x01")
}
