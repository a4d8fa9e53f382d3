//! The functions and predicates the parser knows, with their arities.
//!
//! Only names and arities live here; evaluation belongs to the executor.
//! Checking at parse time turns a typo (`[(starts-with ?x "a")]`) into an
//! error pointing at the clause instead of an empty result.

/// `(name, min args, max args)`; `None` = variadic.
///
/// | function | arity | why |
/// |---|---|---|
/// | `= != not= < > <= >=` | 1.. | Clojure's comparisons accept one argument (always true) |
/// | `+ *` | 0.. | identity element with no arguments |
/// | `- /` | 1.. | `(- x)` negates, `(/ x)` inverts |
/// | `quot rem mod` | 2 | |
/// | `inc dec identity` | 1 | |
/// | `str` | 0.. | concatenation |
/// | `subs` | 2–3 | string, start, optional end |
/// | `get-else` | 4 | `$ ?e :attr default` |
/// | `get-some` | 3.. | `$ ?e :attr1 :attr2 ...` |
/// | `missing?` | 3 | `$ ?e :attr` |
/// | `ground` | 1 | the constant to bind |
/// | `tuple` | 1.. | the elements |
/// | `untuple` | 1 | the tuple |
/// | `q` | 1.. | the query, then its inputs |
/// | `clojure.string/starts-with? ends-with? includes?` | 2 | string, part |
/// | `clojure.string/lower-case upper-case` | 1 | |
/// | `year month day hour minute second` | 1 | an instant |
pub const FUNCTIONS: &[(&str, usize, Option<usize>)] = &[
    ("=", 1, None),
    ("!=", 1, None),
    ("not=", 1, None),
    ("<", 1, None),
    (">", 1, None),
    ("<=", 1, None),
    (">=", 1, None),
    ("+", 0, None),
    ("*", 0, None),
    ("-", 1, None),
    ("/", 1, None),
    ("quot", 2, Some(2)),
    ("rem", 2, Some(2)),
    ("mod", 2, Some(2)),
    ("inc", 1, Some(1)),
    ("dec", 1, Some(1)),
    ("identity", 1, Some(1)),
    ("str", 0, None),
    ("subs", 2, Some(3)),
    ("get-else", 4, Some(4)),
    ("get-some", 3, None),
    ("missing?", 3, Some(3)),
    ("ground", 1, Some(1)),
    ("tuple", 1, None),
    ("untuple", 1, Some(1)),
    ("q", 1, None),
    ("clojure.string/starts-with?", 2, Some(2)),
    ("clojure.string/ends-with?", 2, Some(2)),
    ("clojure.string/includes?", 2, Some(2)),
    ("clojure.string/lower-case", 1, Some(1)),
    ("clojure.string/upper-case", 1, Some(1)),
    ("year", 1, Some(1)),
    ("month", 1, Some(1)),
    ("day", 1, Some(1)),
    ("hour", 1, Some(1)),
    ("minute", 1, Some(1)),
    ("second", 1, Some(1)),
];

/// The arity bounds of `name`, or `None` if the function is unknown.
pub fn arity(name: &str) -> Option<(usize, Option<usize>)> {
    FUNCTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, min, max)| (min, max))
}

/// A human description of an arity range, for messages ("2 to 3 arguments").
pub(crate) fn describe(min: usize, max: Option<usize>) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match max {
        Some(max) if max == min => format!("{min} argument{}", plural(min)),
        Some(max) => format!("{min} to {max} arguments"),
        None => format!("at least {min} argument{}", plural(min)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_unique_names_and_sane_bounds() {
        for (i, (name, min, max)) in FUNCTIONS.iter().enumerate() {
            assert!(FUNCTIONS[..i].iter().all(|(n, _, _)| n != name), "{name}");
            assert!(max.is_none_or(|max| max >= *min), "{name}");
        }
        assert_eq!(arity("subs"), Some((2, Some(3))));
        assert_eq!(arity("clojure.string/starts-with?"), Some((2, Some(2))));
        assert_eq!(arity("starts-with?"), None);
    }

    #[test]
    fn arity_descriptions() {
        assert_eq!(describe(1, Some(1)), "1 argument");
        assert_eq!(describe(2, Some(3)), "2 to 3 arguments");
        assert_eq!(describe(0, None), "at least 0 arguments");
    }
}
