//! The Reuters-21578 corpus: where it is and how to read its SGML files.
//!
//! The corpus is not shipped (its licence allows research use only): get it from the UCI
//! Machine Learning Repository ("Reuters-21578 Text Categorization Collection") and point
//! `NEARDUP_REUTERS` at the directory holding `reut2-000.sgm` … `reut2-021.sgm`.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// The environment variable naming the corpus directory.
pub const ENV: &str = "NEARDUP_REUTERS";

/// One article: its id and its text (title, a newline, then the body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// `r` followed by the article's NEWID.
    pub id: String,
    /// Title and body, HTML entities unescaped.
    pub text: String,
}

/// Where the corpus is: `$NEARDUP_REUTERS` if set (even if it holds no corpus, so a wrong
/// setting is reported rather than passed over), else `../shared/data/reuters21578` beside the
/// crate's source directory (this project's development layout) if it holds `reut2-000.sgm`.
pub fn find() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(ENV) {
        return Some(PathBuf::from(dir));
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/reuters21578");
    beside.join("reut2-000.sgm").is_file().then_some(beside)
}

/// Every article of the corpus that [`find`] locates, in file order; an error that says how to
/// get and point to the corpus when it is not there.
pub fn load() -> Result<Vec<Article>, Error> {
    let dir = find().ok_or_else(|| {
        Error::Input(format!(
            "Reuters-21578 not found: set {ENV} to the directory holding its reut2-*.sgm files \
             (research-only licence; obtainable from the UCI Machine Learning Repository)"
        ))
    })?;
    read(&dir).map_err(|e| {
        Error::Input(format!(
            "Reuters-21578: {e} ({ENV} must name the directory holding reut2-*.sgm)"
        ))
    })
}

/// Reads every article with a `<BODY>` from the `reut2-*.sgm` files in `dir`, in file order.
/// Bytes that are not UTF-8 (the corpus has a few) are replaced, not fatal.
pub fn read(dir: &Path) -> Result<Vec<Article>, Error> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| Error::Io {
            context: dir.display().to_string(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("reut2-") && n.ends_with(".sgm"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Input(format!(
            "{}: no reut2-*.sgm files",
            dir.display()
        )));
    }
    let mut out = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|source| Error::Io {
            context: file.display().to_string(),
            source,
        })?;
        let sgml = String::from_utf8_lossy(&bytes);
        for doc in sgml.split("<REUTERS ").skip(1) {
            let Some(body) = between(doc, "<BODY>", "</BODY>") else {
                continue;
            };
            let id = between(doc, "NEWID=\"", "\"").unwrap_or("?");
            let title = between(doc, "<TITLE>", "</TITLE>").unwrap_or("");
            out.push(Article {
                id: format!("r{id}"),
                text: unescape(&format!("{title}\n{body}")),
            });
        }
    }
    Ok(out)
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

/// Unescapes the HTML entities of the corpus (`&lt;`, `&gt;`, `&amp;`, `&quot;`, `&#N;`).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 8);
        let decoded = end.and_then(|e| match &rest[1..e] {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            n if n.starts_with('#') => n[1..].parse::<u32>().ok().and_then(char::from_u32),
            _ => None,
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_entities() {
        assert_eq!(
            unescape("a &lt;b&gt; &amp; &#3; &bogus x&"),
            "a <b> & \u{3} &bogus x&"
        );
    }
}
