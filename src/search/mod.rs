//! Text analysis for full-text search.
//!
//! Analysis (word splitting, folding, stop words, stemming) happens here, in
//! Rust, and the databases index only the terms it produces: FTS5 on SQLite,
//! a `tsvector` with a GIN index on PostgreSQL. So both databases match the
//! same words for the same query, and languages neither database handles well
//! get the same treatment: FTS5 has no French or Arabic stemmer, and
//! PostgreSQL's `arabic` configuration does not fold alef and hamza forms.
//!
//! Folding lowercases, removes Latin accents (`événement` → `evenement`) and,
//! for Arabic, removes tashkeel and tatweel and folds alef/hamza forms to `ا`,
//! `ى` to `ي`, `ة` to `ه`, `ؤ` to `و` and `ئ` to `ي`. The Snowball stemmer of
//! the text's language (French, English, Arabic and a dozen more) then reduces
//! each word, so that `migrations` finds `migration`.

use crate::html::escape_into;
use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

/// Longest word kept, in bytes; longer runs are not words people search for.
const MAX_WORD: usize = 64;
/// At most this many words of a query are used.
pub const MAX_QUERY_WORDS: usize = 12;
pub const MAX_QUERY_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    French,
    English,
    Arabic,
    Spanish,
    German,
    Italian,
    Portuguese,
    Dutch,
    Russian,
    Turkish,
    /// A language without a stemmer here: words are folded only.
    Other,
}

impl Lang {
    /// The language of a locale code (`fr`, `fr-MA`, `ar`).
    pub fn of_locale(locale: &str) -> Lang {
        let primary = locale.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Lang::French,
            "en" => Lang::English,
            "ar" => Lang::Arabic,
            "es" => Lang::Spanish,
            "de" => Lang::German,
            "it" => Lang::Italian,
            "pt" => Lang::Portuguese,
            "nl" => Lang::Dutch,
            "ru" => Lang::Russian,
            "tr" => Lang::Turkish,
            _ => Lang::Other,
        }
    }

    fn algorithm(self) -> Option<Algorithm> {
        Some(match self {
            Lang::French => Algorithm::French,
            Lang::English => Algorithm::English,
            Lang::Arabic => Algorithm::Arabic,
            Lang::Spanish => Algorithm::Spanish,
            Lang::German => Algorithm::German,
            Lang::Italian => Algorithm::Italian,
            Lang::Portuguese => Algorithm::Portuguese,
            Lang::Dutch => Algorithm::Dutch,
            Lang::Russian => Algorithm::Russian,
            Lang::Turkish => Algorithm::Turkish,
            Lang::Other => return None,
        })
    }

    /// Words too common to search for, in folded form.
    fn stop_words(self) -> &'static [&'static str] {
        match self {
            Lang::French => &[
                "a", "au", "aux", "avec", "c", "ce", "ces", "cet", "cette", "d", "dans", "de", "des", "du", "elle",
                "elles", "en", "est", "et", "il", "ils", "j", "l", "la", "le", "les", "leur", "leurs", "lui", "m", "n",
                "ne", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "son",
                "sont", "sur", "t", "un", "une", "vous", "y",
            ],
            Lang::English => &[
                "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "its", "of", "on",
                "or", "that", "the", "these", "this", "those", "to", "was", "were", "with",
            ],
            // Folded forms: إلى is الي, أن is ان, أو is او, هذه stays.
            Lang::Arabic => &[
                "في", "من", "علي", "الي", "عن", "مع", "هذا", "هذه", "ذلك", "التي", "الذي", "ان", "او", "ثم", "قد",
                "كل", "بين", "عند", "ما", "لا", "و",
            ],
            _ => &[],
        }
    }
}

/// An FTS5 MATCH expression in which each group matches any of its terms
/// (the store's form of a plan, the typed prefix replaced by completions).
pub fn fts5_any<S: AsRef<str>>(groups: &[Vec<S>]) -> String {
    join(groups.iter().map(|g| g.iter().map(|t| fts5_term(t.as_ref()))), " AND ", " OR ")
}

/// A term in an FTS5 expression: terms are letters and digits only, so
/// quoting never needs escaping.
fn fts5_term(t: &str) -> String {
    format!("\"{t}\"")
}

/// `(a or b) and (c)`: every group must match, any of its alternatives.
fn join<G: Iterator<Item = String>>(groups: impl Iterator<Item = G>, and: &str, or: &str) -> String {
    groups.map(|g| format!("({})", g.collect::<Vec<_>>().join(or))).collect::<Vec<_>>().join(and)
}

