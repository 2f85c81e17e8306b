//! Escaping, the one place it is done: every text or attribute value Relais
//! writes into HTML (rich text, snippets, feeds, the widget's pages) or XML
//! (the Atom and RSS feeds).

/// What a text is written into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// An HTML text node or quoted attribute.
    Html,
    /// XML character data.
    XmlText,
    /// An XML attribute value (either quote style): LF and tab become
    /// character references too, so they survive attribute-value
    /// normalisation.
    XmlAttr,
}

/// Appends `s` escaped for `m`: `& < > " '` become references everywhere;
/// in XML, CR does too (it survives end-of-line handling) and characters not
/// allowed in XML 1.0 (and other control characters) are dropped.
pub fn escape_as(out: &mut String, s: &str, m: Markup) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(if m == Markup::Html { "&#39;" } else { "&apos;" }),
            c if m == Markup::Html => out.push(c),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' if m == Markup::XmlAttr => out.push_str(if c == '\n' { "&#10;" } else { "&#9;" }),
            c if xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// Whether XML 1.0 allows `c` (control characters other than tab, LF and CR
/// are dropped too).
pub fn xml_char(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        '\u{FFFE}' | '\u{FFFF}' => false,
        c => !c.is_control(),
    }
}

/// Appends `s` escaped for an HTML text node or a quoted attribute.
pub fn escape_into(out: &mut String, s: &str) {
    escape_as(out, s, Markup::Html)
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
