//! Every reference to the design document (`docs/design.md`, §N or §N.M, or a quoted section
//! title) in the sources and the README names a section that exists, so the design the code
//! cites stays in the repository and in step with it.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The section numbers (`8`, `8.3`) and titles of `docs/design.md`.
fn sections() -> (Vec<String>, Vec<String>) {
    let text = fs::read_to_string(root().join("docs/design.md")).expect("docs/design.md");
    let mut numbers = Vec::new();
    let mut titles = Vec::new();
    for line in text.lines() {
        let Some(heading) = line
            .strip_prefix("### ")
            .or_else(|| line.strip_prefix("## "))
        else {
            continue;
        };
        let (number, title) = heading.split_once(' ').unwrap_or((heading, ""));
        numbers.push(number.trim_end_matches('.').to_string());
        titles.push(title.to_string());
    }
    (numbers, titles)
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn design_references_resolve() {
    let (numbers, titles) = sections();
    assert!(numbers.iter().any(|n| n == "8.3"), "{numbers:?}");
    let mut files = Vec::new();
    sources(&root().join("crates"), &mut files);
    files.push(root().join("README.md"));
    let mut checked = 0;
    let mut broken = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with(file!())) {
        let text = fs::read_to_string(file).expect("read source");
        // The founding sketch lived outside the repository; nothing may cite it any more.
        let old_sketch = concat!("DESIGN", " §");
        assert!(
            !text.contains(old_sketch),
            "{} cites the old sketch outside the repository",
            file.display()
        );
        // A reference is `docs/design.md` followed (before a `)` or the paragraph's end) by §N[.M].
        for (at, _) in text.match_indices("docs/design.md") {
            let tail: String = text[at + "docs/design.md".len()..]
                .chars()
                .take(400)
                .collect();
            // The reference runs to the closing parenthesis or the paragraph's end.
            let end = [
                tail.find(')'),
                tail.find("\n\n"),
                tail.find("docs/design.md"),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(tail.len());
            let sentence = &tail[..end];
            for (i, _) in sentence.match_indices('§') {
                let number: String = sentence[i + '§'.len_utf8()..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                let number = number.trim_end_matches('.');
                checked += 1;
                if !numbers.iter().any(|n| n == number) {
                    broken.push(format!("{}: §{number}", file.display()));
                }
            }
            if let Some(q) = tail.find("\"Values in memory\"") {
                if q < 80 && !titles.iter().any(|t| t == "Values in memory") {
                    broken.push(format!("{}: \"Values in memory\"", file.display()));
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} references found");
    assert!(
        broken.is_empty(),
        "references to missing sections: {broken:#?}"
    );
}
