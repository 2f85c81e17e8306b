//! HTML escaping, the one place it is done: every text or attribute value
//! Relais writes into HTML (rich text, snippets, feeds, the widget's pages).

/// Appends `s` escaped for an HTML text node or a quoted attribute.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `s` escaped for an HTML text node or a quoted attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s);
    out
}

const RTL: &[&str] = &["ar", "he", "fa", "ur", "ps", "dv", "yi", "ku", "sd", "ug"];

/// The writing direction of a locale's script: `RTL` or `LTR`.
pub fn direction(locale: &str) -> &'static str {
    let primary = locale.split('-').next().unwrap_or(locale);
    if RTL.contains(&primary) { "RTL" } else { "LTR" }
}
