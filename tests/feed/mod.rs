//! A synthetic news feed shared by the stream tests.

/// The text of article `n`: stories of three near-copies (the last of 60 words differs),
/// distinct across stories.
pub fn article_text(n: usize) -> String {
    let (story, variant) = (n / 3, n % 3);
    (0..60)
        .map(|i| match i {
            59 if variant > 0 => format!("v{variant}"),
            _ => format!("s{story}w{i}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
