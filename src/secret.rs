//! Values that must never reach a log: `Debug` says there is one, not what
//! it is (the JWT key, the S3 secret key). The value is read with `expose`,
//! where it is used.

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::Cli;
    use clap::Parser;

    /// The settings as parsed, and the configuration made of them, can be
    /// logged: no secret shows.
    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let jwt = "jwt-secret-value-0123456789-abcdefghij";
        let s3 = "s3-secret-value-9876543210";
        let cli =
            Cli::try_parse_from(["relais", "--jwt-secret", jwt, "--aws-secret-access-key", s3, "migrate"]).unwrap();
        let config = cli.settings.config("127.0.0.1:4000").unwrap();
        let s3_settings = cli.settings.s3_settings();
        for shown in [format!("{cli:?}"), format!("{config:?}"), format!("{s3_settings:?}")] {
            assert!(!shown.contains(jwt) && !shown.contains(s3), "{shown}");
            assert!(shown.contains("Secret(<redacted>)"), "{shown}");
        }
        assert_eq!(config.jwt_secret.as_ref().map(|s| s.expose()), Some(jwt));
    }
}