/// Lowercases and removes accents, Arabic diacritics and letter variants.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.nfd() {
        match c {
            // Latin combining accents, Arabic tashkeel and the hamza/madda marks
            // NFD split off alef, waw and yeh, superscript alef, tatweel.
            '\u{0300}'..='\u{036f}' | '\u{064b}'..='\u{065f}' | '\u{0670}' | '\u{0640}' => {}
            '\u{0671}' => out.push('ا'),
            'ى' => out.push('ي'),
            'ة' => out.push('ه'),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '\u{0300}'..='\u{036f}' | '\u{064b}'..='\u{065f}' | '\u{0670}')
}

/// The words of `text` with their byte ranges. Apostrophes and hyphens split
/// words (`l'atelier` is `l` and `atelier`).
pub fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some(&(_, c)) = chars.peek() {
            if is_word_char(c) {
                break;
            }
            chars.next();
        }
        let (start, _) = *chars.peek()?;
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if !is_word_char(c) {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        Some((start, end))
    })
}

/// The indexed term of one folded word in `lang`, or `None` for a stop word.
fn term(folded: &str, lang: Lang) -> Option<String> {
    if folded.is_empty() || folded.len() > MAX_WORD || lang.stop_words().contains(&folded) {
        return None;
    }
    // Snowball's Arabic stemmer keeps the conjunction of `والصمود` (and the
    // article after it): drop `و`/`ف` before `ال`, as light stemmers do.
    let folded = match folded.strip_prefix(['و', 'ف']) {
        Some(rest) if lang == Lang::Arabic && rest.starts_with("ال") && rest.chars().count() > 3 => rest,
        _ => folded,
    };
    let stemmed = match lang.algorithm() {
        Some(a) => Stemmer::create(a).stem(folded).into_owned(),
        None => folded.to_owned(),
    };
    // Terms are letters and digits only, so they never need quoting in a query.
    let clean: String = stemmed.chars().filter(|c| c.is_alphanumeric()).collect();
    (!clean.is_empty()).then_some(clean)
}

/// The terms to index for `text` written in `lang`, in order.
pub fn index_terms(text: &str, lang: Lang) -> Vec<String> {
    words(text).filter_map(|(s, e)| term(&fold(&text[s..e]), lang)).collect()
}

/// One word of a query: any of its terms matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The word's term in each language searched.
    pub terms: Vec<String>,
    /// A word still being typed (the last one) also matches terms starting with it.
    pub prefix: Option<String>,
}

/// A parsed query: every group must match.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPlan {
    pub groups: Vec<Group>,
    langs: Vec<Lang>,
}

