//! Names against the schema, through both evaluators: unknown attributes and idents are errors
//! naming them (wherever they are written), attribute positions bound to keywords or ids, and
//! lookup refs wherever an entity is expected. Expected answers are read off
//! `fixtures/movies.edn`.

mod common;

use common::*;
use datolite_edn::parse_inst;
use datolite_query::{Cell, InputValue, QueryResult};
use datolite_store::Value;

fn inst(text: &str) -> Cell {
    Cell::Value(Value::Instant(parse_inst(text).unwrap()))
}

#[test]
fn unknown_attribute_in_a_pattern_is_an_error_naming_it_and_the_clause() {
    let db = movies();
    fails(
        &db,
        "[:find ?m :where [?m :movie/yeer 1987]]",
        &[],
        &[
            "unknown attribute :movie/yeer",
            "[?m :movie/yeer 1987]",
            "line 1, column 18",
        ],
    );
    // The aggregate shortcuts (statistics, scan-time aggregation) check too.
    for text in [
        "[:find (count ?m) . :where [?m :movie/yeer _]]",
        "[:find (max ?y) :with ?m :where [?m :movie/yeer ?y]]",
    ] {
        fails(&db, text, &[], &["unknown attribute :movie/yeer"]);
    }
}

#[test]
fn unknown_attribute_anywhere_in_the_query() {
    let db = movies();
    let cases: &[(&str, &str)] = &[
        (
            "[:find ?t :where [?m :movie/title ?t] (not [?m :movie/sequeI _])]",
            ":movie/sequeI",
        ),
        (
            "[:find ?t :where [?m :movie/title ?t] (or [?m :movie/year 1979] [?m :movie/yaer 1981])]",
            ":movie/yaer",
        ),
        (
            "[:find ?t :where [?m :movie/title ?t]
               (or [?m :movie/year 1979] (and [?m :movie/year 1981] [?m :movie/titel _]))]",
            ":movie/titel",
        ),
        (
            "[:find ?t :where [?m :movie/title ?t] (not-join [?m] [?m :movie/cast ?p] [?p :persn/name _])]",
            ":persn/name",
        ),
        (
            "[:find ?n ?d :where [?p :person/name ?n] [(get-else $ ?p :person/deth \"alive\") ?d]]",
            ":person/deth",
        ),
        (
            "[:find ?n :where [?p :person/name ?n] [(missing? $ ?p :person/deth)]]",
            ":person/deth",
        ),
        (
            "[:find ?n ?v :where [?p :person/name ?n] [(get-some $ ?p :person/born :person/nik) ?v]]",
            ":person/nik",
        ),
        (
            "[:find ?t ?n :where [?m :movie/title ?t]
               [(q [:find (count ?x) . :in $ ?m :where [?m :movie/kast ?x]] $ ?m) ?n]]",
            ":movie/kast",
        ),
    ];
    for (text, name) in cases {
        fails(&db, text, &[], &[&format!("unknown attribute {name}")]);
    }
}

#[test]
fn unknown_attribute_in_a_rule_body_when_the_rule_is_called() {
    let db = movies();
    let rules = "[[(sequel ?a ?b) [?a :movie/sequel ?b]]
                  [(broken ?a) [?a :movie/sequal _]]]";
    fails(
        &db,
        "[:find ?t :in $ % :where (broken ?m) [?m :movie/title ?t]]",
        &[rules],
        &["unknown attribute :movie/sequal", "[?a :movie/sequal _]"],
    );
    // Through another rule, and under not.
    let chained =
        "[[(broken ?a) [?a :movie/sequal _]] [(uses ?a) [?a :movie/title] (not (broken ?a))]]";
    fails(
        &db,
        "[:find ?m :in $ % :where (uses ?m)]",
        &[chained],
        &["unknown attribute :movie/sequal"],
    );
    // A rule the query does not reach is not the query's mistake.
    let r = run(
        &db,
        "[:find ?t :in $ % :where [?m :movie/title \"Alien\"] (sequel ?m ?s) [?s :movie/title ?t]]",
        &[rules],
    );
    assert_eq!(col(r), Vec::<Cell>::new());
    let r = run(
        &db,
        "[:find ?t :in $ % :where [?m :movie/title \"Mad Max\"] (sequel ?m ?s) [?s :movie/title ?t]]",
        &[rules],
    );
    assert_eq!(col(r), strings(&["Mad Max 2"]));
}

