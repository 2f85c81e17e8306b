use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logs go to standard error: standard output is for what a command prints
    // (`relais schema > schema.graphql`).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RELAIS_LOG").unwrap_or_else(|_| "relais=info".into()),
        )
        .init();
    match relais::cli::run(relais::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relais: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
