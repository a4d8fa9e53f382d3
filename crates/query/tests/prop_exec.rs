//! Property test: on random small databases and random connected queries, the planner and
//! executor (`datolite_query::q`) return exactly what the naive evaluator returns — with the
//! per-step join choice, and with every pattern forced to index lookups and to scan joins.
//!
//! The queries mix patterns, predicates (comparisons, `even?`, `pos?`, regexes), `not`, `or`
//! (of patterns and of predicates), `or-join`, chained comparisons, rule calls (as lists and as
//! vectors, recursive: closures of every shape searched from either argument),
//! attribute positions bound to keywords, lookup refs, nested binding forms, `:with` bags and
//! aggregates.

use datolite_query::{
    naive, parse_query, parse_rules, q_with, test_run_options, InputValue, QueryResult, RunOptions,
};
use datolite_store::Db;
use proptest::prelude::*;

/// A tiny deterministic generator (xorshift), driven by a proptest seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const STRINGS: [&str; 3] = ["\"a\"", "\"b\"", "\"c\""];
const DECIMALS: [&str; 5] = ["0M", "1M", "1.5M", "2.00M", "4M"];
const DOUBLES: [&str; 5] = ["0.0", "-0.0", "1.5", "2.0", "4.0"];
/// Number literals of every type, for the value position of `:p/d` and `:p/x`.
const NUMBERS: [&str; 7] = ["1", "2", "1.5", "1.5M", "2N", "0", "-0.0"];

