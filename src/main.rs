use clap::Parser;

/// mimalloc: see Cargo.toml (the read path allocates and frees thousands of
/// small values per request; glibc's malloc spent a third of its CPU).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logs go to standard error: standard output is for what a command prints
    // (`relais schema > schema.graphql`). RELAIS_LOG_FORMAT=json: one JSON
    // object a line, for log collectors.
    let filter = tracing_subscriber::EnvFilter::try_from_env("RELAIS_LOG").unwrap_or_else(|_| "relais=info".into());
    let logs = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    if std::env::var("RELAIS_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().flatten_event(true).init();
    } else {
        logs.init();
    }
    match relais::cli::run(relais::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relais: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    /// `.cargo/config.toml` builds mimalloc to commit arena memory as it is
    /// used (`mi_option_arena_eager_commit`, the fifth of `mi_option_e`, is 0
    /// instead of 2): idle and peak memory stay those of the system allocator
    /// (about 26 and 57 MB in the benchmark, instead of 41 and 83).
    #[test]
    fn the_allocator_commits_memory_as_it_is_used() {
        // SAFETY: reads a plain integer option.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(4) }, 0);
    }
}