#[test]
fn unknown_idents_as_entities_and_ref_values_are_errors() {
    let db = movies();
    fails(
        &db,
        "[:find ?d :where [:genre/nope :db/doc ?d]]",
        &[],
        &["unknown ident :genre/nope", "[:genre/nope :db/doc ?d]"],
    );
    fails(
        &db,
        "[:find ?m :where [?m :movie/director :genre/nope]]",
        &[],
        &[
            "unknown ident :genre/nope",
            "[?m :movie/director :genre/nope]",
        ],
    );
    fails(
        &db,
        "[:find ?d :where [(get-else $ :genre/nope :db/doc \"none\") ?d]]",
        &[],
        &["unknown ident :genre/nope"],
    );
    // An ident that is not an attribute, or an id that is none, in the attribute position.
    fails(
        &db,
        "[:find ?e :where [?e :db.type/string ?v]]",
        &[],
        &[":db.type/string is not an attribute"],
    );
    fails(
        &db,
        "[:find ?e :where [?e 999999 ?v]]",
        &[],
        &["entity 999999 is not an attribute"],
    );
    fails(
        &db,
        "[:find ?e :where [?e \"title\" ?v]]",
        &[],
        &["the attribute position takes an attribute"],
    );
    fails(
        &db,
        "[:find ?v :where [\"title\" :db/doc ?v]]",
        &[],
        &["an entity position takes an entity id, an ident or a lookup ref"],
    );
}

