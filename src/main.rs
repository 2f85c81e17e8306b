use clap::Parser;

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
