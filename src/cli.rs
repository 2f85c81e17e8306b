//! The command line: one binary, each setting a flag and an environment
//! variable of the same name.

use crate::app::{Hub, Limits};
use crate::domain::{auth, import, locale::Locales, permissions::Role};
use crate::store::Store;
use clap::{Args, Parser, Subcommand};
use std::io::Read;
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "relais",
    version,
    about = "Relais: a headless content hub with one GraphQL API"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// SQLite file (sqlite:PATH) or PostgreSQL URL (postgres://…).
    #[arg(
        long,
        env = "RELAIS_DATABASE_URL",
        default_value = "sqlite:data/relais.db",
        global = true
    )]
    pub database_url: String,
    /// Locales served, the default first.
    #[arg(
        long,
        env = "RELAIS_LOCALES",
        default_value = "fr,en,ar",
        global = true
    )]
    pub locales: String,
    /// Fallback chains, e.g. `ar:fr,en:fr`; every chain ends with the default locale.
    #[arg(
        long,
        env = "RELAIS_LOCALE_FALLBACKS",
        default_value = "ar:fr,en:fr",
        global = true
    )]
    pub locale_fallbacks: String,
    /// Secret that signs tokens (32+ characters); by default one is made and kept in the database.
    #[arg(long, env = "RELAIS_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Lifetime of login tokens, in seconds.
    #[arg(long, env = "RELAIS_TOKEN_TTL", default_value_t = 12 * 3600, global = true)]
    pub token_ttl: i64,
    /// Largest request body, in bytes.
    #[arg(long, env = "RELAIS_MAX_BODY_BYTES", default_value_t = 1 << 20, global = true)]
    pub max_body_bytes: usize,
    /// Largest query depth.
    #[arg(long, env = "RELAIS_MAX_DEPTH", default_value_t = 15, global = true)]
    pub max_depth: usize,
    /// Largest query cost (fields times the page sizes they are nested in).
    #[arg(
        long,
        env = "RELAIS_MAX_COMPLEXITY",
        default_value_t = 50_000,
        global = true
    )]
    pub max_complexity: usize,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import content from a JSON file (the export format).
    Import { file: String },
    /// Export all content to a JSON file.
    Export { file: String },
    /// Print the GraphQL schema (SDL).
    Schema,
}

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RELAIS_ADDR", default_value = "127.0.0.1:4000")]
    pub addr: String,
    /// Load the demo content into an empty database that is not the embedded default.
    #[arg(long, env = "RELAIS_DEMO")]
    pub demo: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password comes from RELAIS_PASSWORD or standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["ADMIN", "EDITOR", "AUTHOR", "VIEWER"], ignore_case = true)]
        role: String,
    },
}

impl Settings {
    pub async fn hub(&self) -> anyhow::Result<Arc<Hub>> {
        let store = Store::connect(&self.database_url).await?;
        let locales = Locales::parse(&self.locales, &self.locale_fallbacks)?;
        let limits = Limits {
            body_bytes: self.max_body_bytes,
            depth: self.max_depth,
            complexity: self.max_complexity,
            page_size: 100,
        };
        Ok(Hub::new(
            store,
            locales,
            self.jwt_secret.as_deref(),
            self.token_ttl,
            limits,
        )
        .await?)
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let s = cli.settings;
    match cli.command.unwrap_or(Command::Serve(ServeArgs {
        addr: std::env::var("RELAIS_ADDR").unwrap_or_else(|_| "127.0.0.1:4000".into()),
        demo: std::env::var("RELAIS_DEMO").is_ok_and(|v| v == "true" || v == "1"),
    })) {
        Command::Serve(args) => {
            let hub = s.hub().await?;
            // The embedded default shows real content at once; elsewhere only on request.
            if (s.database_url.starts_with("sqlite:") || args.demo)
                && import::load_demo_if_empty(&hub.content).await?
            {
                tracing::info!("loaded the demo content");
            }
            let schema = crate::graphql::build(hub.clone())?;
            crate::http::serve(hub, schema, &args.addr).await
        }
        Command::Migrate => {
            s.hub().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User {
            command: UserCommand::Create { email, role },
        } => {
            let hub = s.hub().await?;
            let role = Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
            let password = match std::env::var("RELAIS_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut p = String::new();
                    std::io::stdin().read_to_string(&mut p)?;
                    p.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            let user = auth::create_user(hub.store(), &email, role, password).await?;
            println!("created {} user {}", user.role, user.email);
            Ok(())
        }
        Command::Import { file } => {
            let hub = s.hub().await?;
            let text = std::fs::read_to_string(&file)?;
            let n = import::import(&hub.content, &text).await?;
            println!("imported {n} items from {file}");
            Ok(())
        }
        Command::Export { file } => {
            let hub = s.hub().await?;
            let doc = import::export(&hub.content).await?;
            std::fs::write(&file, serde_json::to_string_pretty(&doc)?)?;
            println!(
                "exported {} items to {file}",
                doc["items"].as_array().map_or(0, Vec::len)
            );
            Ok(())
        }
        Command::Schema => {
            let hub = s.hub().await?;
            print!("{}", crate::graphql::build(hub)?.sdl());
            Ok(())
        }
    }
}
