//! Result shapes and query forms, through both evaluators on the movie fixture: return maps
//! (`:keys`, `:strs`, `:syms`), `:with` bags, counts of `(min n ?x)` / `(max n ?x)`, rule
//! calls written as vectors, nested binding forms, and `or` branches that need variables
//! bound outside. Expected answers are read off `fixtures/movies.edn`.

mod common;

use common::*;
use datolite_query::{
    parse_query, q_edn, BindVar, Binding, Cell, Input, QueryResult, ReturnKind, ReturnMap, Var,
};
use datolite_store::Value;

fn map_keys(kind: ReturnKind, names: &[&str]) -> ReturnMap {
    ReturnMap {
        kind,
        names: names.iter().map(|n| n.to_string()).collect(),
    }
}

#[test]
fn keys_strs_syms_return_maps() {
    let db = movies();
    let where_ = ":where [?m :movie/title ?t] [?m :movie/year ?y] [(< ?y 1980)]";
    for (key, kind) in [
        (":keys", ReturnKind::Keys),
        (":strs", ReturnKind::Strs),
        (":syms", ReturnKind::Syms),
    ] {
        let r = run(
            &db,
            &format!("[:find ?t ?y {key} title year {where_}]"),
            &[],
        );
        assert_eq!(
            r,
            QueryResult::Maps {
                keys: map_keys(kind, &["title", "year"]),
                rows: vec![vec![s("Alien"), l(1979)], vec![s("Mad Max"), l(1979)]],
            }
        );
    }
    // The tuple find spec gives one map; aggregates and namespaced names work.
    let r = run(
        &db,
        "[:find [?t ?y] :keys movie/title movie/year :where [?m :movie/title \"Alien\"] [?m :movie/title ?t] [?m :movie/year ?y]]",
        &[],
    );
    assert_eq!(
        r,
        QueryResult::Map {
            keys: map_keys(ReturnKind::Keys, &["movie/title", "movie/year"]),
            row: Some(vec![s("Alien"), l(1979)]),
        }
    );
    let r = run(
        &db,
        "{:find [?n (count ?m)] :keys [director movies] :where [[?m :movie/director ?d] [?d :person/name ?n] [(clojure.string/starts-with? ?n \"James\")]]}",
        &[],
    );
    assert_eq!(
        r,
        QueryResult::Maps {
            keys: map_keys(ReturnKind::Keys, &["director", "movies"]),
            rows: vec![vec![s("James Cameron"), l(3)]],
        }
    );
}

#[test]
fn return_map_errors() {
    let err = |text: &str| parse_query(text).unwrap_err().to_string();
    let m = err("[:find ?t ?y :keys title :where [?m :movie/title ?t] [?m :movie/year ?y]]");
    assert!(
        m.contains(":keys names 1 keys but :find has 2 elements"),
        "{m}"
    );
    let m = err("[:find ?t :strs a b :where [?m :movie/title ?t]]");
    assert!(
        m.contains(":strs names 2 keys but :find has 1 elements"),
        "{m}"
    );
    let m = err("[:find ?t . :keys title :where [?m :movie/title ?t]]");
    assert!(m.contains("needs a relation or tuple find spec"), "{m}");
    let m = err("[:find ?t :keys a :syms b :where [?m :movie/title ?t]]");
    assert!(m.contains("one of :keys, :strs and :syms"), "{m}");
    let m = err("[:find ?t :syms ?a :where [?m :movie/title ?t]]");
    assert!(m.contains(":syms takes plain symbols"), "{m}");
}