/// A random database and how many entities it holds (`:p/id` 0 to n-1).
fn database(rng: &mut Rng) -> (Db, u64) {
    let db = datolite::Database::memory().unwrap();
    db.transact(
        "[{:db/ident :p/id :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
          {:db/ident :p/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
          {:db/ident :p/m :db/valueType :db.type/long :db/cardinality :db.cardinality/many}
          {:db/ident :p/s :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
          {:db/ident :p/r :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
          {:db/ident :p/d :db/valueType :db.type/bigdec :db/cardinality :db.cardinality/one}
          {:db/ident :p/x :db/valueType :db.type/double :db/cardinality :db.cardinality/one}]",
    )
    .unwrap();
    let n = rng.below(31);
    if n > 0 {
        let mut tx = String::from("[");
        for i in 0..n {
            tx.push_str(&format!(
                "{{:db/id \"e{i}\" :p/id {i} :p/s {}",
                rng.pick(&STRINGS)
            ));
            if rng.chance(70) {
                tx.push_str(&format!(" :p/n {}", rng.below(6)));
            }
            // Numbers of other types, some equal to the longs (joins across types).
            if rng.chance(50) {
                tx.push_str(&format!(" :p/d {}", rng.pick(&DECIMALS)));
            }
            if rng.chance(50) {
                tx.push_str(&format!(" :p/x {}", rng.pick(&DOUBLES)));
            }
            let m: Vec<String> = (0..rng.below(3))
                .map(|_| rng.below(6).to_string())
                .collect();
            if !m.is_empty() {
                tx.push_str(&format!(" :p/m #{{{}}}", dedup(m).join(" ")));
            }
            let r: Vec<String> = (0..rng.below(3))
                .map(|_| format!("\"e{}\"", rng.below(n)))
                .collect();
            if !r.is_empty() {
                tx.push_str(&format!(" :p/r #{{{}}}", dedup(r).join(" ")));
            }
            tx.push('}');
        }
        tx.push(']');
        db.transact(&tx).unwrap();
    }
    (db.db().unwrap(), n)
}

fn dedup(mut xs: Vec<String>) -> Vec<String> {
    xs.sort();
    xs.dedup();
    xs
}

/// A random query whose patterns are connected through shared variables.
fn query(rng: &mut Rng, entities_in_db: u64) -> String {
    let mut entities: Vec<String> = vec!["?e".into()];
    let mut longs: Vec<String> = Vec::new();
    let mut strings: Vec<String> = Vec::new();
    // Variables of decimals and doubles (kept apart from the longs: `even?` takes integers).
    let mut numbers: Vec<String> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    let patterns = 1 + rng.below(4);
    for _ in 0..patterns {
        let e = entities[rng.below(entities.len() as u64) as usize].clone();
        let clause = match rng.below(5) {
            4 => {
                // A decimal or double: a constant of any number type (matched by exact value:
                // 2 = 2.0 = 2M), or a variable (compared across types by the predicates below).
                // Not the variable of a long: a variable joining numbers of different types
                // holds whichever the plan reads first (equal numbers, but not the same value).
                let attr = rng.pick(&[":p/d", ":p/x"]);
                let v = match rng.below(2) {
                    0 => rng.pick(&NUMBERS).to_string(),
                    _ => {
                        let v = format!("?d{}", numbers.len());
                        numbers.push(v.clone());
                        v
                    }
                };
                format!("[{e} {attr} {v}]")
            }
            a @ (0 | 1) => {
                let attr = if a == 0 { ":p/n" } else { ":p/m" };
                let v = match rng.below(3) {
                    0 => rng.below(6).to_string(),
                    1 if !longs.is_empty() => longs[0].clone(),
                    _ => {
                        let v = format!("?n{}", longs.len());
                        longs.push(v.clone());
                        v
                    }
                };
                format!("[{e} {attr} {v}]")
            }
            2 => {
                let v = if rng.chance(40) {
                    rng.pick(&STRINGS).to_string()
                } else if !strings.is_empty() && rng.chance(50) {
                    strings[0].clone()
                } else {
                    let v = format!("?s{}", strings.len());
                    strings.push(v.clone());
                    v
                };
                format!("[{e} :p/s {v}]")
            }
            _ => {
                let v = if rng.chance(50) && entities.len() > 1 {
                    entities[rng.below(entities.len() as u64) as usize].clone()
                } else {
                    let v = format!("?f{}", entities.len());
                    entities.push(v.clone());
                    v
                };
                // Sometimes the reference runs backwards from a bound value.
                if rng.chance(30) {
                    let (x, y) = (v.clone(), e.clone());
                    format!("[{x} :p/r {y}]")
                } else {
                    format!("[{e} :p/r {v}]")
                }
            }
        };
        clauses.push(clause);
    }
    if !longs.is_empty() && rng.chance(50) {
        let op = rng.pick(&["<", ">", "="]);
        let k = rng.below(6);
        if rng.chance(50) {
            clauses.push(format!("[({op} {} {k})]", longs[0]));
        } else {
            clauses.insert(0, format!("[({op} {k} {})]", longs[0]));
        }
    }
    if rng.chance(20) {
        clauses.push(format!(
            "(or [?e :p/n {}] [?e :p/s {}])",
            rng.below(6),
            rng.pick(&STRINGS)
        ));
    }
    if rng.chance(30) {
        clauses.push(format!("(not [?e :p/n {}])", rng.below(6)));
    }
    if rng.chance(30) {
        clauses.push(format!(
            "(or-join [?e] [?e :p/n {}] [?e :p/s {}] (and [?e :p/m ?zz] [(> ?zz 2)]))",
            rng.below(6),
            rng.pick(&STRINGS)
        ));
    }
    if rng.chance(20) {
        // `missing?` and `get-else` on an entity column (references included).
        let e = entities[rng.below(entities.len() as u64) as usize].clone();
        let attr = rng.pick(&[":p/m", ":p/s", ":p/r"]);
        clauses.push(if rng.chance(50) {
            format!("[(missing? $ {e} {attr})]")
        } else {
            format!("[(get-else $ {e} :p/n -1) ?ge]")
        });
    }
    if !longs.is_empty() && rng.chance(25) {
        let pred = rng.pick(&["even?", "odd?", "pos?", "zero?"]);
        clauses.push(format!("[({pred} {})]", longs[0]));
    }
    if !longs.is_empty() && rng.chance(20) {
        // An or of predicates: it waits for its variable.
        let at = rng.below(clauses.len() as u64 + 1) as usize;
        clauses.insert(at, format!("(or [(< {0} 2)] [(> {0} 4)])", longs[0]));
    }
    if !strings.is_empty() && rng.chance(20) {
        clauses.push(format!("[(re-find \"^[ab]\" {})]", strings[0]));
    }
    if rng.chance(20) {
        // The attribute position bound to a keyword by another clause.
        let attr = rng.pick(&[":p/n", ":p/m", ":p/s"]);
        let at = rng.below(clauses.len() as u64 + 1) as usize;
        clauses.insert(at, format!("[?e ?att ?av] [(ground {attr}) ?att]"));
    }
    if entities_in_db > 0 && rng.chance(20) {
        // A lookup ref (to an entity that exists), in the entity position or as the value of
        // the reference attribute.
        let id = rng.below(entities_in_db);
        clauses.push(if rng.chance(50) {
            format!("[[:p/id {id}] :p/r ?e]")
        } else {
            format!("[?e :p/r [:p/id {id}]]")
        });
    }
    if rng.chance(15) {
        // Nested binding forms joined to the entities' numbers.
        clauses.push("[(ground [[0 [1 2]] [3 [4 5]]]) [[?ga [?gb ...]] ...]] [?e :p/n ?gb]".into());
    }
    let mut rules = false;
    if rng.chance(25) {
        rules = true;
        let target = entities[rng.below(entities.len() as u64) as usize].clone();
        // Closures of every shape, searched from either argument (a variable or a constant),
        // and a rule that is no closure.
        // Recursive rules that are no closures (three arguments, same generation, mutual
        // recursion): evaluated on demand when the call binds an argument.
        clauses.push(match rng.below(15) {
            9 => format!("(chain {target} ?e ?cn)"),
            10 => format!("[?e :p/n ?cn] (chain ?e {target} ?cn)"),
            11 => format!("(chain ?e _ {})", rng.below(6)),
            12 => format!("(sg {target} ?e)"),
            13 => format!("(even-hops ?e {target})"),
            14 => "(odd-hops ?e ?e)".to_string(),
            0 => format!("[linked ?e {target}]"),
            1 => format!("(linked {target} ?e)"),
            2 => format!("(left {target} ?e)"),
            3 => format!("(left ?e {target})"),
            4 => format!("(twice {target} ?e)"),
            5 => format!("(mixed ?e {target})"),
            6 => "[?e :p/n ?n1] (numbers ?n1 ?n2)".to_string(),
            7 => format!("(numbers {} ?n2) [?e :p/m ?n2]", rng.below(6)),
            _ => format!("[has-n ?e {}]", rng.below(6)),
        });
    }
    let mut vars: Vec<String> = entities.clone();
    vars.extend(longs.iter().cloned());
    vars.extend(strings.iter().cloned());
    vars.extend(numbers.iter().cloned());
    if !numbers.is_empty() && rng.chance(30) {
        let op = rng.pick(&["<", ">", "=", "<="]);
        let k = rng.pick(&NUMBERS);
        clauses.push(format!("[({op} {} {k})]", numbers[0]));
    }
    if !numbers.is_empty() && rng.chance(25) {
        // A chained comparison: an AVET range bounded on both sides (or a point for `=`).
        let op = rng.pick(&["<", "<=", ">", ">=", "="]);
        let (a, b) = (rng.pick(&NUMBERS), rng.pick(&NUMBERS));
        clauses.push(format!("[({op} {a} {} {b})]", numbers[0]));
    }
    if !longs.is_empty() && rng.chance(15) {
        // A chain of three with the variable in the middle or at an end.
        let k = rng.pick(&NUMBERS);
        clauses.push(match rng.below(3) {
            0 => format!("[(<= 0 {} {k})]", longs[0]),
            1 => format!("[(< {} {k} 5)]", longs[0]),
            _ => format!("[(= {} {} {k})]", longs[0], longs[0]),
        });
    }
    if rng.chance(20) {
        // A comparison with a value from another entity: a range per row.
        let op = rng.pick(&["<", "<=", ">", ">="]);
        clauses.push(format!(
            "[?other :p/id {}] [?other :p/n ?bound] [?e3 :p/n ?mine] [({op} ?bound ?mine)] \
             [(!= ?e3 ?e)]",
            rng.below(entities_in_db.max(1))
        ));
    }
    if !numbers.is_empty() && !longs.is_empty() && rng.chance(30) {
        // Numbers of different types compared: exact value.
        let op = rng.pick(&["<", "=", ">="]);
        clauses.push(format!("[({op} {} {})]", numbers[0], longs[0]));
    }
    let pick = |rng: &mut Rng| vars[rng.below(vars.len() as u64) as usize].clone();
    let find = match rng.below(7) {
        0 => format!("(count {})", pick(rng)),
        1 if !longs.is_empty() => format!("(min {})", longs[0]),
        2 if !longs.is_empty() => format!("?e (max {})", longs[0]),
        3 if !longs.is_empty() => format!("(max 2 {}) (count-distinct ?e)", longs[0]),
        // A bag: one row per distinct (find, :with) tuple.
        // (`:with` may not repeat a find variable.)
        4 => {
            let v = pick(rng);
            if v == "?e" {
                v
            } else {
                format!("{v} :with ?e")
            }
        }
        5 if !longs.is_empty() => format!("(variance {}) :with ?e", longs[0]),
        _ => vars.join(" "),
    };
    let inputs = if rules { ":in $ %" } else { "" };
    format!("[:find {find} {inputs} :where {}]", clauses.join(" "))
}

/// The rules the queries call.
const RULES: &str = "[[(linked ?a ?b) [?a :p/r ?b]]
                      [(linked ?a ?b) [?a :p/r ?x] [linked ?x ?b]]
                      [(left ?a ?b) [?a :p/r ?b]]
                      [(left ?a ?b) (left ?a ?x) [?x :p/r ?b]]
                      [(twice ?a ?b) [?a :p/r ?b]]
                      [(twice ?a ?b) (twice ?a ?x) (twice ?x ?b)]
                      [(mixed ?a ?b) [?a :p/r ?b] [?b :p/n _]]
                      [(mixed ?a ?b) [?a :p/r ?x] (mixed ?x ?b)]
                      [(mixed ?a ?b) (mixed ?a ?x) [?x :p/r ?b] [(!= ?x ?b)]]
                      [(numbers ?a ?b) [?x :p/n ?a] [?x :p/m ?b]]
                      [(numbers ?a ?b) [?x :p/n ?a] [?x :p/m ?y] (numbers ?y ?b)]
                      [(has-n ?e ?v) [?e :p/n ?v]]
                      [(chain ?a ?b ?n) [?a :p/r ?b] [?a :p/n ?n]]
                      [(chain ?a ?b ?n) [?a :p/r ?x] (chain ?x ?b ?n)]
                      [(sg ?x ?y) [?x :p/r ?p] [?y :p/r ?p]]
                      [(sg ?x ?y) [?x :p/r ?px] (sg ?px ?py) [?y :p/r ?py]]
                      [(even-hops ?a ?b) [?a :p/r ?x] (odd-hops ?x ?b)]
                      [(odd-hops ?a ?b) [?a :p/r ?b]]
                      [(odd-hops ?a ?b) [?a :p/r ?x] (even-hops ?x ?b) [(ground 0) ?z]]]";

/// The executor's answers with each join strategy and batch size, and the naive evaluator's.
fn run(db: &Db, text: &str) -> (Vec<(RunOptions, QueryResult)>, QueryResult) {
    let q = parse_query(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let rules = parse_rules(RULES).unwrap();
    let (inputs, rules) = if q.inputs.len() == 2 {
        (vec![InputValue::Db, InputValue::Rules], rules)
    } else {
        (vec![InputValue::Db], Vec::new())
    };
    let got = test_run_options()
        .into_iter()
        .map(|o| {
            let r = q_with(db, &q, &inputs, &rules, o).unwrap_or_else(|e| panic!("{text}: {e}"));
            (o, r)
        })
        .collect();
    let want = naive::q(db, &q, &inputs, &rules).unwrap_or_else(|e| panic!("{text}: {e}"));
    (got, want)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn executor_matches_naive(seed in 1u64..u64::MAX) {
        let mut rng = Rng(seed);
        let (db, n) = database(&mut rng);
        for _ in 0..4 {
            let text = query(&mut rng, n);
            let (got, want) = run(&db, &text);
            if std::env::var("PROP_SHOW").is_ok() { eprintln!("{text} => {want:?}"); }
            for (options, got) in got {
                prop_assert_eq!(got, want.clone(), "{} run with {:?}", text, options);
            }
        }
    }
}
