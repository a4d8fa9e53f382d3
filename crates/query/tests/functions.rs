//! The function registry through both evaluators: the functions and aggregates added to it
//! (answers from Clojure's and Datomic's documented semantics, checked by hand), regular
//! expressions, and the parse-time checks every registered name gets.

mod common;

use common::*;
use datolite_edn::{self as edn, SpannedEdn, SpannedKind};
use datolite_query::{
    builtin_aggregates, builtin_functions, naive, parse_query, parse_query_form, q, Cell,
    InputValue, QueryResult,
};
use datolite_store::Value;

/// The value `[(expr) ?r]` binds (`None` when it binds nothing: nil).
fn eval(expr: &str) -> Option<Cell> {
    let db = movies();
    match run(&db, &format!("[:find ?r . :where [{expr} ?r]]"), &[]) {
        QueryResult::Scalar(c) => c,
        other => panic!("{other:?}"),
    }
}

/// Whether the predicate `[(expr)]` holds.
fn holds(expr: &str) -> bool {
    let db = movies();
    let r = run(
        &db,
        &format!("[:find ?x . :where [(ground 1) ?x] [{expr}]]"),
        &[],
    );
    r == QueryResult::Scalar(Some(l(1)))
}

#[test]
fn the_registry_lists_every_function_and_aggregate() {
    let names: Vec<&str> = builtin_functions().iter().map(|f| f.0).collect();
    for name in [
        "re-find",
        "re-matches",
        "re-seq",
        "re-pattern",
        "count",
        "even?",
        "odd?",
        "zero?",
        "pos?",
        "neg?",
        "true?",
        "false?",
        "nil?",
        "some?",
        "not",
        "compare",
        "keyword",
        "name",
        "namespace",
        "vector",
        "clojure.string/blank?",
        "get-else",
        "subs",
        "q",
        "<",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let aggs: Vec<&str> = builtin_aggregates().iter().map(|a| a.0).collect();
    for name in [
        "variance",
        "stddev",
        "sample",
        "rand",
        "min",
        "count-distinct",
    ] {
        assert!(aggs.contains(&name), "{name} missing from {aggs:?}");
    }
}

#[test]
fn parse_time_checks_from_the_registry() {
    let err = |text: &str| parse_query(text).unwrap_err().to_string();
    let m = err("[:find ?x :where [?m :movie/year ?x]\n  [(even? ?x 2)]]");
    assert!(
        m.contains("even? takes 1 argument, got 2 in (even? ?x 2)"),
        "{m}"
    );
    assert!(m.contains("line 2, column 4"), "{m}");
    let m = err("[:find ?x :where [?m :movie/year ?y] [(sum ?y) ?x]]");
    assert!(
        m.contains("unknown function sum (an aggregate, only allowed in :find)"),
        "{m}"
    );
    let m = err("[:find ?x :where [?m :movie/year ?y] [(re-find ?y) ?x]]");
    assert!(m.contains("re-find takes 2 arguments, got 1"), "{m}");
    let m = err("[:find ?x :where [?m :movie/year ?y] [(get-else ?m ?m :movie/year 0) ?x]]");
    assert!(
        m.contains("get-else takes a source ($) as its first argument"),
        "{m}"
    );
    let m = err("[:find (stddev 2 ?y) :where [?m :movie/year ?y]]");
    assert!(
        m.contains("aggregate stddev takes 1 argument, got 2"),
        "{m}"
    );
    let m = err("[:find (sample ?y) :where [?m :movie/year ?y]]");
    assert!(m.contains("(sample 3 ?x)"), "{m}");
}

#[test]
fn numeric_predicates_on_the_movie_years() {
    let db = movies();
    let count = |pred: &str| {
        run(
            &db,
            &format!("[:find (count ?m) . :where [?m :movie/year ?y] [({pred} ?y)]]"),
            &[],
        )
    };
    // Even years: 1982 1984 1986 1988 1988 1990 1992.
    assert_eq!(count("even?"), QueryResult::Scalar(Some(l(7))));
    assert_eq!(count("odd?"), QueryResult::Scalar(Some(l(13))));
    let by_sign = |pred: &str| {
        run(
            &db,
            &format!(
                "[:find (count ?m) . :where [?m :movie/year ?y] [(- ?y 1987) ?d] [({pred} ?d)]]"
            ),
            &[],
        )
    };
    assert_eq!(by_sign("zero?"), QueryResult::Scalar(Some(l(3))));
    assert_eq!(by_sign("neg?"), QueryResult::Scalar(Some(l(9))));
    assert_eq!(by_sign("pos?"), QueryResult::Scalar(Some(l(8))));
    assert!(holds("(zero? 0.0)"));
    assert!(!holds("(pos? ##NaN)"));
    fails(
        &db,
        "[:find ?m :where [?m :movie/title ?t] [(even? ?t)]]",
        &[],
        &["even?: expected an integer"],
    );
}

#[test]
fn logic_and_comparison_functions() {
    assert!(holds("(true? true)"));
    assert!(!holds("(true? 1)"));
    assert!(holds("(false? false)"));
    assert!(!holds("(false? nil)"));
    assert!(holds("(nil? nil)"));
    assert!(!holds("(nil? false)"));
    assert!(holds("(some? false)"));
    assert!(!holds("(some? nil)"));
    assert!(holds("(not nil)"));
    assert!(holds("(not false)"));
    assert!(!holds("(not 0)"));
    assert_eq!(eval("(compare 1 2)"), Some(l(-1)));
    assert_eq!(eval("(compare \"b\" \"a\")"), Some(l(1)));
    assert_eq!(eval("(compare 1 1.0)"), Some(l(0)));
    assert_eq!(eval("(compare nil 1)"), Some(l(-1)));
    assert!(holds("(= nil nil)"));
    assert!(holds("(= [1 2] [1 2.0])"));
}

#[test]
fn strings_keywords_and_collections() {
    assert_eq!(eval("(count \"Alien\")"), Some(l(5)));
    assert_eq!(eval("(count \"naïve\")"), Some(l(5)));
    assert_eq!(eval("(count [1 2 3])"), Some(l(3)));
    assert_eq!(eval("(count nil)"), Some(l(0)));
    assert_eq!(eval("(keyword \"a\")"), Some(kw(":a")));
    assert_eq!(
        eval("(keyword \"movie\" \"title\")"),
        Some(kw(":movie/title"))
    );
    assert_eq!(eval("(keyword :x/y)"), Some(kw(":x/y")));
    assert_eq!(eval("(keyword nil)"), None);
    assert_eq!(eval("(name :movie/title)"), Some(s("title")));
    assert_eq!(eval("(name :title)"), Some(s("title")));
    assert_eq!(eval("(name \"x/y\")"), Some(s("x/y")));
    assert_eq!(eval("(namespace :movie/title)"), Some(s("movie")));
    assert_eq!(eval("(namespace :title)"), None);
    assert!(holds("(clojure.string/blank? \"\")"));
    assert!(holds("(clojure.string/blank? \" \\t\\n\")"));
    assert!(holds("(clojure.string/blank? nil)"));
    assert!(!holds("(clojure.string/blank? \" a \")"));
    let db = movies();
    let r = run(&db, "[:find ?a ?b :where [(vector 1 :k) [?a ?b]]]", &[]);
    assert_eq!(rows(r), vec![vec![l(1), kw(":k")]]);
    // The schema's attributes by namespace: 5 of movie, 3 of person.
    let r = run(
        &db,
        "[:find ?ns (count ?a) :where [?a :db/valueType] [?a :db/ident ?i] [(namespace ?i) ?ns]
                                     (or [(= ?ns \"movie\")] [(= ?ns \"person\")])]",
        &[],
    );
    assert_eq!(
        rows(r),
        vec![vec![s("movie"), l(5)], vec![s("person"), l(3)]]
    );
}

#[test]
fn regular_expressions() {
    let db = movies();
    let titles = |text: &str| col(run(&db, text, &[]));
    assert_eq!(
        titles("[:find ?t :where [?m :movie/title ?t] [(re-find \"^Mad\" ?t)]]"),
        strings(&["Mad Max", "Mad Max 2", "Mad Max Beyond Thunderdome"])
    );
    assert_eq!(
        titles("[:find ?t :where [?m :movie/title ?t] [(re-matches \"Terminator \\\\d.*\" ?t)]]"),
        strings(&[
            "Terminator 2: Judgment Day",
            "Terminator 3: Rise of the Machines"
        ])
    );
    // A pattern bound to a variable by re-pattern.
    assert_eq!(
        titles("[:find ?t :where [(re-pattern \"^Lethal\") ?p] [?m :movie/title ?t] [(re-find ?p ?t)]]"),
        strings(&["Lethal Weapon", "Lethal Weapon 2", "Lethal Weapon 3"])
    );
    // Groups: the whole match, then each group.
    let r = run(
        &db,
        "[:find ?w ?a ?b :where [(re-find \"(\\\\w+) (\\\\w+)\" \"Mad Max 2\") [?w ?a ?b]]]",
        &[],
    );
    assert_eq!(rows(r), vec![vec![s("Mad Max"), s("Mad"), s("Max")]]);
    // re-matches needs the whole string, whichever alternative matches first.
    assert_eq!(eval("(re-matches \"a|ab\" \"ab\")"), Some(s("ab")));
    assert_eq!(eval("(re-matches \"Mad\" \"Mad Max\")"), None);
    assert_eq!(eval("(re-find \"z\" \"Mad Max\")"), None);
    fails(
        &db,
        "[:find ?t :where [?m :movie/title ?t] [(re-find \"(\" ?t)]]",
        &[],
        &["invalid regular expression #\"(\""],
    );
    // Look-around is not in the Rust regex syntax.
    fails(
        &db,
        "[:find ?t :where [?m :movie/title ?t] [(re-find \"Mad(?= Max)\" ?t)]]",
        &[],
        &["invalid regular expression"],
    );
    fails(
        &db,
        "[:find ?t :where [?m :movie/year ?t] [(re-find \"1\" ?t)]]",
        &[],
        &["re-find: expected a string, got 1"],
    );
}

#[test]
fn re_seq_returns_every_match() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?d :where [(re-seq \"\\\\d+\" \"a1b22c333\") [?d ...]]]",
        &[],
    );
    assert_eq!(col(r), strings(&["1", "22", "333"]));
    let r = run(
        &db,
        "[:find ?whole ?n :where [(re-seq \"([a-c])(\\\\d+)\" \"a1b22\") [[?whole _ ?n] ...]]]",
        &[],
    );
    assert_eq!(
        rows(r),
        vec![vec![s("a1"), s("1")], vec![s("b22"), s("22")]]
    );
    assert_eq!(eval("(re-seq \"z\" \"abc\")"), None);
}

/// `text` with the first string literal `"PATTERN"` turned into the regex literal
/// `#"PATTERN"` (the EDN reader does not read `#"…"` yet; the query parser takes the spanned
/// form).
fn with_regex_literal(text: &str, pattern: &str) -> SpannedEdn {
    fn walk(form: &mut SpannedEdn, pattern: &str) -> bool {
        match &mut form.kind {
            SpannedKind::String(s) if s == pattern => {
                form.kind = SpannedKind::Regex(pattern.to_owned());
                true
            }
            SpannedKind::Vector(items) | SpannedKind::List(items) => {
                items.iter_mut().any(|i| walk(i, pattern))
            }
            _ => false,
        }
    }
    let mut form = edn::parse_spanned(text).unwrap();
    assert!(walk(&mut form, pattern), "{text} has no \"{pattern}\"");
    form
}

#[test]
fn regex_literals_are_patterns() {
    let db = movies();
    let form = with_regex_literal(
        "[:find ?t :where [?m :movie/title ?t] [(re-find \"^Rambo\" ?t)]]",
        "^Rambo",
    );
    let query = parse_query_form(&form).unwrap();
    let inputs = [InputValue::Db];
    let got = q(&db, &query, &inputs, &[]).unwrap();
    assert_eq!(got, naive::q(&db, &query, &inputs, &[]).unwrap());
    assert_eq!(
        col(got),
        strings(&["Rambo III", "Rambo: First Blood Part II"])
    );
    // A regex literal is no string: equality with one fails, str prints its source.
    let form = with_regex_literal("[:find ?x . :where [(ground 1) ?x] [(= \"a\" \"a\")]]", "a");
    let query = parse_query_form(&form).unwrap();
    assert_eq!(
        q(&db, &query, &inputs, &[]).unwrap(),
        QueryResult::Scalar(None)
    );
    let form = with_regex_literal("[:find ?s . :where [(str \"x\" \"a+\") ?s]]", "a+");
    let query = parse_query_form(&form).unwrap();
    assert_eq!(
        q(&db, &query, &inputs, &[]).unwrap(),
        QueryResult::Scalar(Some(s("xa+")))
    );
}

/// The solar-system sample of Datomic's day-of-datomic tutorial (`bigger-than-pluto`): 17
/// objects and their mean radii. Datomic's answers on it (recorded by the datomisca and
/// Molecule test suites, which run against Datomic) are the expected values below; they are the
/// population figures (sample stddev would be 166885.306).
fn solar_system() -> datolite_store::Db {
    let radii = [
        ("Sun", 696000.0),
        ("Jupiter", 69911.0),
        ("Saturn", 58232.0),
        ("Uranus", 25362.0),
        ("Neptune", 24622.0),
        ("Earth", 6371.0),
        ("Venus", 6051.8),
        ("Mars", 3390.0),
        ("Ganymede", 2631.2),
        ("Titan", 2576.0),
        ("Mercury", 2439.7),
        ("Callisto", 2410.3),
        ("Io", 1821.5),
        ("Moon", 1737.1),
        ("Europa", 1561.0),
        ("Triton", 1353.4),
        ("Eris", 1163.0),
    ];
    let db = datolite::Database::memory().unwrap();
    let mut tx = String::from(
        "[{:db/ident :object/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
          {:db/ident :object/meanRadius :db/valueType :db.type/double :db/cardinality :db.cardinality/one}",
    );
    for (name, r) in radii {
        tx.push_str(&format!(
            " {{:object/name \"{name}\" :object/meanRadius {r:?}}}"
        ));
    }
    tx.push(']');
    db.transact(&tx).unwrap();
    db.db().unwrap()
}

fn double(r: QueryResult) -> f64 {
    match r {
        QueryResult::Scalar(Some(Cell::Value(Value::Double(x)))) => x,
        other => panic!("not a double: {other:?}"),
    }
}

#[test]
fn variance_and_stddev_are_the_population_figures() {
    let db = solar_system();
    let agg = |f: &str| {
        double(run(
            &db,
            &format!("[:find ({f} ?r) . :with ?e :where [?e :object/meanRadius ?r]]"),
            &[],
        ))
    };
    assert!(
        (agg("stddev") - 161_902.528).abs() < 0.0005,
        "{}",
        agg("stddev")
    );
    assert!((agg("variance") / 2.621_242_851_109_121_3e10 - 1.0).abs() < 1e-12);
    assert!((agg("avg") - 53_390.176).abs() < 0.0005);
    let r = run(
        &db,
        "[:find (min 3 ?r) (max 3 ?r) :with ?e :where [?e :object/meanRadius ?r]]",
        &[],
    );
    let radii = |xs: &[f64]| Cell::Vector(xs.iter().map(|&x| Value::Double(x)).collect());
    assert_eq!(
        rows(r),
        vec![vec![
            radii(&[1163.0, 1353.4, 1561.0]),
            radii(&[696000.0, 69911.0, 58232.0])
        ]]
    );
    // DataScript's variance test: [10 15 20 35 75] has mean 31 and variance 2770 / 5.
    let movies = movies();
    let r = run(
        &movies,
        "[:find (variance ?x) . :in $ [?x ...] :where [(ground 1) ?one]]",
        &["[10 15 20 35 75]"],
    );
    assert_eq!(r, QueryResult::Scalar(Some(d(554.0))));
    // Over Longs the sums are exact: the 20 movie years have variance 11731/400, rounded once.
    let r = run(
        &movies,
        "[:find (variance ?y) . :with ?m :where [?m :movie/year ?y]]",
        &[],
    );
    assert_eq!(r, QueryResult::Scalar(Some(d(29.3275))));
    fails(
        &movies,
        "[:find (variance ?t) . :where [_ :movie/title ?t]]",
        &[],
        &["variance of a non-number"],
    );
}

#[test]
fn rand_and_sample_pick_from_the_group() {
    let db = solar_system();
    let names: Vec<Value> = col(run(&db, "[:find ?n :where [_ :object/name ?n]]", &[]))
        .into_iter()
        .map(|c| match c {
            Cell::Value(v) => v,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names.len(), 17);
    let picked = |text: &str| -> Vec<Value> {
        // Random: the executor alone (the naive evaluator would pick differently).
        let query = parse_query(text).unwrap();
        match q(&db, &query, &[InputValue::Db], &[]).unwrap() {
            QueryResult::Scalar(Some(Cell::Vector(vs))) => vs,
            QueryResult::Scalar(Some(Cell::Value(v))) => vec![v],
            other => panic!("{text}: {other:?}"),
        }
    };
    for _ in 0..20 {
        let s5 = picked("[:find (sample 5 ?n) . :with ?e :where [?e :object/name ?n]]");
        assert_eq!(s5.len(), 5);
        let mut distinct = s5.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 5, "{s5:?}");
        assert!(s5.iter().all(|v| names.contains(v)), "{s5:?}");
        let r5 = picked("[:find (rand 5 ?n) . :with ?e :where [?e :object/name ?n]]");
        assert_eq!(r5.len(), 5);
        assert!(r5.iter().all(|v| names.contains(v)), "{r5:?}");
        let one = picked("[:find (rand ?n) . :where [_ :object/name ?n]]");
        assert_eq!(one.len(), 1);
        assert!(names.contains(&one[0]));
    }
    // Fewer values than asked for: all of them (sample); rand draws n with repetition.
    let all = picked("[:find (sample 100 ?n) . :with ?e :where [?e :object/name ?n]]");
    let mut sorted = all.clone();
    sorted.sort();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    let draws = picked("[:find (rand 100 ?n) . :with ?e :where [?e :object/name ?n]]");
    assert_eq!(draws.len(), 100);
    assert!(draws.iter().all(|v| names.contains(v)));
    // A sample of a bag holds distinct values: the 2 distinct names of 3 rows.
    let movies = movies();
    let query =
        parse_query("[:find (sample 3 ?y) . :with ?m :where [?m :movie/year ?y] [(< ?y 1982)]]")
            .unwrap();
    match q(&movies, &query, &[InputValue::Db], &[]).unwrap() {
        QueryResult::Scalar(Some(Cell::Vector(mut vs))) => {
            vs.sort();
            assert_eq!(vs, vec![Value::Long(1979), Value::Long(1981)]);
        }
        other => panic!("{other:?}"),
    }
}