#[test]
fn with_keeps_a_bag_without_aggregates() {
    let db = movies();
    let where_ = ":where [?m :movie/year ?y] [(< ?y 1982)]";
    // Two movies of 1979: one row each with :with ?m, one row without.
    let r = run(&db, &format!("[:find ?y :with ?m {where_}]"), &[]);
    assert_eq!(col(r), vec![l(1979), l(1979), l(1981)]);
    let r = run(&db, &format!("[:find ?y {where_}]"), &[]);
    assert_eq!(col(r), vec![l(1979), l(1981)]);
    // Directors of the movies before 1985, once per movie.
    let r = run(
        &db,
        "[:find ?n :with ?m :where [?m :movie/director ?d] [?d :person/name ?n] [?m :movie/year ?y] [(< ?y 1985)]]",
        &[],
    );
    assert_eq!(
        col(r),
        strings(&[
            "George Miller",
            "George Miller",
            "James Cameron",
            "Ridley Scott",
            "Ted Kotcheff"
        ])
    );
    // Distinct find + :with tuples: the same movie found twice counts once.
    let r = run(
        &db,
        "[:find ?y :with ?m :where [?m :movie/year ?y] [?m :movie/cast ?p] [(= ?y 1979)]]",
        &[],
    );
    assert_eq!(col(r), vec![l(1979), l(1979)]);
    // :limit and :order-by apply to the bag.
    let r = run(
        &db,
        "[:find ?y :with ?m :where [?m :movie/year ?y] [(< ?y 1982)] :order-by [?y :desc] :limit 2]",
        &[],
    );
    assert_eq!(col(r), vec![l(1981), l(1979)]);
}

#[test]
fn min_and_max_of_n_with_counts_from_inputs() {
    let db = movies();
    let years = |xs: &[i64]| Cell::Vector(xs.iter().map(|&y| Value::Long(y)).collect());
    let r = run(
        &db,
        "[:find (min 3 ?y) (max 3 ?y) :with ?m :where [?m :movie/year ?y]]",
        &[],
    );
    // Least first for min, greatest first for max (Datomic's order).
    assert_eq!(
        rows(r),
        vec![vec![years(&[1979, 1979, 1981]), years(&[2003, 1995, 1992])]]
    );
    let r = run(
        &db,
        "[:find (max ?n ?y) . :in $ ?n :with ?m :where [?m :movie/year ?y]]",
        &["2"],
    );
    assert_eq!(r, QueryResult::Scalar(Some(years(&[2003, 1995]))));
    let r = run(
        &db,
        "[:find ?name (min ?n ?y) :in $ ?n :where [?d :person/name ?name] [?m :movie/director ?d] [?m :movie/year ?y] [(clojure.string/starts-with? ?name \"James\")]]",
        &["2"],
    );
    assert_eq!(
        rows(r),
        vec![vec![s("James Cameron"), years(&[1984, 1986])]]
    );
    // A count larger than the group: every value (the 14 distinct years, greatest first).
    let r = run(
        &db,
        "[:find (max 1000000000000 ?y) . :where [_ :movie/year ?y]]",
        &[],
    );
    match r {
        QueryResult::Scalar(Some(Cell::Vector(vs))) => {
            assert_eq!(vs.len(), 14);
            assert_eq!(vs.first(), Some(&Value::Long(2003)));
            assert_eq!(vs.last(), Some(&Value::Long(1979)));
        }
        other => panic!("{other:?}"),
    }
    fails(
        &db,
        "[:find (max ?n ?y) . :in $ ?n :where [_ :movie/year ?y]]",
        &["-1"],
        &["the count ?n of (max ?n ?y) is -1", "non-negative integer"],
    );
    fails(
        &db,
        "[:find (max ?n ?y) . :in $ ?n :where [_ :movie/year ?y]]",
        &["\"3\""],
        &["non-negative integer"],
    );
    let m = parse_query("[:find (max ?n ?y) . :where [_ :movie/year ?y] [(ground 2) ?n]]")
        .unwrap_err()
        .to_string();
    assert!(m.contains("scalar :in input"), "{m}");
    let m = parse_query("[:find (max -2 ?y) . :where [_ :movie/year ?y]]")
        .unwrap_err()
        .to_string();
    assert!(m.contains("(max 3 ?x)"), "{m}");
    let m = parse_query("[:find (count 2 ?y) . :where [_ :movie/year ?y]]")
        .unwrap_err()
        .to_string();
    assert!(m.contains("aggregate count takes 1 argument, got 2"), "{m}");
}

const MOVIE_YEAR: &str =
    "[[(movie-year ?title ?year) [?m :movie/title ?title] [?m :movie/year ?year]]
                           [(early ?title) [movie-year ?title ?y] [(< ?y 1980)]]]";

