//! Movie-fixture tests (every expected answer computed by hand from `fixtures/movies.edn`),
//! run through the planner and executor (`datolite_query::q`) AND the naive reference
//! evaluator: both must give the literal expected answer (or both fail).

use datolite_query::{naive, Cell, InputValue, Query, QueryResult};
use datolite_query::{parse_query, parse_rules, QueryError, Rule};

/// The executor's answer, checked against the naive evaluator's (results and errors alike).
fn q(
    db: &Db,
    query: &Query,
    inputs: &[InputValue],
    rules: &[Rule],
) -> Result<QueryResult, QueryError> {
    let got = datolite_query::q(db, query, inputs, rules);
    let want = naive::q(db, query, inputs, rules);
    match (&got, &want) {
        (Ok(g), Ok(w)) => assert_eq!(g, w, "executor and naive differ on {query:?}"),
        (Err(_), Err(_)) => {}
        _ => panic!("executor {got:?} but naive {want:?} on {query:?}"),
    }
    got
}
use datolite_edn::parse_inst;
use datolite_store::{Db, Value};

fn movies() -> Db {
    let db = datolite::Database::memory().unwrap();
    db.transact(include_str!("../../../fixtures/movies.edn"))
        .unwrap();
    db.db().unwrap()
}

fn s(x: &str) -> Cell {
    Cell::Value(Value::String(x.to_owned()))
}

fn l(x: i64) -> Cell {
    Cell::Value(Value::Long(x))
}

fn d(x: f64) -> Cell {
    Cell::Value(Value::Double(x))
}

fn inst(text: &str) -> Cell {
    Cell::Value(Value::Instant(parse_inst(text).unwrap()))
}

fn run_with(db: &Db, text: &str, inputs: &[InputValue], rules: &[Rule]) -> QueryResult {
    let query = parse_query(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    q(db, &query, inputs, rules).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn run(db: &Db, text: &str) -> QueryResult {
    run_with(db, text, &[InputValue::Db], &[])
}

/// A one-column relation's values.
fn col(r: QueryResult) -> Vec<Cell> {
    match r {
        QueryResult::Relation(rows) => rows
            .into_iter()
            .map(|row| {
                assert_eq!(row.len(), 1);
                row.into_iter().next().unwrap()
            })
            .collect(),
        other => panic!("not a relation: {other:?}"),
    }
}

fn strings(xs: &[&str]) -> Vec<Cell> {
    xs.iter().map(|x| s(x)).collect()
}

#[test]
fn titles_of_1987() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?t :where [?m :movie/year 1987] [?m :movie/title ?t]]",
    );
    assert_eq!(col(r), strings(&["Lethal Weapon", "Predator", "RoboCop"]));
}

#[test]
fn cast_of_the_terminator() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?name :where [?m :movie/title \"The Terminator\"] [?m :movie/cast ?p] [?p :person/name ?name]]",
    );
    assert_eq!(
        col(r),
        strings(&["Arnold Schwarzenegger", "Linda Hamilton", "Michael Biehn"])
    );
}

#[test]
fn directed_by_james_cameron() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?t :where [?d :person/name \"James Cameron\"] [?m :movie/director ?d] [?m :movie/title ?t]]",
    );
    assert_eq!(
        col(r),
        strings(&["Aliens", "Terminator 2: Judgment Day", "The Terminator"])
    );
}

#[test]
fn unknown_attribute_is_an_error() {
    let db = movies();
    let query = parse_query("[:find ?x :where [?x :no/such ?y]]").unwrap();
    let err = q(&db, &query, &[InputValue::Db], &[]).unwrap_err();
    assert!(
        err.to_string().contains("unknown attribute :no/such"),
        "{err}"
    );
}

#[test]
fn attribute_entities_and_idents() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?ident :where [?a :db/ident ?ident] [(= ?ident :movie/sequel)] [?m ?a _] [?m :movie/title \"Predator\"]]",
    );
    assert_eq!(
        col(r),
        vec![Cell::Value(Value::Keyword("movie/sequel".into()))]
    );
}

