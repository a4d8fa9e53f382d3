//! Shared harness of the ported test suites (DataScript's query tests, learndatalogtoday's
//! exercises): a memory database with named entities, queries run through BOTH evaluators,
//! and expected answers written as EDN.
//!
//! - Entities are created with string tempids (`{:db/id "ivan" …}`) and referred to in later
//!   transactions, queries, arguments and expected answers as `@ivan`; `@:name` stands for the
//!   entity id of the ident `:name` (an attribute's id, as `[?e ?a ?v]` binds `?a`). A `@` only
//!   counts at the start of a token outside strings, so `"ivan@mail.ru"` stays as it is.
//! - Every query runs through the planner and executor (`datolite_query::q`) and the naive
//!   reference evaluator; they must agree (same result, or both an error).
//! - An expected set `#{…}` matches a result as a set (a relation, or a collection in any
//!   order); an expected vector `[…]` matches in order (`:order-by`, `(min n ?x)`, a bag).
#![allow(dead_code)]

use std::collections::BTreeMap;

use datolite::{result_edn, Database, TxReport};
use datolite_edn::{self as edn, Edn};
use datolite_query::{bind_args, naive, parse_query, QueryError, QueryResult};

/// A memory database and the entity ids its string tempids resolved to.
pub struct Fx {
    /// The database.
    pub db: Database,
    ids: BTreeMap<String, u64>,
}

impl Default for Fx {
    fn default() -> Self {
        Fx::new()
    }
}

impl Fx {
    /// An empty memory database.
    pub fn new() -> Fx {
        Fx {
            db: Database::memory().expect("memory database"),
            ids: BTreeMap::new(),
        }
    }

    /// A database after one transaction (schema and data may share it).
    pub fn with(tx: &str) -> Fx {
        let mut fx = Fx::new();
        fx.tx(tx);
        fx
    }

    /// The learndatalogtoday movie database of `fixtures/movies.edn`.
    pub fn movies() -> Fx {
        Fx::with(include_str!("../../../../fixtures/movies.edn"))
    }

    /// Runs a transaction (with `@name` substituted), remembering its tempids; panics on error.
    pub fn tx(&mut self, tx: &str) -> TxReport {
        let text = self.subst(tx);
        let report = self
            .db
            .transact(&text)
            .unwrap_or_else(|e| panic!("transaction failed: {e}\n{text}"));
        self.ids.extend(report.tempids.clone());
        report
    }

    /// The error of a transaction that must fail.
    pub fn tx_err(&mut self, tx: &str) -> String {
        let text = self.subst(tx);
        match self.db.transact(&text) {
            Ok(r) => panic!("transaction should fail: {text}\ngot {r:?}"),
            Err(e) => e.to_string(),
        }
    }

    /// The entity id of tempid `name`.
    pub fn id(&self, name: &str) -> u64 {
        *self
            .ids
            .get(name)
            .unwrap_or_else(|| panic!("no entity named {name}"))
    }

    /// `text` with every `@name` replaced by that entity's id and `@:ident` by the ident's.
    pub fn subst(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let chars: Vec<char> = text.chars().collect();
        let mut in_string = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if in_string {
                out.push(c);
                if c == '\\' {
                    if let Some(&n) = chars.get(i + 1) {
                        out.push(n);
                        i += 1;
                    }
                } else if c == '"' {
                    in_string = false;
                }
                i += 1;
                continue;
            }
            let token_start =
                i == 0 || matches!(chars[i - 1], ' ' | '\n' | '\t' | '[' | '(' | '{' | ',');
            if c == '@' && token_start {
                let mut j = i + 1;
                while j < chars.len()
                    && !matches!(chars[j], ' ' | '\n' | '\t' | ']' | ')' | '}' | ',')
                {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                let id = match name.strip_prefix(':') {
                    Some(ident) => self
                        .db
                        .db()
                        .expect("snapshot")
                        .schema()
                        .entity_of_ident(ident)
                        .unwrap_or_else(|| panic!("no ident :{ident}")),
                    None => self.id(&name),
                };
                out.push_str(&id.to_string());
                i = j;
                continue;
            }
            if c == '"' {
                in_string = true;
            }
            out.push(c);
            i += 1;
        }
        out
    }