#[test]
fn rule_calls_written_as_vectors() {
    let db = movies();
    for text in [
        "[:find ?title :in $ % :where [movie-year ?title 1991]]",
        "[:find ?title :in $ % :where (movie-year ?title 1991)]",
    ] {
        assert_eq!(
            col(run(&db, text, &[MOVIE_YEAR])),
            strings(&["Terminator 2: Judgment Day"])
        );
    }
    // In a rule body (`early`), and inside not, or and and.
    let r = run(&db, "[:find ?t :in $ % :where [early ?t]]", &[MOVIE_YEAR]);
    assert_eq!(col(r), strings(&["Alien", "Mad Max"]));
    let r = run(
        &db,
        "[:find ?t :in $ % :where [?m :movie/year 1987] [?m :movie/title ?t] (not [movie-year ?t 1987])]",
        &[MOVIE_YEAR],
    );
    assert_eq!(col(r), Vec::<Cell>::new());
    let r = run(
        &db,
        "[:find ?t :in $ % :where (or [movie-year ?t 1979] [movie-year ?t 1981])]",
        &[MOVIE_YEAR],
    );
    assert_eq!(col(r), strings(&["Alien", "Mad Max", "Mad Max 2"]));
    let r = run(
        &db,
        "[:find ?t :in $ % :where (or-join [?t] (and [movie-year ?t ?y] [(= ?y 1995)]) [movie-year ?t 2003])]",
        &[MOVIE_YEAR],
    );
    assert_eq!(
        col(r),
        strings(&["Braveheart", "Terminator 3: Rise of the Machines"])
    );
    // With a leading source.
    let r = run(&db, "[:find ?t :in $ % :where [$ early ?t]]", &[MOVIE_YEAR]);
    assert_eq!(col(r), strings(&["Alien", "Mad Max"]));
    // The clause keywords exist only as lists.
    let m = parse_query("[:find ?m :where [?m :movie/title] [not [?m :movie/sequel _]]]")
        .unwrap_err()
        .to_string();
    assert!(m.contains("written as lists"), "{m}");
}

#[test]
fn nested_binding_forms_in_inputs() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?t :in $ [[?name [?y ...]]] :where [?p :person/name ?name] [?m :movie/director ?p] [?m :movie/year ?y] [?m :movie/title ?t]]",
        &["[[\"James Cameron\" [1984 1991]] [\"George Miller\" [1981]]]"],
    );
    assert_eq!(
        col(r),
        strings(&["Mad Max 2", "Terminator 2: Judgment Day", "The Terminator"])
    );
    // A collection of tuples, written `[[?k ?v] ...]`, is the relation form.
    let r = run(
        &db,
        "[:find ?t :in $ [[?k ?v] ...] :where [?m :movie/title ?t] [?m ?k ?v]]",
        &["[[:movie/year 1995] [:movie/title \"Alien\"]]"],
    );
    assert_eq!(col(r), strings(&["Alien", "Braveheart"]));
    // A tuple holding a collection.
    let r = run(
        &db,
        "[:find ?t :in $ [?name [?y ...]] :where [?p :person/name ?name] [?m :movie/director ?p] [?m :movie/year ?y] [?m :movie/title ?t]]",
        &["[\"George Miller\" [1979 1985]]"],
    );
    assert_eq!(col(r), strings(&["Mad Max", "Mad Max Beyond Thunderdome"]));
    fails(
        &db,
        "[:find ?a :in $ [[?a [?b ...]]] :where [(ground 1) ?z]]",
        &["[[1 2]]"],
        &["does not fit :in [[?a [?b ...]]]"],
    );
    fails(
        &db,
        "[:find ?a ?b :in $ [?a ?b] :where [(ground 1) ?z]]",
        &["[1 2 3]"],
        &["expected a tuple of 2 values, got 3"],
    );
}