#[test]
fn input_bindings() {
    let db = movies();
    let sv = |x: &str| Value::String(x.to_owned());
    // scalar
    let r = run_with(
        &db,
        "[:find ?y . :in $ ?t :where [?m :movie/title ?t] [?m :movie/year ?y]]",
        &[InputValue::Db, InputValue::Scalar(sv("Predator"))],
        &[],
    );
    assert_eq!(r, QueryResult::Scalar(Some(l(1987))));
    // collection
    let r = run_with(
        &db,
        "[:find ?t ?y :in $ [?t ...] :where [?m :movie/title ?t] [?m :movie/year ?y]]",
        &[
            InputValue::Db,
            InputValue::Collection(vec![sv("Alien"), sv("Aliens"), sv("Nope")]),
        ],
        &[],
    );
    assert_eq!(
        r,
        QueryResult::Relation(vec![vec![s("Alien"), l(1979)], vec![s("Aliens"), l(1986)]])
    );
    // tuple
    let r = run_with(
        &db,
        "[:find ?n :in $ [?t ?y] :where [?m :movie/title ?t] [?m :movie/year ?y] [?m :movie/director ?d] [?d :person/name ?n]]",
        &[
            InputValue::Db,
            InputValue::Tuple(vec![sv("The Terminator"), Value::Long(1984)]),
        ],
        &[],
    );
    assert_eq!(col(r), strings(&["James Cameron"]));
    // relation: the second tuple's year is wrong
    let r = run_with(
        &db,
        "[:find ?t :in $ [[?t ?y]] :where [?m :movie/title ?t] [?m :movie/year ?y]]",
        &[
            InputValue::Db,
            InputValue::Relation(vec![
                vec![sv("Alien"), Value::Long(1979)],
                vec![sv("Aliens"), Value::Long(1999)],
            ]),
        ],
        &[],
    );
    assert_eq!(col(r), strings(&["Alien"]));
}

#[test]
fn predicate_less_than() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?t :where [?m :movie/title ?t] [?m :movie/year ?y] [(< ?y 1984)]]",
    );
    assert_eq!(
        col(r),
        strings(&["Alien", "First Blood", "Mad Max", "Mad Max 2"])
    );
}

#[test]
fn predicate_written_before_its_pattern_waits() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?t :where [(> ?y 1995)] [?m :movie/title ?t] [?m :movie/year ?y]]",
    );
    assert_eq!(col(r), strings(&["Terminator 3: Rise of the Machines"]));
}

#[test]
fn function_expression() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?x . :where [?m :movie/title \"The Terminator\"] [?m :movie/year ?y] [(- ?y 10) ?x]]",
    );
    assert_eq!(r, QueryResult::Scalar(Some(l(1974))));
    let r = run(
        &db,
        "[:find ?u . :where [?m :movie/title \"Predator\"] [?m :movie/title ?t] [(clojure.string/upper-case ?t) ?u]]",
    );
    assert_eq!(r, QueryResult::Scalar(Some(s("PREDATOR"))));
}

#[test]
fn get_else_and_missing() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?name ?d :where [?m :movie/title \"First Blood\"] [?m :movie/cast ?p] [?p :person/name ?name] [(get-else $ ?p :person/death \"alive\") ?d]]",
    );
    assert_eq!(
        r,
        QueryResult::Relation(vec![
            vec![s("Brian Dennehy"), inst("2020-04-15")],
            vec![s("Richard Crenna"), inst("2003-01-17")],
            vec![s("Sylvester Stallone"), s("alive")],
        ])
    );
    let r = run(
        &db,
        "[:find ?t :where [?m :movie/title ?t] [(missing? $ ?m :movie/sequel)]]",
    );
    assert_eq!(
        col(r),
        strings(&[
            "Alien",
            "Aliens",
            "Braveheart",
            "Commando",
            "Die Hard",
            "Lethal Weapon 3",
            "Mad Max Beyond Thunderdome",
            "Predator 2",
            "Rambo III",
            "RoboCop",
            "Terminator 3: Rise of the Machines",
        ])
    );
}

