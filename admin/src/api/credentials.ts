// How requests prove who is signed in.
//
// TEMPORARY — the bearer-token fallback below is the only place a token is
// kept, and only in this module's memory (never in localStorage or
// sessionStorage). When the server supports `login(cookie: true)`, login
// returns `token: null` and sets an HttpOnly session cookie instead: then
// `token` stays null and the browser sends the cookie by itself. Once every
// server in use has the cookie, delete this file's token and its callers.
let token: string | null = null;

/** Headers that carry the session; empty when the cookie does it. */
export function authHeaders(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Keeps what `login` answered: a token (old servers) or null (cookie). */
export function keepLogin(answer: { token: string | null }): void {
  token = answer.token;
}

export function forgetLogin(): void {
  token = null;
}