#[test]
fn nested_binding_forms_in_function_results() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?a ?b :where [(ground [[1 [2 3]] [4 [5]]]) [[?a [?b ...]] ...]]]",
        &[],
    );
    assert_eq!(
        rows(r),
        vec![vec![l(1), l(2)], vec![l(1), l(3)], vec![l(4), l(5)]]
    );
    let r = run(
        &db,
        "[:find ?a ?b :where [(vector [1 2] [3 4]) [[?a ?b] ...]]]",
        &[],
    );
    assert_eq!(rows(r), vec![vec![l(1), l(2)], vec![l(3), l(4)]]);
    let r = run(
        &db,
        "[:find ?x ?y :where [(ground [1 [2 [3 4]]]) [?x [_ [?y ...]]]]]",
        &[],
    );
    assert_eq!(rows(r), vec![vec![l(1), l(3)], vec![l(1), l(4)]]);
    fails(
        &db,
        "[:find ?x :where [(ground [1 2]) [[?x ?y] ...]]]",
        &[],
        &["cannot bind"],
    );
}

#[test]
fn nested_binding_forms_parse() {
    let q = parse_query("[:find ?a :in $ [[?a [?b ...]]] [[?k ?v] ...] :where [(ground 1) ?a]]")
        .unwrap();
    let v = |n: &str| Binding::Scalar(BindVar::Var(Var::new(n)));
    assert_eq!(
        q.inputs[1],
        Input::Binding(Binding::Rel(vec![
            v("?a"),
            Binding::Coll(Box::new(v("?b")))
        ]))
    );
    assert_eq!(
        q.inputs[2],
        Input::Binding(Binding::Coll(Box::new(Binding::Tuple(vec![
            v("?k"),
            v("?v")
        ]))))
    );
    assert_eq!(q.inputs[1].to_string(), "[[?a [?b ...]]]");
    assert_eq!(q.inputs[2].to_string(), "[[?k ?v] ...]");
    for bad in ["[[?a ...] ...]x", "[?a ... ?b]", "[[]]", "[?a [?b ... ?c]]"] {
        let text = format!("[:find ?a :in $ {bad} :where [(ground 1) ?a]]");
        assert!(parse_query(&text).is_err(), "{text}");
    }
}

#[test]
fn or_of_predicates_waits_for_its_variables() {
    let db = movies();
    for text in [
        "[:find ?t :where [?m :movie/title ?t] [?m :movie/year ?y] (or [(< ?y 1980)] [(> ?y 2000)])]",
        "[:find ?t :where (or [(< ?y 1980)] [(> ?y 2000)]) [?m :movie/year ?y] [?m :movie/title ?t]]",
        "[:find ?t :where [?m :movie/title ?t] (or [(< ?y 1980)] (and [(> ?y 2000)] [(< ?y 2010)])) [?m :movie/year ?y] [?m :movie/director ?d]]",
    ] {
        assert_eq!(
            col(run(&db, text, &[])),
            strings(&["Alien", "Mad Max", "Terminator 3: Rise of the Machines"]),
            "{text}"
        );
    }
    // Or branches sharing variables with earlier clauses and binding others.
    let r = run(
        &db,
        "[:find ?t ?n :where [?d :person/name ?n] [?m :movie/title ?t] [?m :movie/year ?y] [(< ?y 1980)]
                              (or [?m :movie/director ?d] [?m :movie/cast ?d])]",
        &[],
    );
    assert_eq!(
        rows(r),
        vec![
            vec![s("Alien"), s("Ridley Scott")],
            vec![s("Alien"), s("Sigourney Weaver")],
            vec![s("Alien"), s("Tom Skerritt")],
            vec![s("Alien"), s("Veronica Cartwright")],
            vec![s("Mad Max"), s("George Miller")],
            vec![s("Mad Max"), s("Joanne Samuel")],
            vec![s("Mad Max"), s("Mel Gibson")],
            vec![s("Mad Max"), s("Steve Bisley")],
        ]
    );
    // A real Cartesian product is still refused.
    let err = q_edn(
        &db,
        "[:find ?t ?n :where [?m :movie/title ?t] [?p :person/name ?n] (or [?m :movie/year 1979] [?m :movie/year 1981])]",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("Cartesian product"), "{err}");
}