#[test]
fn not_and_not_join() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?name :where [?m :movie/title \"The Terminator\"] [?m :movie/cast ?p] [?p :person/name ?name]
          (not [?m2 :movie/title \"Terminator 2: Judgment Day\"] [?m2 :movie/cast ?p])]",
    );
    assert_eq!(col(r), strings(&["Michael Biehn"]));
    let r = run(
        &db,
        "[:find ?name :where [?m :movie/director ?p] [?p :person/name ?name] (not-join [?p] [_ :movie/cast ?p])]",
    );
    assert_eq!(
        col(r),
        strings(&[
            "George Miller",
            "George Ogilvie",
            "George P. Cosmatos",
            "James Cameron",
            "John McTiernan",
            "Jonathan Mostow",
            "Mark L. Lester",
            "Paul Verhoeven",
            "Peter MacDonald",
            "Richard Donner",
            "Ridley Scott",
            "Stephen Hopkins",
            "Ted Kotcheff",
        ])
    );
}

#[test]
fn or_and_or_join() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?t :where [?m :movie/title ?t]
          (or [?m :movie/year 1979] [?m :movie/year 1995])]",
    );
    assert_eq!(col(r), strings(&["Alien", "Braveheart", "Mad Max"]));
    let r = run(
        &db,
        "[:find ?t :where [?m :movie/title ?t]
          (or-join [?m] [?m :movie/year 1981] (and [?m :movie/director ?d] [?d :person/name \"Mel Gibson\"]))]",
    );
    assert_eq!(col(r), strings(&["Braveheart", "Mad Max 2"]));
    let r = run(
        &db,
        "[:find ?name :where [?p :person/name ?name]
          (or-join [?p] (and [?m :movie/cast ?p] [?m :movie/year 1995])
                        (and [?m :movie/director ?p] [?m :movie/year 1995]))]",
    );
    assert_eq!(col(r), strings(&["Mel Gibson", "Sophie Marceau"]));
}

#[test]
fn recursive_rule_sequels() {
    let db = movies();
    let rules = parse_rules(
        "[[(sequel-of ?m ?s) [?m :movie/sequel ?s]]
          [(sequel-of ?m ?s) [?m :movie/sequel ?x] (sequel-of ?x ?s)]]",
    )
    .unwrap();
    let r = run_with(
        &db,
        "[:find ?t :in $ % :where [?m :movie/title \"The Terminator\"] (sequel-of ?m ?s) [?s :movie/title ?t]]",
        &[InputValue::Db, InputValue::Rules],
        &rules,
    );
    assert_eq!(
        col(r),
        strings(&[
            "Terminator 2: Judgment Day",
            "Terminator 3: Rise of the Machines"
        ])
    );
    // Constant argument: who has Mad Max Beyond Thunderdome as a (transitive) sequel.
    let r = run_with(
        &db,
        "[:find ?t :in $ % :where [?s :movie/title \"Mad Max Beyond Thunderdome\"] (sequel-of ?m ?s) [?m :movie/title ?t]]",
        &[InputValue::Db, InputValue::Rules],
        &rules,
    );
    assert_eq!(col(r), strings(&["Mad Max", "Mad Max 2"]));
}