    /// Runs `query` through the executor only: for random aggregates (`sample`, `rand`), where
    /// the two evaluators legitimately draw different values.
    pub fn q_executor(&self, query: &str) -> Result<QueryResult, QueryError> {
        let parsed = parse_query(&self.subst(query))?;
        let snapshot = self.db.db().expect("snapshot");
        datolite_query::q(&snapshot, &parsed, &[datolite_query::InputValue::Db], &[])
    }

    /// Runs `query` with EDN `args` (one per non-source `:in` element) through both evaluators.
    pub fn q(&self, query: &str, args: &[&str]) -> Result<QueryResult, QueryError> {
        let text = self.subst(query);
        let parsed = parse_query(&text)?;
        let args: Vec<Edn> = args
            .iter()
            .map(|a| edn::parse(&self.subst(a)).unwrap_or_else(|e| panic!("argument {a}: {e}")))
            .collect();
        let (inputs, rules) = bind_args(&parsed, &args)?;
        let snapshot = self.db.db().expect("snapshot");
        let got = datolite_query::q(&snapshot, &parsed, &inputs, &rules);
        let want = naive::q(&snapshot, &parsed, &inputs, &rules);
        match (&got, &want) {
            (Ok(g), Ok(w)) => assert_eq!(g, w, "executor and naive differ on {text}"),
            (Err(_), Err(_)) => {}
            _ => panic!("executor {got:?} but naive {want:?} on {text}"),
        }
        got
    }

    /// Asserts that `query` with `args` answers `expected` (EDN, `@name` substituted).
    pub fn check(&self, query: &str, args: &[&str], expected: &str) {
        self.check_close(query, args, expected, 0.0);
    }

    /// [`Fx::check`] with doubles equal when within `tolerance` of each other (averages of
    /// decimal ratings are not exact in binary).
    pub fn check_close(&self, query: &str, args: &[&str], expected: &str, tolerance: f64) {
        let result = self
            .q(query, args)
            .unwrap_or_else(|e| panic!("{query}\nfailed: {e}"));
        let want = edn::parse(&self.subst(expected))
            .unwrap_or_else(|e| panic!("expected answer {expected}: {e}"));
        let printed = result_edn(&result);
        let got = edn::parse(&printed).unwrap_or_else(|e| panic!("result {printed}: {e}"));
        let got = match (&result, got) {
            (QueryResult::Relation(_), Edn::Vector(rows)) if !matches!(want, Edn::Vector(_)) => {
                Edn::Set(rows)
            }
            (_, got) => got,
        };
        assert!(
            matches(&want, &got, tolerance),
            "{query}\nargs {args:?}\nexpected {expected}\n     got {}\n(entities {:?})",
            printed,
            self.ids
        );
    }

