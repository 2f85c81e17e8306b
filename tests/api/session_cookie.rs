//! The admin's session cookie: `login(cookie: true)` puts the session in an
//! HttpOnly, SameSite=Strict cookie (no token in the answer), `/graphql`
//! accepts it from the server's own pages only, and logout clears it.

use crate::common::{TestServer, backends};
use relais::domain::permissions::Role;
use serde_json::{Value, json};

struct Answer {
    status: u16,
    set_cookie: Vec<String>,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
    }
    /// The session cookie's value as set by this answer (empty when cleared).
    fn session(&self) -> Option<String> {
        self.set_cookie
            .iter()
            .find_map(|c| c.strip_prefix("relais_session=").map(|v| v.split(';').next().unwrap_or("").to_owned()))
    }
}

async fn send(s: &TestServer, query: &str, vars: Value, headers: &[(&str, &str)]) -> Answer {
    let mut rq = s.client.post(&s.url).json(&json!({ "query": query, "variables": vars }));
    for (k, v) in headers {
        rq = rq.header(*k, *v);
    }
    let r = rq.send().await.expect("the server answers");
    let status = r.status().as_u16();
    let set_cookie =
        r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok().map(str::to_owned)).collect();
    Answer { status, set_cookie, body: r.json().await.unwrap_or(Value::Null) }
}

const LOGIN: &str = "mutation($e: String!) { login(email: $e, password: \"correct horse battery staple\", cookie: true) { token user { email } } }";
const ME: &str = "{ viewer { email } }";
const CREATE: &str = "mutation($s: String!) { createNewsArticle(input: { slug: $s, title: [{ locale: \"fr\", value: \"Par cookie\" }] }) { slug } }";
const SAME: (&str, &str) = ("sec-fetch-site", "same-origin");

#[tokio::test]
async fn the_session_cookie_is_httponly_same_site_only_and_ends_with_logout() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let (_, _, email) = s.user_as(Role::Editor).await;
        let editor = s.login_as(Role::Editor).await;

        // Signing in from the admin's own page: the session is in the cookie, not the answer.
        let r = send(&s, LOGIN, json!({ "e": email }), &[SAME]).await;
        assert_eq!(r.body["data"]["login"]["user"]["email"], email.as_str(), "{b:?}: {}", r.body);
        assert!(r.body["data"]["login"]["token"].is_null(), "no script sees a token");
        let set = r.set_cookie.join("\n");
        for part in ["HttpOnly", "SameSite=Strict", "Path=/graphql", "Max-Age="] {
            assert!(set.contains(part), "{part} in {set}");
        }
        assert!(!set.contains("Secure"), "not over plain HTTP on loopback: {set}");
        let session = r.session().unwrap();
        let cookie = format!("relais_session={session}");

        // The cookie signs in requests from the server's own pages, and from no page at all (curl).
        for headers in [vec![SAME, ("cookie", cookie.as_str())], vec![("cookie", cookie.as_str())]] {
            let r = send(&s, ME, json!({}), &headers).await;
            assert_eq!(r.body["data"]["viewer"]["email"], email.as_str(), "{headers:?}: {}", r.body);
        }
        let r = send(&s, CREATE, json!({ "s": "par-cookie" }), &[SAME, ("cookie", &cookie)]).await;
        assert_eq!(r.body["data"]["createNewsArticle"]["slug"], "par-cookie", "{}", r.body);

        // From another site it is refused, and nothing is written.
        let host = s.url.trim_start_matches("http://").split('/').next().unwrap().to_owned();
        for headers in [
            vec![("sec-fetch-site", "cross-site"), ("cookie", cookie.as_str())],
            vec![("sec-fetch-site", "same-site"), ("cookie", cookie.as_str())],
            vec![("origin", "https://evil.example"), ("host", host.as_str()), ("cookie", cookie.as_str())],
        ] {
            let r = send(&s, CREATE, json!({ "s": "forgee" }), &headers).await;
            assert_eq!((r.status, r.code()), (403, "FORBIDDEN"), "{headers:?}: {}", r.body);
        }
        let origin = format!("http://{host}");
        let r = send(&s, ME, json!({}), &[("origin", &origin), ("cookie", &cookie)]).await;
        assert_eq!(r.body["data"]["viewer"]["email"], email.as_str(), "an Origin naming this host is ours");
        let r = s.gql("{ newsArticles(preview: true) { nodes { slug } } }", json!({}), Some(&editor)).await;
        assert_eq!(r.ok()["newsArticles"]["nodes"], json!([{ "slug": "par-cookie" }]), "{b:?}");
        // Nor does another site's page get a cookie session, even with the right password.
        let r = send(&s, LOGIN, json!({ "e": email }), &[("sec-fetch-site", "cross-site")]).await;
        assert_eq!(r.code(), "FORBIDDEN", "{}", r.body);
        assert!(r.session().is_none());

        // A refresh moves the cookie to a new session; the old one stops working and is cleared.
        let r = send(&s, "mutation { refreshToken { token } }", json!({}), &[SAME, ("cookie", &cookie)]).await;
        assert!(r.body["data"]["refreshToken"]["token"].is_null(), "{}", r.body);
        let fresh = format!("relais_session={}", r.session().unwrap());
        assert_ne!(fresh, cookie);
        let r = send(&s, ME, json!({}), &[SAME, ("cookie", &cookie)]).await;
        assert_eq!(r.code(), "UNAUTHENTICATED", "{}", r.body);
        assert_eq!(r.session().as_deref(), Some(""), "a cookie that no longer holds is cleared");

        // Logout ends the session and clears the cookie.
        let r = send(&s, "mutation { logout }", json!({}), &[SAME, ("cookie", &fresh)]).await;
        assert_eq!(r.body["data"]["logout"], true, "{}", r.body);
        assert!(r.set_cookie.join("\n").contains("Max-Age=0"), "{:?}", r.set_cookie);
        let r = send(&s, ME, json!({}), &[SAME, ("cookie", &fresh)]).await;
        assert_eq!(r.code(), "UNAUTHENTICATED");

        // Bearer tokens are as before.
        let r = send(
            &s,
            "mutation($e: String!) { login(email: $e, password: \"correct horse battery staple\") { token } }",
            json!({ "e": email }),
            &[],
        )
        .await;
        assert!(r.body["data"]["login"]["token"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(r.session().is_none(), "no cookie unless asked for");
        s.finish().await;
    }
}