#[test]
fn known_idents_name_entities() {
    let db = movies();
    // An ident in the entity position: the attribute entity's doc string.
    let r = run(&db, "[:find ?d . :where [:movie/title :db/doc ?d]]", &[]);
    assert_eq!(r, QueryResult::Scalar(Some(s("The title of the movie"))));
    // An ident as the value of a reference attribute.
    let r = run(
        &db,
        "[:find [?i ...] :where [?a :db/valueType :db.type/ref] [?a :db/ident ?i]
                                [(namespace ?i) ?ns] [(= ?ns \"movie\")]]",
        &[],
    );
    assert_eq!(
        r,
        QueryResult::Collection(vec![
            kw(":movie/cast"),
            kw(":movie/director"),
            kw(":movie/sequel")
        ])
    );
}

#[test]
fn attribute_variables_bound_to_keywords_name_attributes() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?attr ?v :in $ [?attr ...] :where [?m ?attr ?v] [?m :movie/title \"Alien\"]]",
        &["[:movie/year :movie/title]"],
    );
    // The keywords stay what :find returns.
    assert_eq!(
        rows(r),
        vec![
            vec![kw(":movie/title"), s("Alien")],
            vec![kw(":movie/year"), l(1979)]
        ]
    );
    // A keyword bound by another clause.
    let r = run(
        &db,
        "[:find ?t :where [(ground :movie/year) ?a] [?m ?a 1987] [?m :movie/title ?t]]",
        &[],
    );
    assert_eq!(col(r), strings(&["Lethal Weapon", "Predator", "RoboCop"]));
    let r = run(
        &db,
        "[:find ?t :where [?x :db/ident ?a] [(= ?a :movie/year)] [?m ?a 1979] [?m :movie/title ?t]]",
        &[],
    );
    assert_eq!(col(r), strings(&["Alien", "Mad Max"]));
    // Written after the pattern: the pattern waits for the clauses that bind its attribute
    // variable, so the answer does not depend on the order (or on the plan).
    for text in [
        "[:find ?t :where [?m ?a 1979] [?m :movie/title ?t] [?x :db/ident ?a] [(= ?a :movie/year)]]",
        "[:find ?t :where [?m ?a 1979] [?m :movie/title ?t] [(ground :movie/year) ?a]]",
    ] {
        assert_eq!(col(run(&db, text, &[])), strings(&["Alien", "Mad Max"]), "{text}");
    }
    // An ident that names no attribute matches nothing; an unknown keyword is an error.
    let r = run(
        &db,
        "[:find ?m :where [(ground :db.type/string) ?a] [?m ?a _]]",
        &[],
    );
    assert_eq!(col(r), Vec::<Cell>::new());
    fails(
        &db,
        "[:find ?v :in $ [?a ...] :where [?m ?a ?v] [?m :movie/title \"Alien\"]]",
        &["[:movie/year :movie/yeer]"],
        &["unknown attribute :movie/yeer", "?a"],
    );
    fails(
        &db,
        "[:find ?m :where [(ground :movie/yeer) ?a] [?m ?a 1979]]",
        &[],
        &["unknown attribute :movie/yeer", "(the value of ?a)"],
    );
}

#[test]
fn attribute_variables_bound_to_ids_and_bound_by_patterns() {
    let db = movies();
    let year = i64::from(db.schema().attribute_named("movie/year").unwrap().id);
    let r = run(
        &db,
        "[:find ?v . :in $ ?a :where [?m :movie/title \"Alien\"] [?m ?a ?v]]",
        &[&year.to_string()],
    );
    assert_eq!(r, QueryResult::Scalar(Some(l(1979))));
    // A pattern binding the attribute position binds the attribute's entity id (as Datomic).
    let r = run(
        &db,
        "[:find ?a :where [?m :movie/title \"Alien\"] [?m ?a 1979]]",
        &[],
    );
    assert_eq!(col(r), vec![Cell::Value(Value::Ref(year as u64))]);
}

#[test]
fn keyword_inputs_in_entity_positions_name_entities() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?doc . :in $ ?e :where [?e :db/doc ?doc]]",
        &[":movie/year"],
    );
    assert_eq!(
        r,
        QueryResult::Scalar(Some(s("The year the movie was released in theaters")))
    );
    let r = run(
        &db,
        "[:find [?i ...] :in $ ?t :where [?a :db/valueType ?t] [?a :db/ident ?i]
                                          [(namespace ?i) ?ns] [(= ?ns \"person\")]]",
        &[":db.type/instant"],
    );
    assert_eq!(
        r,
        QueryResult::Collection(vec![kw(":person/born"), kw(":person/death")])
    );
    fails(
        &db,
        "[:find ?doc :in $ ?e :where [?e :db/doc ?doc]]",
        &[":movie/nope"],
        &["unknown ident :movie/nope"],
    );
    // A keyword a clause binds (an ident read as a value) names no entity: the answer would
    // otherwise depend on which clause ran first.
    let r = run(
        &db,
        "[:find ?d :where [?x :db/ident ?e] [(= ?e :movie/year)] [?e :db/doc ?d]]",
        &[],
    );
    assert_eq!(col(r), Vec::<Cell>::new());
}

#[test]
fn lookup_refs_written_in_patterns() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?b . :where [[:person/name \"James Cameron\"] :person/born ?b]]",
        &[],
    );
    assert_eq!(r, QueryResult::Scalar(Some(inst("1954-08-16"))));
    let r = run(
        &db,
        "[:find ?t :where [?m :movie/director [:person/name \"James Cameron\"]] [?m :movie/title ?t]]",
        &[],
    );
    assert_eq!(
        col(r),
        strings(&["Aliens", "Terminator 2: Judgment Day", "The Terminator"])
    );
    fails(
        &db,
        "[:find ?b :where [[:person/name \"Nobody\"] :person/born ?b]]",
        &[],
        &["lookup ref [:person/name \"Nobody\"] matches no entity"],
    );
    fails(
        &db,
        "[:find ?y :where [[:movie/title \"Alien\"] :movie/year ?y]]",
        &[],
        &["lookup ref [:movie/title \"Alien\"] needs a :db/unique attribute, and :movie/title is not unique"],
    );
    fails(
        &db,
        "[:find ?m :where [?m :movie/title [:person/name \"Mel Gibson\"]]]",
        &[],
        &[
            "lookup ref, which needs a reference attribute",
            ":movie/title",
        ],
    );
    fails(
        &db,
        "[:find ?m :where [?m ?a [:person/name \"Mel Gibson\"]]]",
        &[],
        &["needs the pattern's attribute written as a constant reference attribute"],
    );
    fails(
        &db,
        "[:find ?b :where [[:person/nam \"Mel Gibson\"] :person/born ?b]]",
        &[],
        &["unknown attribute :person/nam in lookup ref"],
    );
}

#[test]
fn lookup_refs_as_inputs_of_every_shape() {
    let db = movies();
    let born = |name: &str, text: &str| {
        let r = run(
            &db,
            "[:find ?b . :in $ ?p :where [?p :person/born ?b]]",
            &[&format!("[:person/name \"{name}\"]")],
        );
        assert_eq!(r, QueryResult::Scalar(Some(inst(text))));
    };
    born("Mel Gibson", "1956-01-03");
    born("Arnold Schwarzenegger", "1947-07-30");
    let r = run(
        &db,
        "[:find ?t :in $ [?d ...] :where [?m :movie/director ?d] [?m :movie/title ?t]]",
        &["[[:person/name \"Ridley Scott\"] [:person/name \"Mel Gibson\"]]"],
    );
    assert_eq!(col(r), strings(&["Alien", "Braveheart"]));
    let r = run(
        &db,
        "[:find ?t :in $ [?d ?y] :where [?m :movie/director ?d] [?m :movie/year ?y] [?m :movie/title ?t]]",
        &["[[:person/name \"James Cameron\"] 1986]"],
    );
    assert_eq!(col(r), strings(&["Aliens"]));
    let r = run(
        &db,
        "[:find ?t :in $ [[?d ?y]] :where [?m :movie/director ?d] [?m :movie/year ?y] [?m :movie/title ?t]]",
        &["[[[:person/name \"Mel Gibson\"] 1995] [[:person/name \"George Miller\"] 1979]]"],
    );
    assert_eq!(col(r), strings(&["Braveheart", "Mad Max"]));
    // The variable holds the entity id: :find returns it.
    let mel = person(&db, "Mel Gibson");
    let r = run(
        &db,
        "[:find ?p . :in $ ?p :where [?p :person/name]]",
        &["[:person/name \"Mel Gibson\"]"],
    );
    assert_eq!(r, QueryResult::Scalar(Some(Cell::Value(Value::Ref(mel)))));
    // As the value of a reference attribute and in the transaction position.
    let r = run(
        &db,
        "[:find ?t :in $ ?p :where [?m :movie/cast ?p] [?m :movie/year 1987] [?m :movie/title ?t]]",
        &["[:person/name \"Mel Gibson\"]"],
    );
    assert_eq!(col(r), strings(&["Lethal Weapon"]));
    let r = run(
        &db,
        "[:find (count ?e) . :in $ ?tx :where [?e :person/name _ ?tx]]",
        &["[:person/name \"Mel Gibson\"]"],
    );
    // No person is a transaction.
    assert_eq!(r, QueryResult::Scalar(None));
}

#[test]
fn lookup_refs_in_database_functions_and_rules() {
    let db = movies();
    let r = run(
        &db,
        "[:find ?d . :in $ ?p :where [(get-else $ ?p :person/death \"alive\") ?d]]",
        &["[:person/name \"Richard Crenna\"]"],
    );
    assert_eq!(r, QueryResult::Scalar(Some(inst("2003-01-17"))));
    let r = run(
        &db,
        "[:find ?d . :where [(get-else $ [:person/name \"Mel Gibson\"] :person/death \"alive\") ?d]]",
        &[],
    );
    assert_eq!(r, QueryResult::Scalar(Some(s("alive"))));
    let r = run(
        &db,
        "[:find ?x . :where [(missing? $ [:person/name \"Mel Gibson\"] :person/death)] [(ground 1) ?x]]",
        &[],
    );
    assert_eq!(r, QueryResult::Scalar(Some(l(1))));
    let r = run(
        &db,
        "[:find ?v . :in $ ?p :where [(get-some $ ?p :person/death :person/born) [_ ?v]]]",
        &["[:person/name \"Tina Turner\"]"],
    );
    assert_eq!(r, QueryResult::Scalar(Some(inst("2023-05-24"))));
    // Through a rule whose body uses the argument as an entity.
    let rules = "[[(directed ?p ?t) [?m :movie/director ?p] [?m :movie/title ?t]]]";
    let r = run(
        &db,
        "[:find ?t :in $ % ?p :where (directed ?p ?t)]",
        &[rules, "[:person/name \"Ridley Scott\"]"],
    );
    assert_eq!(col(r), strings(&["Alien"]));
}

#[test]
fn bad_lookup_ref_inputs_are_errors_naming_them() {
    let db = movies();
    fails(
        &db,
        "[:find ?b :in $ ?p :where [?p :person/born ?b]]",
        &["[:person/name \"Nobody\"]"],
        &["lookup ref [:person/name \"Nobody\"] matches no entity"],
    );
    fails(
        &db,
        "[:find ?y :in $ ?m :where [?m :movie/year ?y]]",
        &["[:movie/title \"Alien\"]"],
        &["needs a :db/unique attribute, and :movie/title is not unique"],
    );
    // At a variable used as an entity a vector must be a lookup ref (elsewhere it is a tuple).
    fails(
        &db,
        "[:find ?b :in $ ?p :where [?p :person/born ?b]]",
        &["[1 2 3]"],
        &[
            "?p is used as an entity, so a vector input must be a lookup ref",
            "[1 2 3] is not",
        ],
    );
    fails(
        &db,
        "[:find ?b :in $ [?p ...] :where [?p :person/born ?b]]",
        &["[[:person/name \"Mel Gibson\"] [:person/name \"Nobody\"]]"],
        &["lookup ref [:person/name \"Nobody\"] matches no entity"],
    );
    // Programmatic inputs take lookup refs as vector forms.
    let r = both_inputs(
        &db,
        "[:find ?b . :in $ ?p :where [?p :person/born ?b]]",
        &[
            InputValue::Db,
            InputValue::Form(datolite_query::InputForm::Vector(vec![
                datolite_query::InputForm::Value(Value::keyword(":person/name")),
                datolite_query::InputForm::Value(Value::from("Mel Gibson")),
            ])),
        ],
        &[],
    )
    .unwrap();
    assert_eq!(r, QueryResult::Scalar(Some(inst("1956-01-03"))));
}