impl QueryPlan {
    /// Parses what a person typed, analysed for each of `langs` (the languages
    /// of the requested locale's fallback chain, since fallback text is
    /// indexed in its own language). `Err` says what is wrong with it.
    pub fn parse(query: &str, langs: &[Lang]) -> Result<QueryPlan, String> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(format!("is longer than {MAX_QUERY_CHARS} characters; search with fewer words"));
        }
        let spans: Vec<(usize, usize)> = words(query).collect();
        if spans.is_empty() {
            return Err("has no words to search for; type at least one word".into());
        }
        if spans.len() > MAX_QUERY_WORDS {
            return Err(format!("has more than {MAX_QUERY_WORDS} words; search with fewer words"));
        }
        let typing = !query.ends_with(|c: char| c.is_whitespace());
        let mut groups = Vec::new();
        for (i, &(s, e)) in spans.iter().enumerate() {
            let folded = fold(&query[s..e]);
            let mut terms: Vec<String> = Vec::new();
            for &l in langs {
                if let Some(t) = term(&folded, l)
                    && !terms.contains(&t)
                {
                    terms.push(t);
                }
            }
            let last = i + 1 == spans.len();
            let prefix = (last && typing && folded.chars().count() >= 3 && folded.chars().all(char::is_alphanumeric))
                .then(|| folded.clone());
            if terms.is_empty() && prefix.is_none() {
                continue; // a stop word in every language
            }
            groups.push(Group { terms, prefix });
        }
        Ok(QueryPlan { groups, langs: langs.to_vec() })
    }

    /// Whether nothing is left to search for (only stop words were typed).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The FTS5 MATCH expression.
    pub fn fts5(&self) -> String {
        self.join(" AND ", " OR ", fts5_term, |p| format!("\"{p}\"*"))
    }

    /// The PostgreSQL `tsquery` text (parsed with a cast, so not re-analysed).
    pub fn tsquery(&self) -> String {
        self.join(" & ", " | ", |t| format!("'{t}'"), |p| format!("'{p}':*"))
    }

    fn join(&self, and: &str, or: &str, term: impl Fn(&str) -> String, prefix: impl Fn(&str) -> String) -> String {
        join(
            self.groups.iter().map(|g| g.terms.iter().map(|t| term(t)).chain(g.prefix.iter().map(|p| prefix(p)))),
            and,
            or,
        )
    }

    /// Which group a word of a result matches, if any.
    fn matches(&self, word: &str) -> Option<usize> {
        let folded = fold(word);
        let terms: Vec<String> = self.langs.iter().filter_map(|&l| term(&folded, l)).collect();
        self.groups.iter().position(|g| {
            terms.iter().any(|t| g.terms.contains(t) || g.prefix.as_ref().is_some_and(|p| t.starts_with(p.as_str())))
                || g.prefix.as_ref().is_some_and(|p| folded.starts_with(p.as_str()))
        })
    }

    /// A passage of `text` around the best cluster of matches, at most `max`
    /// words, HTML-escaped, matches in `<mark>`. `None` when nothing matches.
    pub fn snippet(&self, text: &str, max: usize) -> Option<String> {
        #[allow(clippy::type_complexity)]
        let mut best: Option<(usize, usize, &str, Vec<(usize, usize)>, Vec<bool>, usize)> = None;
        for segment in text.split('\n') {
            let spans: Vec<(usize, usize)> = words(segment).collect();
            let hits: Vec<Option<usize>> = spans.iter().map(|&(s, e)| self.matches(&segment[s..e])).collect();
            if hits.iter().all(Option::is_none) {
                continue;
            }
            // The window of `max` words covering the most distinct groups, then the most matches.
            let mut top = (0usize, 0usize, 0usize);
            for start in 0..spans.len() {
                if hits[start].is_none() {
                    continue;
                }
                let end = (start + max).min(spans.len());
                let mut seen: Vec<usize> = hits[start..end].iter().flatten().copied().collect();
                let count = seen.len();
                seen.sort_unstable();
                seen.dedup();
                if (seen.len(), count) > (top.0, top.1) {
                    top = (seen.len(), count, start);
                }
            }
            let better = match &best {
                None => true,
                Some((d, c, ..)) => (top.0, top.1) > (*d, *c),
            };
            if better {
                let marks = hits.iter().map(Option::is_some).collect();
                // Start a few words before the first match, for context.
                let mut start = top.2.saturating_sub(3);
                // Never start inside a word joined by an apostrophe or hyphen (`l’axe`).
                while start > 0 && !segment[spans[start - 1].1..spans[start].0].contains(char::is_whitespace) {
                    start -= 1;
                }
                let window: Vec<(usize, usize)> = spans[start..(start + max).min(spans.len())].to_vec();
                let marks: Vec<bool> = marks_slice(marks, start, window.len());
                // Keep punctuation that opens the first word (`«`, `(`, `<`).
                let from = if start == 0 { 0 } else { spans[start - 1].1 };
                best = Some((top.0, top.1, segment, window, marks, from));
            }
        }
        let (_, _, segment, window, marks, from) = best?;
        Some(render(segment, from, &window, &marks))
    }

    /// `text` (a title) with its matching words in `<mark>`, HTML-escaped.
    pub fn highlight(&self, text: &str) -> String {
        let spans: Vec<(usize, usize)> = words(text).collect();
        let mut out = String::with_capacity(text.len() + 16);
        let mut at = 0;
        for &(s, e) in &spans {
            if self.matches(&text[s..e]).is_some() {
                escape_into(&mut out, &text[at..s]);
                out.push_str("<mark>");
                escape_into(&mut out, &text[s..e]);
                out.push_str("</mark>");
                at = e;
            }
        }
        escape_into(&mut out, &text[at..]);
        out
    }
}

fn marks_slice(all: Vec<bool>, start: usize, len: usize) -> Vec<bool> {
    all.into_iter().skip(start).take(len).collect()
}

fn render(segment: &str, from: usize, window: &[(usize, usize)], marks: &[bool]) -> String {
    let mut out = String::new();
    let (Some(first), Some(last)) = (window.first(), window.last()) else { return out };
    if from > 0 {
        out.push_str("… ");
    }
    let lead = segment[from..first.0].trim_start();
    let mut at = first.0 - lead.len();
    for (&(s, e), &m) in window.iter().zip(marks) {
        escape_into(&mut out, &segment[at..s]);
        if m {
            out.push_str("<mark>");
            escape_into(&mut out, &segment[s..e]);
            out.push_str("</mark>");
        } else {
            escape_into(&mut out, &segment[s..e]);
        }
        at = e;
    }
    let tail = &segment[last.1..];
    if words(tail).next().is_some() {
        out.push_str(" …");
    } else {
        escape_into(&mut out, tail.trim_end());
    }
    out
}