    /// [`Fx::check`] of every `(query, expected)` (no arguments), reporting all the failing
    /// cases at once rather than stopping at the first.
    pub fn check_each(&self, cases: &[(String, &str)]) {
        let failed: Vec<&str> = cases
            .iter()
            .filter(|(query, expected)| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.check(query, &[], expected)
                }))
                .is_err()
            })
            .map(|(query, _)| query.as_str())
            .collect();
        assert!(failed.is_empty(), "failing cases:\n{}", failed.join("\n"));
    }

    /// Asserts that `query` fails in both evaluators with a message containing every needle.
    pub fn check_err(&self, query: &str, args: &[&str], needles: &[&str]) {
        if let Err(problem) = self.fails_with(query, args, needles) {
            panic!("{problem}");
        }
    }

    /// Whether `query` fails in both evaluators with a message containing every needle; the
    /// problem otherwise (for tests that collect every failing case before asserting).
    pub fn fails_with(&self, query: &str, args: &[&str], needles: &[&str]) -> Result<(), String> {
        match self.q(query, args) {
            Ok(r) => Err(format!("{query}\nshould fail, got {}", result_edn(&r))),
            Err(e) => {
                let text = e.to_string();
                match needles.iter().find(|n| !text.contains(*n)) {
                    Some(n) => Err(format!("{query}\nerror {text:?} lacks {n:?}")),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Whether `got` matches `want`: an expected set matches a set, vector or list with the same
/// elements in any order (each matched once); vectors and lists element by element; maps entry
/// by entry; everything else by value.
fn matches(want: &Edn, got: &Edn, tol: f64) -> bool {
    match (want, got) {
        (Edn::Set(w), Edn::Set(g) | Edn::Vector(g) | Edn::List(g)) => unordered(w, g, tol),
        (Edn::Vector(w), Edn::Vector(g)) | (Edn::List(w), Edn::List(g)) => {
            w.len() == g.len() && w.iter().zip(g).all(|(a, b)| matches(a, b, tol))
        }
        (Edn::Map(w), Edn::Map(g)) => {
            w.len() == g.len()
                && w.iter().all(|(k, v)| {
                    g.iter()
                        .any(|(k2, v2)| canonical(k) == canonical(k2) && matches(v, v2, tol))
                })
        }
        (Edn::Double(a), Edn::Double(b)) if tol > 0.0 => (a - b).abs() <= tol,
        _ => canonical(want) == canonical(got),
    }
}

/// Whether every element of `want` matches a distinct element of `got` and none is left over.
fn unordered(want: &[Edn], got: &[Edn], tol: f64) -> bool {
    fn assign(want: &[Edn], got: &[Edn], used: &mut Vec<bool>, tol: f64) -> bool {
        let Some((first, rest)) = want.split_first() else {
            return true;
        };
        for (i, g) in got.iter().enumerate() {
            if !used[i] && matches(first, g, tol) {
                used[i] = true;
                if assign(rest, got, used, tol) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    want.len() == got.len() && assign(want, got, &mut vec![false; got.len()], tol)
}

/// `e` with every set's elements (and map's entries) sorted and deduplicated by their printed
/// form, so that equal sets compare equal whatever their order.
fn canonical(e: &Edn) -> Edn {
    match e {
        Edn::Vector(items) => Edn::Vector(items.iter().map(canonical).collect()),
        Edn::List(items) => Edn::List(items.iter().map(canonical).collect()),
        Edn::Set(items) => {
            let mut items: Vec<Edn> = items.iter().map(canonical).collect();
            items.sort_by_key(|x| x.to_string());
            items.dedup_by_key(|x| x.to_string());
            Edn::Set(items)
        }
        Edn::Map(entries) => {
            let mut entries: Vec<(Edn, Edn)> = entries
                .iter()
                .map(|(k, v)| (canonical(k), canonical(v)))
                .collect();
            entries.sort_by_key(|(k, _)| k.to_string());
            Edn::Map(entries)
        }
        other => other.clone(),
    }
}

/// Schema transaction data from a compact description, one attribute per `;`-separated entry:
/// `ident type [many] [identity|unique] [component] [index]`, e.g.
/// `schema("name string identity; aka string many; friend ref many")`.
pub fn schema(spec: &str) -> String {
    let mut out = String::from("[");
    for entry in spec.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let mut words = entry.split_whitespace();
        let ident = words.next().expect("ident");
        let ident = ident.strip_prefix(':').unwrap_or(ident);
        let ty = words.next().expect("type");
        let mut card = "one";
        let mut extra = String::new();
        for w in words {
            match w {
                "many" => card = "many",
                "identity" => extra.push_str(" :db/unique :db.unique/identity"),
                "unique" => extra.push_str(" :db/unique :db.unique/value"),
                "component" => extra.push_str(" :db/isComponent true"),
                "index" => extra.push_str(" :db/index true"),
                other => panic!("schema word {other}"),
            }
        }
        out.push_str(&format!(
            "{{:db/ident :{ident} :db/valueType :db.type/{ty} :db/cardinality :db.cardinality/{card}{extra}}}\n"
        ));
    }
    out.push(']');
    out
}
