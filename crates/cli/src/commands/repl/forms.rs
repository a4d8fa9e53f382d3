//! Reading an entry's EDN forms: a query followed by its arguments, `.in` values, `.pull`'s
//! entity and pattern; and putting the session's rules where a query's `%` stands.
//!
//! Forms keep their source text: the engine reads them again, so an error in the query names a
//! line and column of the query as typed.

use datolite::edn::{self, Edn, Reader};

/// The source text of each top-level form of `text`, in order (comments and `#_` discards
/// around them are kept; the reader skips them again). Bad EDN is an error naming `text`.
pub fn split_forms(text: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader::new(text);
    let mut forms = Vec::new();
    loop {
        let start = reader.offset();
        match reader.next_form() {
            None => return Ok(forms),
            Some(Err(e)) => return Err(format!("cannot read {}: {e}", text.trim())),
            Some(Ok(_)) => {
                let form = text.get(start..reader.offset()).unwrap_or_default().trim();
                forms.push(form.to_string());
            }
        }
    }
}

/// The arguments query `query` runs with: `args`, with `rules` inserted where `%` stands among
/// the non-source `:in` elements when the caller gave exactly one argument fewer than `:in`
/// asks for (so rules passed explicitly are used as given). Any other count is left to the
/// engine, which names the inputs it expected; a query that takes rules when none are set is
/// an error saying how to set them.
pub fn with_rules(
    query: &str,
    args: Vec<String>,
    rules: Option<&str>,
) -> Result<Vec<String>, String> {
    let Some(inputs) = edn::parse(query).ok().and_then(|form| in_elements(&form)) else {
        // Not readable or no `:in`: the engine reports what is wrong, if anything.
        return Ok(args);
    };
    let wanted: Vec<&Edn> = inputs.iter().filter(|i| !is_source(i)).collect();
    let Some(at) = wanted.iter().position(|i| is_symbol(i, "%")) else {
        return Ok(args);
    };
    if args.len() + 1 != wanted.len() {
        return Ok(args);
    }
    match rules {
        Some(rules) => {
            let mut args = args;
            args.insert(at, rules.to_string());
            Ok(args)
        }
        None => Err("the query takes rules (% in its :in) and none are set: \
             `.rules [[(name ?x) …]]` or `.rules @FILE` sets them, or pass them as the query's argument"
            .to_string()),
    }
}

/// The `:in` elements of a query form (list form `[:find … :in … :where …]` or map form).
fn in_elements(form: &Edn) -> Option<Vec<Edn>> {
    let is_in = |e: &Edn| matches!(e, Edn::Keyword(k) if k.to_string() == ":in");
    match form {
        Edn::Vector(items) | Edn::List(items) => {
            let start = items.iter().position(is_in)? + 1;
            Some(
                items[start..]
                    .iter()
                    .take_while(|e| !matches!(e, Edn::Keyword(_)))
                    .cloned()
                    .collect(),
            )
        }
        Edn::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| is_in(k))
            .and_then(|(_, v)| match v {
                Edn::Vector(items) | Edn::List(items) => Some(items.clone()),
                _ => None,
            }),
        _ => None,
    }
}

/// Whether an `:in` element is a source (`$`, `$before`): sources take no argument.
fn is_source(element: &Edn) -> bool {
    matches!(element, Edn::Symbol(s) if s.to_string().starts_with('$'))
}

/// Whether `element` is the symbol `name`.
fn is_symbol(element: &Edn, name: &str) -> bool {
    matches!(element, Edn::Symbol(s) if s.to_string() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_keep_their_text() {
        assert_eq!(
            split_forms("[:find ?x :in $ ?y] 1987 \"Mel Gibson\" [1 2]  #{:a}").unwrap(),
            [
                "[:find ?x :in $ ?y]",
                "1987",
                "\"Mel Gibson\"",
                "[1 2]",
                "#{:a}"
            ]
        );
        assert_eq!(split_forms("  ").unwrap(), Vec::<String>::new());
        let error = split_forms("[1 2] \"open").unwrap_err();
        assert!(error.contains("\"open"), "{error}");
    }

    #[test]
    fn rules_go_where_percent_stands() {
        let rules = "[[(r ?x) [?x :a 1]]]";
        let q = "[:find ?x :in $ ?y % ?z :where (r ?x)]";
        assert_eq!(
            with_rules(q, vec!["1".into(), "2".into()], Some(rules)).unwrap(),
            ["1", rules, "2"]
        );
        // Passed explicitly: used as given.
        let explicit = vec!["1".into(), "[]".into(), "2".into()];
        assert_eq!(
            with_rules(q, explicit.clone(), Some(rules)).unwrap(),
            explicit
        );
        // Another count: left to the engine's arity error.
        assert_eq!(
            with_rules(q, vec![], Some(rules)).unwrap(),
            Vec::<String>::new()
        );
        // None set.
        let error = with_rules(q, vec!["1".into(), "2".into()], None).unwrap_err();
        assert!(error.contains(".rules"), "{error}");
        // The map form, and a query without `%`.
        let map = "{:find [?x] :in [$ %] :where [(r ?x)]}";
        assert_eq!(with_rules(map, vec![], Some(rules)).unwrap(), [rules]);
        let plain = "[:find ?x :in $ ?y :where [?x :a ?y]]";
        assert_eq!(
            with_rules(plain, vec!["1".into()], Some(rules)).unwrap(),
            ["1"]
        );
    }
}
