//! Strings and keywords: `str`, `subs`, `clojure.string/…`, `keyword`, `name`, `namespace`.
//!
//! Indexes (`subs`) count Unicode scalar values (Rust `char`s), where Clojure counts UTF-16 code
//! units: the two differ only for characters outside the Basic Multilingual Plane.

use datolite_store::Value;

use super::values::{arg, boolean, long, show, string, text, R};
use super::Env;
use crate::functions::FnVal;

/// `(str x ...)`: the concatenation of the arguments' texts; `nil` adds nothing, a keyword
/// prints with its colon, a regex as its source.
pub(crate) fn str_fn(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let mut out = String::new();
    for a in args {
        match a {
            FnVal::Nil => {}
            FnVal::One(Value::String(x)) => out.push_str(x),
            FnVal::One(Value::Keyword(k)) => {
                out.push(':');
                out.push_str(k);
            }
            FnVal::One(v) => out.push_str(&v.to_string()),
            FnVal::Regex(src) => out.push_str(src),
            FnVal::Seq(_) => out.push_str(&show(a)),
        }
    }
    text(out)
}

/// `(subs s start)` / `(subs s start end)`: characters `start..end`; out-of-range bounds are
/// an error (as Clojure's StringIndexOutOfBoundsException).
pub(crate) fn subs(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let s = string(arg(args, 0)?)?;
    let len = s.chars().count();
    let start = long(arg(args, 1)?)?;
    let end = match args.get(2) {
        Some(e) => long(e)?,
        None => i64::try_from(len).unwrap_or(i64::MAX),
    };
    let in_range = |i: i64| usize::try_from(i).ok().filter(|&i| i <= len);
    match (in_range(start), in_range(end)) {
        (Some(a), Some(b)) if a <= b => text(s.chars().skip(a).take(b - a).collect()),
        _ => Err(format!(
            "subs range {start}..{end} is out of bounds for a string of {len} characters"
        )),
    }
}

pub(crate) fn starts_with(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(string(arg(args, 0)?)?.starts_with(string(arg(args, 1)?)?))
}

pub(crate) fn ends_with(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(string(arg(args, 0)?)?.ends_with(string(arg(args, 1)?)?))
}

pub(crate) fn includes(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    boolean(string(arg(args, 0)?)?.contains(string(arg(args, 1)?)?))
}

pub(crate) fn lower_case(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    text(string(arg(args, 0)?)?.to_lowercase())
}

pub(crate) fn upper_case(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    text(string(arg(args, 0)?)?.to_uppercase())
}

/// `(clojure.string/blank? s)`: `nil`, empty or only whitespace.
pub(crate) fn blank(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    match arg(args, 0)? {
        FnVal::Nil => boolean(true),
        other => boolean(string(other)?.chars().all(char::is_whitespace)),
    }
}

/// A keyword's namespace and name (`movie/title` → `movie`, `title`); the namespace ends at the
/// first `/`, except in the keyword `:/`.
fn split_keyword(k: &str) -> (Option<&str>, &str) {
    match k.split_once('/') {
        Some((ns, name)) if k != "/" => (Some(ns), name),
        _ => (None, k),
    }
}

/// `(keyword "n")`, `(keyword "ns" "n")`, `(keyword :k)`: a keyword; `(keyword nil)` and any
/// other single argument give `nil`, as in Clojure.
pub(crate) fn keyword(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let kw = |s: String| Ok(FnVal::One(Value::Keyword(s)));
    match args {
        [FnVal::One(Value::String(s))] => kw(s.clone()),
        [FnVal::One(Value::Keyword(k))] => kw(k.clone()),
        [_] => Ok(FnVal::Nil),
        [FnVal::Nil, name] => kw(string(name)?.to_owned()),
        [ns, name] => kw(format!("{}/{}", string(ns)?, string(name)?)),
        _ => Err(format!(
            "keyword takes 1 or 2 arguments, got {}",
            args.len()
        )),
    }
}

/// `(name :ns/n)` → `"n"`; `(name "s")` → `"s"`.
pub(crate) fn name(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    match arg(args, 0)? {
        FnVal::One(Value::Keyword(k)) => text(split_keyword(k).1.to_owned()),
        FnVal::One(Value::String(s)) => text(s.clone()),
        other => Err(format!(
            "name takes a keyword or a string, got {}",
            show(other)
        )),
    }
}

/// `(namespace :ns/n)` → `"ns"`; `nil` for a keyword without namespace.
pub(crate) fn namespace(_: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    match arg(args, 0)? {
        FnVal::One(Value::Keyword(k)) => match split_keyword(k).0 {
            Some(ns) => text(ns.to_owned()),
            None => Ok(FnVal::Nil),
        },
        other => Err(format!("namespace takes a keyword, got {}", show(other))),
    }
}
