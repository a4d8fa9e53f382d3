//! The planner's choices, checked through `explain`, and the executor's answers against the
//! naive evaluator on a small people database.

use datolite_edn as edn;
use datolite_query::{
    explain_edn, naive, parse_query, q_edn, q_with, test_run_options, Cell, QueryError, QueryResult,
};
use datolite_store::{Db, Value};

mod common;
use common::chain;

fn people() -> Db {
    let db = datolite::Database::memory().unwrap();
    db.transact(
        "[{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
          {:db/ident :age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
          {:db/ident :salary :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
          {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]",
    )
    .unwrap();
    let mut tx = String::from("[");
    for i in 0..200 {
        let name = if i % 50 == 0 {
            "Ivan".to_string()
        } else {
            format!("p{i}")
        };
        tx.push_str(&format!(
            "{{:db/id \"p{i}\" :name \"{name}\" :age {} :salary {} :friend \"p{}\"}}",
            i % 40,
            i * 1000,
            (i + 1) % 200
        ));
    }
    tx.push(']');
    db.transact(&tx).unwrap();
    db.db().unwrap()
}

fn args(a: &[&str]) -> Vec<edn::Edn> {
    a.iter().map(|x| edn::parse(x).unwrap()).collect()
}

fn explain(db: &Db, text: &str, a: &[&str], analyze: bool) -> String {
    explain_edn(db, text, &args(a), analyze).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Executor and naive evaluator agree on `text`.
fn same(db: &Db, text: &str, a: &[&str]) {
    let got = q_edn(db, text, &args(a)).unwrap_or_else(|e| panic!("{text}: {e}"));
    let query = parse_query(text).unwrap();
    let (inputs, rules) = datolite_query::bind_args(&query, &args(a)).unwrap();
    let want = naive::q(db, &query, &inputs, &rules).unwrap();
    assert_eq!(got, want, "{text}");
    for options in test_run_options() {
        let forced = q_with(db, &query, &inputs, &rules, options).unwrap();
        assert_eq!(forced, want, "{text} run with {options:?}");
    }
}

#[test]
fn bound_value_uses_avet() {
    let db = people();
    let text = "[:find ?e :where [?e :name \"Ivan\"]]";
    let plan = explain(&db, text, &[], false);
    assert!(plan.contains("AVET [a v]"), "{plan}");
    same(&db, text, &[]);
}

#[test]
fn bound_ref_value_uses_vaet_and_bound_entity_eavt() {
    let db = people();
    let text = "[:find ?n :in $ ?x :where [?x :name ?n2] [?e :friend ?x] [?e :name ?n]]";
    let plan = explain(&db, text, &["7"], false);
    assert!(plan.contains("EAVT [e a]"), "{plan}");
    assert!(plan.contains("VAET [v a]"), "{plan}");
    same(&db, text, &["7"]);
}

#[test]
fn range_predicate_becomes_avet_range() {
    let db = people();
    let text = "[:find ?e :where [?e :salary ?s] [(> ?s 150000)]]";
    let plan = explain(&db, text, &[], true);
    assert!(plan.contains("AVET [a] range v > 150000"), "{plan}");
    assert!(plan.contains("actual rows 49"), "{plan}");
    same(&db, text, &[]);
    // With a scalar input, inlined as a constant, and a Double bound on a Long attribute.
    let text = "[:find ?e :in $ ?min :where [?e :salary ?s] [(< ?min ?s)]]";
    let plan = explain(&db, text, &["150000.5"], false);
    assert!(plan.contains("AVET [a] range v >= 150000"), "{plan}");
    assert!(plan.contains("inputs inlined: ?min = 150000.5"), "{plan}");
    same(&db, text, &["150000.5"]);
    same(&db, text, &["-3"]);
    same(
        &db,
        "[:find ?e :where [?e :salary ?s] [(<= ?s 3000)] [(>= ?s 1000)]]",
        &[],
    );
}

#[test]
fn single_pattern_count_comes_from_statistics() {
    let db = people();
    let text = "[:find (count ?e) . :where [?e :age _]]";
    let plan = explain(&db, text, &[], false);
    assert!(plan.contains("count from statistics"), "{plan}");
    assert!(plan.contains("= 200"), "{plan}");
    same(&db, text, &[]);
    let text = "[:find (count ?a) . :where [_ :age ?a]]";
    assert!(explain(&db, text, &[], false).contains("distinct values of :age = 40"));
    same(&db, text, &[]);
}

#[test]
fn clause_order_does_not_change_the_plan() {
    let db = people();
    let q2 = "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a]]";
    let q2_switch = "[:find ?e ?a :where [?e :age ?a] [?e :name \"Ivan\"]]";
    let a = explain(&db, q2, &[], false);
    let b = explain(&db, q2_switch, &[], false);
    assert_eq!(a, b);
    let lines: Vec<&str> = a.lines().collect();
    assert!(
        lines[1].contains("AVET [a v]") && lines[1].contains(":name"),
        "{a}"
    );
    assert!(
        lines[2].contains("EAVT [e a]") && lines[2].contains(":age"),
        "{a}"
    );
    same(&db, q2, &[]);
    same(&db, q2_switch, &[]);
}

#[test]
fn cartesian_product_is_an_error_naming_both_groups() {
    let db = people();
    let text = "[:find ?e ?f :where [?e :name \"Ivan\"] [?f :age 3]]";
    let err = q_edn(&db, text, &[]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, QueryError::Invalid { .. }));
    assert!(msg.contains("Cartesian product"), "{msg}");
    assert!(msg.contains("[?e :name \"Ivan\"]"), "{msg}");
    assert!(msg.contains("[?f :age 3]"), "{msg}");
    // Joined through a predicate is a deliberate theta join, not an accident.
    same(
        &db,
        "[:find ?e ?f :where [?e :name \"Ivan\"] [?f :age 3] [?e :salary ?s] [?f :salary ?t] [(< ?s ?t)]]",
        &[],
    );
}

#[test]
fn analyze_reports_actual_rows_and_hash_join_agrees() {
    let db = people();
    let text = "[:find ?e ?a :where [?e :name ?n] [?e :age ?a]]";
    let plan = explain(&db, text, &[], true);
    assert!(plan.contains("actual rows 200"), "{plan}");
    // 200 rows joining :friend, :age: large enough for the hash join.
    same(
        &db,
        "[:find ?e ?f ?a :where [?e :name ?n] [?e :friend ?f] [?f :age ?a]]",
        &[],
    );
    same(&db, "[:find (count ?e) (max ?a) :with ?f :where [?e :salary ?s] [?e :friend ?f] [?f :age ?a] [(> ?s 1000)]]", &[]);
}

#[test]
fn recursive_rules_semi_naive() {
    let db = people();
    let rules = "[[(reach ?a ?b) [?a :friend ?b]] [(reach ?a ?b) [?a :friend ?x] (reach ?x ?b)]]";
    // Every person reaches the whole 200-cycle of friends.
    let text = "[:find (count ?b) . :in $ % :where [?a :name \"p5\"] (reach ?a ?b)]";
    let got = q_edn(&db, text, &args(&[rules])).unwrap();
    assert_eq!(
        got,
        QueryResult::Scalar(Some(Cell::Value(Value::Long(200))))
    );
    // Against the naive evaluator on a short chain (its naive fixpoint is slow).
    let small = datolite::Database::memory().unwrap();
    small
        .transact(
            "[{:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]",
        )
        .unwrap();
    small
        .transact("[{:db/id \"a\" :db/doc \"a\" :friend \"b\"} {:db/id \"b\" :db/doc \"b\" :friend \"c\"} {:db/id \"c\" :db/doc \"c\" :friend \"d\"} {:db/id \"d\" :db/doc \"d\" :friend \"b\"}]")
        .unwrap();
    let small = small.db().unwrap();
    same_rules(&small, "[:find ?a ?b :in $ % :where (reach ?a ?b)]", rules);
    same_rules(
        &small,
        "[:find ?a :in $ % :where [?a :friend _] (not (reach ?a ?a))]",
        rules,
    );
}

fn same_rules(db: &Db, text: &str, rules: &str) {
    let got = q_edn(db, text, &args(&[rules])).unwrap();
    let query = parse_query(text).unwrap();
    let (inputs, rules) = datolite_query::bind_args(&query, &args(&[rules])).unwrap();
    let want = naive::q(db, &query, &inputs, &rules).unwrap();
    assert_eq!(got, want, "{text}");
    for options in test_run_options() {
        let forced = q_with(db, &query, &inputs, &rules, options).unwrap();
        assert_eq!(forced, want, "{text} run with {options:?}");
    }
}

#[test]
fn explain_through_the_facade() {
    use datolite::DbQueries;
    let db = people();
    let text = "[:find ?n ?s :in $ ?min :where [?e :name ?n] [?e :salary ?s] [(>= ?s ?min)]]";
    let plan = db.explain(text, &["190000"], true).unwrap();
    eprintln!("{plan}");
    assert!(plan.contains("AVET [a] range v >= 190000"), "{plan}");
    assert!(plan.contains("EAVT [e a] [?e :name ?n]"), "{plan}");
    assert!(plan.contains("actual rows 10"), "{plan}");
    let err = db.explain("[:find ?e ?f :where [?e :name _] [?f :age _]]", &[], false);
    assert!(err.unwrap_err().to_string().contains("Cartesian product"));
}

#[test]
fn large_relation_hash_joins() {
    let db = people();
    let text = "[:find ?f ?s :where [?e :name \"Ivan\"] [?e :age ?a] [?f :age ?a] [?f :salary ?s] [?g :salary ?s]]";
    same(&db, text, &[]);
    let text = "[:find ?e ?f ?s :where [?e :age ?a] [?f :age ?a] [?f :salary ?s]]";
    let plan = explain(&db, text, &[], true);
    eprintln!("{plan}");
    assert!(plan.contains("(scan + hash join)"), "{plan}");
    same(&db, text, &[]);
}

#[test]
fn star_patterns_merge_join_in_entity_order() {
    let db = people();
    // 200 people in entity order from AEVT; :salary and :friend per person are read by one
    // scan each, walked together with the rows instead of one lookup per person.
    let text = "[:find ?e ?a ?s ?f :where [?e :age ?a] [?e :salary ?s] [?e :friend ?f] [(> ?a 3)]]";
    let plan = explain(&db, text, &[], true);
    eprintln!("{plan}");
    assert!(plan.contains("(scan + merge join)"), "{plan}");
    same(&db, text, &[]);
}

#[test]
fn bound_entity_and_value_is_estimated_as_a_filter() {
    let db = people();
    // [?e :name "Ivan"] with ?e bound keeps 1 person in 50: it runs before [?e :salary ?s].
    let text = "[:find ?e ?s :where [?e :age ?a] [(< ?a 20)] [?e :salary ?s] [?e :name \"Ivan\"]]";
    let plan = explain(&db, text, &[], false);
    let name = plan.find(":name").expect("name step");
    let salary = plan.find(":salary").expect("salary step");
    assert!(name < salary, "{plan}");
    same(&db, text, &[]);
}

#[test]
fn single_pattern_aggregates_run_while_scanning() {
    let db = people();
    for text in [
        "[:find (min ?s) (max ?s) :where [?e :salary ?s]]",
        "[:find (count ?e) (sum ?s) (avg ?s) :with ?s :where [?e :salary ?s]]",
        "[:find (sum ?a) (count-distinct ?a) (max ?e) :with ?e :where [?e :age ?a]]",
        "[:find (count ?f) :with ?e :where [?e :friend ?f]]",
    ] {
        let plan = explain(&db, text, &[], true);
        assert!(plan.contains("aggregate while scanning"), "{text}\n{plan}");
        same(&db, text, &[]);
    }
    // Bag semantics the scan cannot see: the set of ?a values is summed, not every datom.
    let text = "[:find (sum ?a) :where [?e :age ?a]]";
    assert!(!explain(&db, text, &[], false).contains("aggregate while scanning"));
    same(&db, text, &[]);
}

#[test]
fn exact_ranges_absorb_their_predicates() {
    let db = people();
    let text = "[:find ?e ?s :where [?e :salary ?s] [(> ?s 150000)]]";
    let plan = explain(&db, text, &[], true);
    assert!(plan.contains("AVET [a] range v > 150000"), "{plan}");
    assert!(plan.contains("+ [(> ?s 150000)]"), "{plan}");
    assert!(!plan.contains("filter"), "{plan}");
    same(&db, text, &[]);
    // Strings order exactly too; both bounds come from two predicates.
    let text = "[:find ?e ?n :where [?e :name ?n] [(>= ?n \"p15\")] [(< ?n \"p2\")]]";
    let plan = explain(&db, text, &[], false);
    assert!(
        plan.contains("AVET [a] range v >= \"p15\", v < \"p2\""),
        "{plan}"
    );
    same(&db, text, &[]);
}

#[test]
fn chained_comparisons_and_equality_read_ranges() {
    let db = people();
    // A chain of three: both bounds, absorbed; with the bound from an input too.
    for (text, a, range) in [
        (
            "[:find ?e ?s :where [?e :salary ?s] [(< 100000 ?s 150000)]]",
            vec![],
            "AVET [a] range v > 100000, v < 150000",
        ),
        (
            "[:find ?e ?s :in $ ?lo :where [?e :salary ?s] [(<= ?lo ?s 150000)]]",
            vec!["100000"],
            "AVET [a] range v >= 100000, v <= 150000",
        ),
        (
            "[:find ?e ?s :where [?e :salary ?s] [(> 150000 ?s 100000)]]",
            vec![],
            "AVET [a] range v > 100000, v < 150000",
        ),
        (
            "[:find ?e :where [?e :age ?a] [(= ?a 7)]]",
            vec![],
            "AVET [a] range v >= 7, v <= 7",
        ),
    ] {
        let plan = explain(&db, text, &a, true);
        assert!(plan.contains(range), "{text}\n{plan}");
        assert!(!plan.contains("filter"), "absorbed: {text}\n{plan}");
        same(&db, text, &a);
    }
    // A chain through another variable bounds the range on its constant side only, and stays
    // a filter; so does a point equality across types (Double against a long attribute).
    for (text, range) in [
        (
            "[:find ?e :where [?e :age ?a] [?e :salary ?s] [(< 5 ?a ?s)]]",
            "AVET [a] range v > 5",
        ),
        (
            "[:find ?e :where [?e :age ?a] [(= ?a 7.0)]]",
            "AVET [a] range v >= 7, v <= 7",
        ),
    ] {
        let plan = explain(&db, text, &[], true);
        assert!(plan.contains(range), "{text}\n{plan}");
        assert!(plan.contains("filter"), "kept: {text}\n{plan}");
        same(&db, text, &[]);
    }
}

#[test]
fn comparisons_with_a_variable_from_another_clause_read_a_range_per_row() {
    let db = people();
    // ?lo comes from p7's age: the second :age pattern reads the AVET range above it for that
    // row, and the comparison stays as a filter.
    for text in [
        "[:find ?e :where [?p :name \"p7\"] [?p :age ?lo] [?e :age ?a] [(< ?lo ?a)]]",
        "[:find ?e :where [?p :name \"p7\"] [?p :age ?hi] [?e :age ?a] [(>= ?hi ?a)]]",
        "[:find ?e :where [?p :name \"p7\"] [?p :age ?lo] [?p :salary ?s] [?e :age ?a] \
          [(<= ?lo ?a)] [?e :salary ?t] [(> ?s ?t)]]",
    ] {
        let plan = explain(&db, text, &[], true);
        assert!(plan.contains("per row"), "{text}\n{plan}");
        assert!(plan.contains("filter"), "{text}\n{plan}");
        same(&db, text, &[]);
    }
    let plan = explain(
        &db,
        "[:find ?e :where [?p :name \"p7\"] [?p :age ?lo] [?e :age ?a] [(< ?lo ?a)]]",
        &[],
        false,
    );
    assert!(plan.contains("AVET [a] range v > ?lo per row"), "{plan}");
}

#[test]
fn double_ranges_are_conservative_around_zero() {
    let database = datolite::Database::memory().unwrap();
    database
        .transact(
            "[{:db/ident :x :db/valueType :db.type/double :db/cardinality :db.cardinality/many}
              {:db/id \"a\" :x [-2.5 -0.0 0.0 1.5 3.0]}
              {:db/id \"b\" :x [-1.0 0.5 2.0]}]",
        )
        .unwrap();
    let db = database.db().unwrap();
    for text in [
        "[:find ?x :where [_ :x ?x] [(>= ?x 0.0)]]",
        "[:find ?x :where [_ :x ?x] [(> ?x 0)]]",
        "[:find ?x :where [_ :x ?x] [(<= ?x 0.0)]]",
        "[:find ?x :where [_ :x ?x] [(< ?x 2)] [(> ?x -2.0)]]",
    ] {
        let plan = explain(&db, text, &[], false);
        assert!(plan.contains("AVET [a] range"), "{text}\n{plan}");
        assert!(plan.contains("filter"), "doubles keep their filter: {plan}");
        same(&db, text, &[]);
    }
}

#[test]
fn explain_shows_not_or_and_rule_bodies() {
    let db = people();
    let text = "[:find ?e :in $ % :where [?e :age ?a] (not [?e :salary 0]) \
                (or-join [?e] [?e :name \"Ivan\"] (and [?e :friend ?f] [?f :age 3])) (linked ?e ?x)]";
    let rules =
        "[[(linked ?a ?b) [?a :friend ?b]] [(linked ?a ?b) [?a :friend ?c] (linked ?c ?b)]]";
    let query = parse_query(text).unwrap();
    let (inputs, rules_parsed) = datolite_query::bind_args(&query, &args(&[rules])).unwrap();
    let plan = datolite_query::explain(&db, &query, &inputs, &rules_parsed, true).unwrap();
    eprintln!("{plan}");
    for want in [
        "   not:\n      1. scan EAVT [e a v] [?e :salary 0]",
        "   branch:\n      1. scan",
        "[?f :age 3]",
        // A closure called with ?e bound: searched from ?e, no rule relation computed.
        "search (linked ?e ?x)",
        "closure searched forward from argument 1",
        // The exit is the step itself: taken one or more times, never read twice.
        "   step (the exit), one or more times, ?a → ?c:\n      1. scan EAVT [e a] [?a :friend ?c]",
    ] {
        assert!(plan.contains(want), "missing {want:?} in\n{plan}");
    }
    assert!(!plan.contains("rules (computed"), "{plan}");
    // Called with nothing bound, the same rule is computed bottom-up.
    let text = "[:find ?e ?x :in $ % :where (linked ?e ?x)]";
    let query = parse_query(text).unwrap();
    let (inputs, rules_parsed) = datolite_query::bind_args(&query, &args(&[rules])).unwrap();
    let unbound = datolite_query::explain(&db, &query, &inputs, &rules_parsed, true).unwrap();
    for want in [
        "1. rule (linked ?e ?x)",
        "rules (computed bottom-up, semi-naive;",
        "(linked ?c ?b)]  (",
        "      2. rule (linked ?c ?b)",
    ] {
        assert!(unbound.contains(want), "missing {want:?} in\n{unbound}");
    }
    // The anti-join's line names no join mode (its body's patterns have their own).
    let anti = plan
        .lines()
        .find(|l| l.contains("anti-join"))
        .expect("anti-join line");
    assert!(
        !anti.contains("lookups") && !anti.contains("scan +"),
        "{anti}"
    );
}

#[test]
fn long_values_kept_out_of_line_join_and_compare_like_short_ones() {
    let database = datolite::Database::memory().unwrap();
    database
        .transact(
            "[{:db/ident :s :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
              {:db/ident :k :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}]",
        )
        .unwrap();
    // Strings past the inline threshold (128 bytes) share long prefixes; short ones too.
    let long = |tail: &str| format!("{}{tail}", "x".repeat(200));
    let mut tx = String::from("[");
    for (i, s) in [long("a"), long("b"), long("a"), "short".into(), long("c")]
        .iter()
        .enumerate()
    {
        tx.push_str(&format!("{{:db/id \"e{i}\" :s \"{s}\" :k :kw/v{}}}", i % 2));
    }
    tx.push(']');
    database.transact(&tx).unwrap();
    let db = database.db().unwrap();
    let input = format!("\"{}\"", long("a"));
    for (text, args) in [
        (
            "[:find ?a ?b :where [?a :s ?x] [?b :s ?x] [(!= ?a ?b)]]",
            vec![],
        ),
        ("[:find ?x :where [_ :s ?x] [(< ?x \"xy\")]]", vec![]),
        (
            "[:find ?e :in $ ?x :where [?e :s ?x]]",
            vec![input.as_str()],
        ),
        (
            "[:find ?e ?k :where [?e :s ?x] [(clojure.string/ends-with? ?x \"c\")] [?e :k ?k]]",
            vec![],
        ),
        ("[:find (count-distinct ?x) . :where [_ :s ?x]]", vec![]),
        ("[:find ?k (count ?e) :where [?e :k ?k]]", vec![]),
    ] {
        same(&db, text, &args);
    }
    match q_edn(
        &db,
        "[:find (count ?a) . :where [?a :s ?x] [?b :s ?x] [(!= ?a ?b)]]",
        &[],
    )
    .unwrap()
    {
        QueryResult::Scalar(Some(Cell::Value(Value::Long(2)))) => {}
        other => panic!("{other:?}"),
    }
}

/// Every node of `steps` (nested bodies included), depth first.
fn all_nodes(steps: &[datolite_query::PlanNode]) -> Vec<&datolite_query::PlanNode> {
    let mut out = Vec::new();
    for s in steps {
        out.push(s);
        for b in &s.bodies {
            out.extend(all_nodes(&b.steps));
        }
    }
    out
}

#[test]
fn analyze_reports_every_node_nested_bodies_and_rules_included() {
    let db = people();
    // Entities 0, 50, 100, 150 are named Ivan; i's friend is i + 1, whose age is (i + 1) % 40;
    // only entity 0 earns 0. So: Ivans but 0, and i + 1 ∈ {3, 43, 83, 123, 163}.
    let text = "[:find ?e :where [?e :age ?a] (not [?e :salary 0]) \
                (or-join [?e] [?e :name \"Ivan\"] (and [?e :friend ?f] [?f :age 3]))]";
    let plan = datolite_query::explain_plan_edn(&db, text, &[], true).unwrap();
    let nodes = all_nodes(&plan.steps);
    assert!(nodes.len() >= 6, "{plan}");
    for n in &nodes {
        let actual = n
            .actual
            .as_ref()
            .unwrap_or_else(|| panic!("{n:?} in\n{plan}"));
        assert!(actual.runs >= 1, "{n:?} in\n{plan}");
    }
    let last = plan.steps.last().and_then(|s| s.actual.as_ref()).unwrap();
    assert_eq!(last.rows, 8, "{plan}");
    // The `not` body finds the one entity earning 0 (whichever rows it runs on, 0 is there:
    // it is an Ivan, and ages are known for all).
    let anti = plan.steps.iter().find(|s| s.op == "anti-join").unwrap();
    let body = &anti.bodies[0].steps[0];
    assert_eq!(body.actual.as_ref().unwrap().rows, 1, "{plan}");
    same(&db, text, &[]);

    // Rule bodies: planned once, run once per round, their rows summed. (`[?b :age _]` makes
    // the rule no closure: the call binding ?e evaluates it on demand — the rewrite's rules
    // are the adorned definitions and the magic rule of the recursive call.)
    let text = "[:find ?x :in $ % :where [?e :name \"p7\"] (linked ?e ?x)]";
    let rules = "[[(linked ?a ?b) [?a :friend ?b]] \
                 [(linked ?a ?b) [?a :friend ?c] (linked ?c ?b) [?b :age _]]]";
    let plan = datolite_query::explain_plan_edn(&db, text, &args(&[rules]), true).unwrap();
    assert_eq!(plan.rules.len(), 3, "{plan}");
    // A ring of 200: everyone reaches everyone, so all 200 are demanded.
    let tuples: Vec<usize> = plan.rules.iter().map(|r| r.tuples).collect();
    assert_eq!(tuples, vec![40_000, 200, 40_000], "{plan}");
    assert!(
        plan.rules[1].rule.starts_with("[(magic linked^bf ?c)"),
        "{plan}"
    );
    let recursive = &plan.rules[2];
    for n in all_nodes(&recursive.steps) {
        let actual = n.actual.as_ref().unwrap();
        assert!(actual.runs > 1, "one run per round: {n:?}");
    }
    let json: serde_json::Value = serde_json::from_str(&plan.to_json()).unwrap();
    assert_eq!(json["analyzed"], true);
    assert_eq!(json["rules"][2]["tuples"], 40_000);
    assert!(
        json["steps"][0]["actual"]["rows"].as_u64().is_some(),
        "{json}"
    );
}

#[test]
fn a_search_runs_its_steps_once_per_round_from_the_bound_values() {
    let db = people();
    // A ring of 200 friends: from p7 the search reaches all 200 in 200 rounds of the
    // repeated step (p7 last, which is expanded once more), then takes the exit once from all
    // of them — an exit of its own (`[?b :age _]`), not the step.
    let text = "[:find ?x :in $ % :where [?e :name \"p7\"] (linked ?e ?x)]";
    let rules = "[[(linked ?a ?b) [?a :friend ?b] [?b :age _]] \
                 [(linked ?a ?b) [?a :friend ?c] (linked ?c ?b)]]";
    let plan = datolite_query::explain_plan_edn(&db, text, &args(&[rules]), true).unwrap();
    assert!(plan.rules.is_empty(), "no relation computed: {plan}");
    let search = plan.steps.iter().find(|s| s.op == "search").unwrap();
    assert_eq!(search.actual.as_ref().unwrap().rows, 200, "{plan}");
    let runs: Vec<u64> = search
        .bodies
        .iter()
        .map(|b| b.steps[0].actual.as_ref().unwrap().runs)
        .collect();
    assert_eq!(runs, [200, 1], "{plan}");
    // The exit the step itself: one phase, one or more steps; p7 reached last and expanded
    // once more.
    let rules =
        "[[(linked ?a ?b) [?a :friend ?b]] [(linked ?a ?b) [?a :friend ?c] (linked ?c ?b)]]";
    let plan = datolite_query::explain_plan_edn(&db, text, &args(&[rules]), true).unwrap();
    let search = plan.steps.iter().find(|s| s.op == "search").unwrap();
    assert_eq!(search.actual.as_ref().unwrap().rows, 200, "{plan}");
    let runs: Vec<u64> = search
        .bodies
        .iter()
        .map(|b| b.steps[0].actual.as_ref().unwrap().runs)
        .collect();
    assert_eq!(runs, [201], "{plan}");
}

#[test]
fn the_executor_switches_join_where_the_plan_says() {
    let db = people();
    // 200 names, then ages joined on the entity: the plan fixes from how many rows the scan
    // replaces the lookups; the run must have used the side the actual input size selects.
    let mut sides = std::collections::BTreeSet::new();
    for text in [
        "[:find ?e ?a :where [?e :name ?n] [?e :age ?a]]",
        "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a]]",
        "[:find ?e ?f :where [?e :age 3] [?e :friend ?f] [?f :salary ?s]]",
    ] {
        let plan = datolite_query::explain_plan_edn(&db, text, &[], true).unwrap();
        for pair in plan.steps.windows(2) {
            let Some(join) = &pair[1].join else { continue };
            let Some(rest) = join.strip_prefix("index lookups under ") else {
                continue;
            };
            let from: u64 = rest.split(' ').next().unwrap().parse().unwrap();
            let rows_in = pair[0].actual.as_ref().unwrap().rows;
            let used = &pair[1].actual.as_ref().unwrap().joined;
            let want = if rows_in < from {
                "index lookups"
            } else {
                "scan + merge join"
            };
            sides.insert(rows_in < from);
            assert!(
                used.iter()
                    .any(|u| u == want || (rows_in >= from && u == "scan + hash join")),
                "{rows_in} rows in, switch at {from}, used {used:?}:\n{plan}"
            );
        }
        same(&db, text, &[]);
    }
    assert_eq!(sides.len(), 2, "both sides of a switch were exercised");
}

/// A chain of `n` nodes `:n/id 0 → 1 → … → n-1` through `:n/next`.

#[test]
fn a_long_chain_with_a_doubly_recursive_rule_stays_bounded() {
    // 3,000 nodes in a chain: bottom-up, `(reach ?a ?x) (reach ?x ?b)` builds the 4.5M pairs
    // of the whole closure; searched from one end, only the 2,999 the call can reach.
    let db = chain(3000);
    let rules = "[[(reach ?a ?b) [?a :n/next ?b]] [(reach ?a ?b) (reach ?a ?x) (reach ?x ?b)]]";
    for (text, want) in [
        (
            "[:find (count ?x) . :in $ % :where [?s :n/id 0] (reach ?s ?x)]",
            2999,
        ),
        (
            "[:find (count ?x) . :in $ % :where [?s :n/id 2999] (reach ?x ?s)]",
            2999,
        ),
        (
            "[:find (count ?x) . :in $ % :where [?s :n/id 1500] (reach ?s ?x)]",
            1499,
        ),
    ] {
        let plan = datolite_query::explain_plan_edn(&db, text, &args(&[rules]), true).unwrap();
        assert!(plan.rules.is_empty(), "no relation computed: {plan}");
        assert!(plan.to_string().contains("chains repeated"), "{plan}");
        match q_edn(&db, text, &args(&[rules])).unwrap() {
            QueryResult::Scalar(Some(Cell::Value(Value::Long(n)))) => assert_eq!(n, want, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn a_recursive_rule_that_is_no_closure_is_evaluated_on_demand() {
    // Distances along a 3,000-node chain: bottom-up, `dist` holds all 4.5M (from, to, hops)
    // triples. Called from node 2,990, the magic-sets rewrite demands the 10 nodes from there
    // on and computes only the 45 triples among them.
    let db = chain(3000);
    let rules = "[[(dist ?a ?b ?n) [?a :n/next ?b] [(ground 1) ?n]]
                  [(dist ?a ?b ?n) [?a :n/next ?x] (dist ?x ?b ?m) [(inc ?m) ?n]]]";
    let text = "[:find ?id ?n :in $ % :where [?s :n/id 2990] (dist ?s ?x ?n) [?x :n/id ?id]]";
    let plan = datolite_query::explain_plan_edn(&db, text, &args(&[rules]), true).unwrap();
    let shown = plan.to_string();
    assert!(
        shown.contains("evaluated on demand (magic sets) for the values of argument 1"),
        "{shown}"
    );
    let tuples: Vec<usize> = plan.rules.iter().map(|r| r.tuples).collect();
    assert_eq!(
        tuples,
        vec![45, 10, 45],
        "only what the call demands: {shown}"
    );
    let QueryResult::Relation(rows) = q_edn(&db, text, &args(&[rules])).unwrap() else {
        panic!("a relation");
    };
    let want: Vec<Vec<Cell>> = (1..=9)
        .map(|n| {
            vec![
                Cell::Value(Value::Long(2990 + n)),
                Cell::Value(Value::Long(n)),
            ]
        })
        .collect();
    assert_eq!(rows, want);
    // The bound argument may also be a constant or the second one; the answers are the
    // naive evaluator's.
    let small = chain(40);
    same_rules(
        &small,
        "[:find ?x ?n :in $ % :where [?e :n/id 30] (dist ?e ?x ?n)]",
        rules,
    );
    same_rules(
        &small,
        "[:find ?a ?n :in $ % :where [?e :n/id 39] (dist ?a ?e ?n)]",
        rules,
    );
    same_rules(&small, "[:find ?a ?b :in $ % :where (dist ?a ?b 3)]", rules);
    // An unknown name in a rule the rewrite takes in (here the partner of a mutual recursion)
    // is the call's error, not an empty answer.
    let bad = "[[(even ?a ?b) [?a :n/next ?x] (odd ?x ?b)]
                [(odd ?a ?b) [?a :n/next ?b]]
                [(odd ?a ?b) [?a :n/nope ?x] (even ?x ?b)]]";
    let err = q_edn(
        &small,
        "[:find ?b :in $ % :where [?a :n/id 1] (even ?a ?b)]",
        &args(&[bad]),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("unknown attribute :n/nope"),
        "{err}"
    );
}

#[test]
fn a_constant_entity_is_checked_when_a_scan_reads_more_than_its_datoms() {
    // Joined on its value, a pattern with a constant entity may be read by a scan of the
    // whole attribute (the input is large, or the strategy forces scans): only the constant
    // entity's datoms may join. Found by the executor-vs-naive property test.
    let db = people();
    let QueryResult::Scalar(Some(Cell::Value(Value::Ref(p1)))) =
        q_edn(&db, "[:find ?p . :where [?p :salary 1000]]", &[]).unwrap()
    else {
        panic!("p1");
    };
    let QueryResult::Collection(people) =
        q_edn(&db, "[:find [?p ...] :where [?p :age _]]", &[]).unwrap()
    else {
        panic!("people");
    };
    let ids: Vec<String> = people
        .iter()
        .map(|c| match c {
            Cell::Value(Value::Ref(e)) => e.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    // `ground` runs first, so the pattern joins 200 rows on its value.
    let ids = ids.join(" ");
    for text in [
        format!("[:find ?x :where [(ground [{ids}]) [?x ...]] [{p1} :friend ?x]]"),
        format!("[:find ?x :where [(ground [{ids}]) [?x ...]] [{p1} :friend ?x] [?x :age _]]"),
    ] {
        same(&db, &text, &[]);
    }
}
