//! Regular expressions: `re-find`, `re-matches`, `re-seq`, `re-pattern`.
//!
//! Patterns use the syntax of the Rust `regex` crate, which is close to Java's (Clojure's) but
//! has no look-around (`(?=…)`, `(?<=…)`) and no back-references (`\1`); matching runs in
//! linear time. A pattern is a regex literal `#"…"` or a string; `re-pattern` checks one and
//! returns it (bound to a variable, a pattern is its source string). Each pattern is compiled
//! once per query run ([`Regexes`]).
//!
//! Results follow Clojure: without capture groups a match is its string, with groups a vector
//! of the whole match and each group (`nil` for a group that did not take part); no match is
//! `nil`.

use std::cell::RefCell;
use std::rc::Rc;

use ::regex::{Captures, Match, Regex};
use datolite_store::Value;
use rustc_hash::FxHashMap;

use super::values::{arg, show, string, R};
use super::Env;
use crate::functions::FnVal;

/// The regular expressions compiled during one query run, by source and anchoring.
#[derive(Default)]
pub(crate) struct Regexes(RefCell<FxHashMap<(String, bool), Rc<Regex>>>);

impl Regexes {
    /// `source` compiled (anchored at both ends when `whole`, for `re-matches`).
    pub(crate) fn get(&self, source: &str, whole: bool) -> R<Rc<Regex>> {
        let key = (source.to_owned(), whole);
        if let Some(re) = self.0.borrow().get(&key) {
            return Ok(re.clone());
        }
        let text = if whole {
            format!(r"\A(?:{source})\z")
        } else {
            source.to_owned()
        };
        let re = Rc::new(
            Regex::new(&text)
                .map_err(|e| format!("invalid regular expression #\"{source}\": {e}"))?,
        );
        self.0.borrow_mut().insert(key, re.clone());
        Ok(re)
    }
}

/// A pattern argument: a regex literal or a string.
fn pattern(v: &FnVal) -> R<&str> {
    match v {
        FnVal::Regex(src) | FnVal::One(Value::String(src)) => Ok(src),
        other => Err(format!(
            "expected a regular expression or a string, got {}",
            show(other)
        )),
    }
}

/// One match as Clojure returns it: the string, or the vector of the match and its groups.
fn found(caps: &Captures<'_>) -> FnVal {
    let text = |m: Match<'_>| FnVal::One(Value::String(m.as_str().to_owned()));
    if caps.len() == 1 {
        return caps.get(0).map_or(FnVal::Nil, text);
    }
    FnVal::Seq(caps.iter().map(|m| m.map_or(FnVal::Nil, text)).collect())
}

/// `(re-find re s)`: the first match in `s`.
pub(crate) fn re_find(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let re = env.regexes().get(pattern(arg(args, 0)?)?, false)?;
    let s = string(arg(args, 1)?)?;
    Ok(re.captures(s).map_or(FnVal::Nil, |c| found(&c)))
}

/// `(re-matches re s)`: the match of the whole of `s`.
pub(crate) fn re_matches(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let re = env.regexes().get(pattern(arg(args, 0)?)?, true)?;
    let s = string(arg(args, 1)?)?;
    Ok(re.captures(s).map_or(FnVal::Nil, |c| found(&c)))
}

/// `(re-seq re s)`: every successive match in `s`.
pub(crate) fn re_seq(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let re = env.regexes().get(pattern(arg(args, 0)?)?, false)?;
    let s = string(arg(args, 1)?)?;
    let all: Vec<FnVal> = re.captures_iter(s).map(|c| found(&c)).collect();
    Ok(if all.is_empty() {
        FnVal::Nil
    } else {
        FnVal::Seq(all)
    })
}

/// `(re-pattern s)`: the pattern `s`, checked.
pub(crate) fn re_pattern(env: &dyn Env, args: &[FnVal]) -> R<FnVal> {
    let src = pattern(arg(args, 0)?)?;
    env.regexes().get(src, false)?;
    Ok(FnVal::Regex(src.to_owned()))
}