#[test]
fn missing_rule_is_an_error_naming_it() {
    let db = movies();
    let query = parse_query("[:find ?x :in $ % :where [?x :movie/title] (nope ?x)]").unwrap();
    let err = q(&db, &query, &[InputValue::Db, InputValue::Rules], &[]).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn negation_through_recursion_is_an_error_for_both_evaluators() {
    let db = movies();
    let rules = parse_rules(
        "[[(odd ?m) [?m :movie/title]] \
          [(odd ?m) (not (even ?m))] \
          [(even ?m) [?m :movie/year]] \
          [(even ?m) (odd ?m)]]",
    )
    .unwrap();
    let query = parse_query("[:find ?m :in $ % :where (odd ?m)]").unwrap();
    let inputs = [InputValue::Db, InputValue::Rules];
    for err in [
        q(&db, &query, &inputs, &rules).unwrap_err(),
        naive::q(&db, &query, &inputs, &rules).unwrap_err(),
    ] {
        let text = err.to_string();
        assert!(text.contains("through negation"), "{text}");
        assert!(text.contains("(even ?m)"), "{text}");
    }
    // Negating a rule that does not lead back is fine.
    let rules = parse_rules(
        "[[(old ?m) [?m :movie/year ?y] [(< ?y 1985)]] \
          [(recent ?m) [?m :movie/title] (not (old ?m))]]",
    )
    .unwrap();
    let query = parse_query("[:find (count ?m) . :in $ % :where (recent ?m)]").unwrap();
    assert_eq!(
        q(&db, &query, &inputs, &rules).unwrap(),
        naive::q(&db, &query, &inputs, &rules).unwrap()
    );
}

#[test]
fn insufficient_inputs_is_an_error() {
    let db = movies();
    let query =
        parse_query("[:find ?y :in $ ?t :where [?m :movie/title ?t] [?m :movie/year ?y]]").unwrap();
    let err = q(&db, &query, &[InputValue::Db], &[]).unwrap_err();
    assert!(
        matches!(
            err,
            QueryError::InputCount {
                expected: 2,
                got: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn min_and_max_of_n() {
    let db = movies();
    let years = |xs: &[i64]| Cell::Vector(xs.iter().map(|&y| Value::Long(y)).collect());
    // Without :with the years are a set; with :with ?m every movie's year counts.
    let r = run(
        &db,
        "[:find (min 2 ?y) (max 3 ?y) :where [_ :movie/year ?y]]",
    );
    assert_eq!(
        r,
        QueryResult::Relation(vec![vec![years(&[1979, 1981]), years(&[2003, 1995, 1992])]])
    );
    let r = run(
        &db,
        "[:find (min 3 ?y) . :with ?m :where [?m :movie/year ?y]]",
    );
    assert_eq!(r, QueryResult::Scalar(Some(years(&[1979, 1979, 1981]))));
    let err = parse_query("[:find (min \"a\" ?y) :where [?m :movie/year ?y]]").unwrap_err();
    assert!(err.to_string().contains("(min 3 ?x)"), "{err}");
}

#[test]
fn aggregates() {
    let db = movies();
    let scalar = |text: &str| match run(&db, text) {
        QueryResult::Scalar(Some(c)) => c,
        other => panic!("{text}: {other:?}"),
    };
    assert_eq!(
        scalar("[:find (count ?m) . :where [?m :movie/title]]"),
        l(20)
    );
    assert_eq!(
        scalar("[:find (max ?y) . :where [_ :movie/year ?y]]"),
        l(2003)
    );
    assert_eq!(
        scalar("[:find (min ?y) . :where [_ :movie/year ?y]]"),
        l(1979)
    );
    // Without :with the projected relation is a set: 14 distinct years.
    assert_eq!(
        scalar("[:find (count ?y) . :where [_ :movie/year ?y]]"),
        l(14)
    );
    assert_eq!(
        scalar("[:find (count ?y) . :with ?m :where [?m :movie/year ?y]]"),
        l(20)
    );
    assert_eq!(
        scalar("[:find (count-distinct ?y) . :with ?m :where [?m :movie/year ?y]]"),
        l(14)
    );
    assert_eq!(
        scalar("[:find (sum ?y) . :with ?m :where [?m :movie/year ?y]]"),
        l(39743)
    );
    assert_eq!(
        scalar("[:find (avg ?y) . :with ?m :where [?m :movie/year ?y]]"),
        d(1987.15)
    );
    assert_eq!(
        scalar("[:find (avg ?y) . :where [_ :movie/year ?y]]"),
        d(1988.0)
    );
    assert_eq!(
        scalar("[:find (median ?y) . :with ?m :where [?m :movie/year ?y]]"),
        d(1987.0)
    );
    assert_eq!(
        scalar("[:find (median ?y) . :where [_ :movie/year ?y]]"),
        d(1987.5)
    );
    // Grouped.
    let r = run(
        &db,
        "[:find ?name (count ?m) (distinct ?y) :where [?m :movie/director ?d] [?d :person/name ?name]
          [?m :movie/year ?y] [(clojure.string/starts-with? ?name \"James\")]]",
    );
    assert_eq!(
        r,
        QueryResult::Relation(vec![vec![
            s("James Cameron"),
            l(3),
            Cell::Set(vec![
                Value::Long(1984),
                Value::Long(1986),
                Value::Long(1991)
            ]),
        ]])
    );
}

#[test]
fn find_specs() {
    let db = movies();
    let r = run(
        &db,
        "[:find [?t ...] :where [?m :movie/year 1987] [?m :movie/title ?t]]",
    );
    assert_eq!(
        r,
        QueryResult::Collection(strings(&["Lethal Weapon", "Predator", "RoboCop"]))
    );
    let r = run(
        &db,
        "[:find [?t ?y] :where [?m :movie/title \"Predator\"] [?m :movie/title ?t] [?m :movie/year ?y]]",
    );
    assert_eq!(r, QueryResult::Tuple(Some(vec![s("Predator"), l(1987)])));
    let r = run(
        &db,
        "[:find ?t . :where [?m :movie/year 1900] [?m :movie/title ?t]]",
    );
    assert_eq!(r, QueryResult::Scalar(None));
    let r = run(
        &db,
        "[:find [?t ?y] :where [?m :movie/year 1900] [?m :movie/title ?t] [?m :movie/year ?y]]",
    );
    assert_eq!(r, QueryResult::Tuple(None));
}

#[test]
fn order_by_and_limit() {
    let db = movies();
    let query = "[:find ?t ?y :where [?m :movie/title ?t] [?m :movie/year ?y] :order-by [?y :desc] :limit 2]";
    match parse_query(query) {
        Ok(_) => {
            let r = run(&db, query);
            assert_eq!(
                r,
                QueryResult::Relation(vec![
                    vec![s("Terminator 3: Rise of the Machines"), l(2003)],
                    vec![s("Braveheart"), l(1995)],
                ])
            );
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn year_month_day_of_birth_date() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?y ?mo ?d :where [?p :person/name \"Arnold Schwarzenegger\"] [?p :person/born ?b]
          [(year ?b) ?y] [(month ?b) ?mo] [(day ?b) ?d]]",
    );
    assert_eq!(r, QueryResult::Relation(vec![vec![l(1947), l(7), l(30)]]));
}

#[test]
fn subquery() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?t ?n :where [?m :movie/title \"The Terminator\"] [?m :movie/title ?t]
          [(q [:find (count ?p) . :in $ ?m :where [?m :movie/cast ?p]] $ ?m) ?n]]",
    );
    assert_eq!(
        r,
        QueryResult::Relation(vec![vec![s("The Terminator"), l(3)]])
    );
}

#[test]
fn get_some_and_ground_tuple() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?v :where [?p :person/name \"Richard Crenna\"] [(get-some $ ?p :person/death :person/born) [_ ?v]]]",
    );
    assert_eq!(col(r), vec![inst("2003-01-17")]);
    let r = run(&db, "[:find ?a ?b :where [(ground [1 2]) [?a ?b]]]");
    assert_eq!(r, QueryResult::Relation(vec![vec![l(1), l(2)]]));
    let r = run(&db, "[:find ?x :where [(ground [3 1 2]) [?x ...]]]");
    assert_eq!(col(r), vec![l(1), l(2), l(3)]);
}