/// The PostgreSQL `tsvector` literal for the terms of a title (weight A) and
/// a body (weight B), with positions, so the database ranks by them without
/// analysing text again.
pub fn tsvector(title: &[String], body: &[String]) -> String {
    use std::collections::BTreeMap;
    // PostgreSQL keeps positions up to 16383 and 256 per lexeme.
    let mut lexemes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (i, (t, w)) in title.iter().map(|t| (t, 'A')).chain(body.iter().map(|t| (t, 'B'))).enumerate() {
        let pos = (i + 1).min(16383);
        let entry = lexemes.entry(t.as_str()).or_default();
        if entry.len() < 256 {
            entry.push(format!("{pos}{w}"));
        }
    }
    let mut out = String::new();
    for (t, positions) in lexemes {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push('\'');
        out.push_str(t);
        out.push_str("':");
        out.push_str(&positions.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FR: &[Lang] = &[Lang::French];
    const AR_FR: &[Lang] = &[Lang::Arabic, Lang::French];

    fn plan(q: &str, langs: &[Lang]) -> QueryPlan {
        QueryPlan::parse(q, langs).unwrap()
    }

    #[test]
    fn french_words_match_without_accents_and_in_other_forms() {
        let indexed = index_terms("Atelier régional sur les événements migratoires", Lang::French);
        for q in ["evenement", "Événements", "EVENEMENT", "ateliers regionaux"] {
            let p = plan(&format!("{q} "), FR);
            for g in &p.groups {
                assert!(g.terms.iter().any(|t| indexed.contains(t)), "{q}: {g:?} not in {indexed:?}");
            }
        }
        // Stop words are not indexed.
        assert!(!indexed.iter().any(|t| t == "sur" || t == "le"));
    }

    #[test]
    fn arabic_spelling_variants_fold_to_the_same_term() {
        // Taa marbuta / haa, hamza on alef, tashkeel and tatweel.
        let a = index_terms("الهجرة والتنمية", Lang::Arabic);
        let b = index_terms("الهجره والتنميه", Lang::Arabic);
        let c = index_terms("الْهِجْرَة والتنمـــية", Lang::Arabic);
        assert_eq!(a, b);
        assert_eq!(a, c);
        // The conjunction and the article go: "and the resilience" finds "the resilience".
        assert_eq!(index_terms("والصمود", Lang::Arabic), index_terms("الصمود", Lang::Arabic));
        assert_eq!(fold("إدماج"), fold("ادماج"));
        assert_eq!(fold("أمن"), fold("امن"));
        assert_eq!(fold("مصطفى"), "مصطفي");
    }

    #[test]
    fn queries_become_and_of_ors_and_the_last_word_is_a_prefix() {
        let p = plan("migration maro", AR_FR);
        assert_eq!(p.groups.len(), 2);
        assert_eq!(p.groups[1].prefix.as_deref(), Some("maro"));
        assert!(p.fts5().contains(" AND "));
        assert!(p.tsquery().contains("'maro':*"));
        // A trailing space means the word is finished.
        assert_eq!(plan("maroc ", FR).groups[0].prefix, None);
        assert!(QueryPlan::parse("  , ", FR).is_err());
        assert!(QueryPlan::parse(&"mot ".repeat(13), FR).is_err());
        // Quotes and operators a person types never reach the engines.
        let p = plan("\"x\" OR y' AND NEAR(", FR);
        assert!(!p.fts5().contains("\"\"") && !p.tsquery().contains("''"));
    }

    #[test]
    fn snippets_mark_the_matching_words_and_escape_the_rest() {
        let p = plan("formation ", FR);
        let text = "Titre\nLe projet a organisé <une> session de formations pour les agents, puis une autre.";
        let s = p.snippet(text, 8).unwrap();
        assert!(s.contains("<mark>formations</mark>"), "{s}");
        assert!(s.contains("&lt;une&gt;"), "{s}");
        assert!(s.starts_with("… "), "{s}");
        assert!(p.snippet("Rien à voir", 8).is_none());
        let s = p.snippet("Un texte assez long pour couper avant l’axe de formation", 5).unwrap();
        assert!(s.starts_with("… l’axe de <mark>formation</mark>"), "{s}");
        assert_eq!(p.highlight("Formation & suivi"), "<mark>Formation</mark> &amp; suivi");
    }

    #[test]
    fn tsvector_literal_has_weights_and_positions() {
        let v = tsvector(&["atel".into()], &["atel".into(), "migr".into()]);
        assert_eq!(v, "'atel':1A,2B 'migr':3B");
    }
}
