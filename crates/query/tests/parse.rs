//! Parser tests: exact ASTs for a handful of queries, a corpus of
//! learndatalogtoday-style queries, error messages, and a no-panic proptest.

use datolite_query::*;
use proptest::prelude::*;

fn var(s: &str) -> Var {
    Var::new(s)
}

fn tv(s: &str) -> Term {
    Term::Var(var(s))
}

fn kw(s: &str) -> Term {
    Term::Const(Constant::Keyword(s.to_owned()))
}

fn ok(text: &str) -> Query {
    match parse_query(text) {
        Ok(q) => q,
        Err(e) => panic!("{text}\n  failed: {e}"),
    }
}

fn err(text: &str) -> String {
    match parse_query(text) {
        Ok(q) => panic!("{text}\n  parsed unexpectedly: {q:?}"),
        Err(e) => e.to_string(),
    }
}

/// Asserts the error message contains each fragment.
fn err_has(text: &str, fragments: &[&str]) {
    let msg = err(text);
    for f in fragments {
        assert!(msg.contains(f), "error for {text}\n  {msg}\n  lacks {f:?}");
    }
}

#[test]
fn simple_pattern_query_exact_ast() {
    let q = ok("[:find ?title :where [_ :movie/title ?title]]");
    assert_eq!(
        q,
        Query {
            find: FindSpec::Rel(vec![FindElem::Var(var("?title"))]),
            return_map: None,
            with: vec![],
            inputs: vec![Input::Src(SrcVar("$".into()))],
            where_clauses: vec![Clause {
                kind: ClauseKind::Pattern(Pattern {
                    src: None,
                    e: Term::Blank,
                    a: kw("movie/title"),
                    v: tv("?title"),
                    tx: Term::Blank,
                    added: Term::Blank,
                }),
                pos: Pos {
                    line: 1,
                    column: 22
                },
                form: "[_ :movie/title ?title]".into(),
            }],
            order_by: vec![],
            limit: None,
            pos: Pos { line: 1, column: 1 },
        }
    );
}

#[test]
fn inputs_exact_ast() {
    let q = ok("[:find ?x :in $ $h % ?a [?b ...] [?c _] [[?d ?e]] :where [?x :a ?a]]");
    assert_eq!(
        q.inputs,
        vec![
            Input::Src(SrcVar("$".into())),
            Input::Src(SrcVar("$h".into())),
            Input::Rules,
            Input::Binding(Binding::Scalar(BindVar::Var(var("?a")))),
            Input::Binding(Binding::Coll(Box::new(Binding::var(var("?b"))))),
            Input::Binding(Binding::Tuple(vec![
                Binding::var(var("?c")),
                Binding::Scalar(BindVar::Blank)
            ])),
            Input::Binding(Binding::Rel(vec![
                Binding::var(var("?d")),
                Binding::var(var("?e"))
            ])),
        ]
    );
    assert!(q.check_inputs(7).is_ok());
    let e = q.check_inputs(1).unwrap_err().to_string();
    assert_eq!(
        e,
        "query expects 7 inputs ($ $h % ?a [?b ...] [?c _] [[?d ?e]]), got 1"
    );
}

#[test]
fn check_inputs_message() {
    let q = ok("[:find ?e :in $ ?name :where [?e :person/name ?name]]");
    assert_eq!(
        q.check_inputs(1).unwrap_err().to_string(),
        "query expects 2 inputs ($ ?name), got 1"
    );
}

#[test]
fn find_specs_exact_ast() {
    let q = ok("[:find ?x . :where [?x :a]]");
    assert_eq!(q.find, FindSpec::Scalar(FindElem::Var(var("?x"))));
    let q = ok("[:find [?x ...] :where [?x :a]]");
    assert_eq!(q.find, FindSpec::Coll(FindElem::Var(var("?x"))));
    let q = ok("[:find [?x ?y] :where [?x :a ?y]]");
    assert_eq!(
        q.find,
        FindSpec::Tuple(vec![FindElem::Var(var("?x")), FindElem::Var(var("?y"))])
    );
    let q = ok("[:find ?x (count ?y) :with ?z :where [?x :a ?y] [?x :b ?z]]");
    assert_eq!(
        q.find,
        FindSpec::Rel(vec![
            FindElem::Var(var("?x")),
            FindElem::Aggregate(Aggregate {
                func: AggregateFn::Count,
                n: None,
                arg: var("?y")
            })
        ])
    );
    assert_eq!(q.with, vec![var("?z")]);
}

#[test]
fn all_aggregates() {
    for (name, func) in [
        ("count", AggregateFn::Count),
        ("count-distinct", AggregateFn::CountDistinct),
        ("sum", AggregateFn::Sum),
        ("avg", AggregateFn::Avg),
        ("min", AggregateFn::Min),
        ("max", AggregateFn::Max),
        ("median", AggregateFn::Median),
        ("distinct", AggregateFn::Distinct),
        ("variance", AggregateFn::Variance),
        ("stddev", AggregateFn::Stddev),
        ("rand", AggregateFn::Rand),
    ] {
        let q = ok(&format!("[:find ({name} ?y) :where [_ :a ?y]]"));
        assert_eq!(
            q.find.elements(),
            &[FindElem::Aggregate(Aggregate {
                func,
                n: None,
                arg: var("?y")
            })]
        );
        assert_eq!(func.name(), name);
    }
}

#[test]
fn map_form_and_extensions() {
    let q = ok("{:find [?n ?a] :keys [name age] :in [$ ?min] \
                :where [[?p :person/name ?n] [?p :person/age ?a] [(>= ?a ?min)]] \
                :order-by [[?a :desc] ?n] :limit 10}");
    assert_eq!(
        q.return_map,
        Some(ReturnMap {
            kind: ReturnKind::Keys,
            names: vec!["name".into(), "age".into()]
        })
    );
    assert_eq!(
        q.order_by,
        vec![
            OrderBy {
                var: var("?a"),
                column: 1,
                dir: Direction::Desc
            },
            OrderBy {
                var: var("?n"),
                column: 0,
                dir: Direction::Asc
            }
        ]
    );
    assert_eq!(q.limit, Some(10));
    assert_eq!(q.where_clauses.len(), 3);
    // Flat form of :order-by in a vector query.
    let q = ok("[:find ?n ?a :where [?p :n ?n] [?p :a ?a] :order-by [?a :desc ?n :asc] :limit 0]");
    assert_eq!(q.order_by[0].dir, Direction::Desc);
    assert_eq!(q.order_by[1].dir, Direction::Asc);
    assert_eq!(q.limit, Some(0));
}

#[test]
fn constants_in_patterns() {
    let q = ok(
        r#"[:find ?e :in $ $h :where [?e :a "s"] [?e :b 42] [?e :c 1.5] [?e :d true]
                  [?e :e #inst "2020-01-01T00:00:00Z"] [?e :f #uuid "00000000-0000-0000-0000-000000000001"]
                  [17592186045418 :g ?e] [?e :h :k/v] [$h ?e :i _ ?tx false]]"#,
    );
    let pats: Vec<&Pattern> = q
        .where_clauses
        .iter()
        .map(|c| match &c.kind {
            ClauseKind::Pattern(p) => p,
            k => panic!("not a pattern: {k:?}"),
        })
        .collect();
    assert_eq!(pats[0].v, Term::Const(Constant::String("s".into())));
    assert_eq!(pats[1].v, Term::Const(Constant::Long(42)));
    assert_eq!(pats[2].v, Term::Const(Constant::Double(1.5)));
    assert_eq!(pats[3].v, Term::Const(Constant::Bool(true)));
    assert_eq!(pats[4].v, Term::Const(Constant::Inst(1_577_836_800_000)));
    let mut uuid = [0u8; 16];
    uuid[15] = 1;
    assert_eq!(pats[5].v, Term::Const(Constant::Uuid(uuid)));
    assert_eq!(pats[6].e, Term::Const(Constant::Long(17592186045418)));
    assert_eq!(pats[7].v, kw("k/v"));
    assert_eq!(pats[8].src, Some(SrcVar("$h".into())));
    assert_eq!(pats[8].tx, tv("?tx"));
    assert_eq!(pats[8].added, Term::Const(Constant::Bool(false)));
}

#[test]
fn predicates_and_functions_exact_ast() {
    let q = ok(
        r#"[:find ?e ?n :where [?e :age ?a] [(> ?a 30)] [(str ?a "y") ?n]
                  [(get-else $ ?e :nick "none") ?k] [(ground [1 2]) [?g ...]]]"#,
    );
    assert_eq!(
        q.where_clauses[1].kind,
        ClauseKind::Pred(Call {
            func: ">".into(),
            args: vec![FnArg::Var(var("?a")), FnArg::Const(Constant::Long(30))]
        })
    );
    assert_eq!(
        q.where_clauses[2].kind,
        ClauseKind::Fn {
            call: Call {
                func: "str".into(),
                args: vec![
                    FnArg::Var(var("?a")),
                    FnArg::Const(Constant::String("y".into()))
                ]
            },
            binding: Binding::Scalar(BindVar::Var(var("?n")))
        }
    );
    match &q.where_clauses[3].kind {
        ClauseKind::Fn { call, .. } => {
            assert_eq!(call.func, "get-else");
            assert_eq!(call.args[0], FnArg::Src(SrcVar("$".into())));
            assert_eq!(call.args[2], FnArg::Const(Constant::Keyword("nick".into())));
        }
        k => panic!("{k:?}"),
    }
    match &q.where_clauses[4].kind {
        ClauseKind::Fn { call, binding } => {
            assert_eq!(
                call.args,
                vec![FnArg::Const(Constant::Vector(vec![
                    Constant::Long(1),
                    Constant::Long(2)
                ]))]
            );
            assert_eq!(binding, &Binding::Coll(Box::new(Binding::var(var("?g")))));
        }
        k => panic!("{k:?}"),
    }
}

#[test]
fn fn_binding_forms() {
    let q = ok(
        "[:find ?a ?b ?c ?d :in ?t ?u :where [(untuple ?t) [?a _]] [(identity ?u) [?b ...]] \
                [(tuple ?a ?b) ?c] [(ground [[1 2]]) [[?d _]]]]",
    );
    let bindings: Vec<&Binding> = q
        .where_clauses
        .iter()
        .map(|c| match &c.kind {
            ClauseKind::Fn { binding, .. } => binding,
            k => panic!("{k:?}"),
        })
        .collect();
    assert!(matches!(bindings[0], Binding::Tuple(v) if v[1] == Binding::Scalar(BindVar::Blank)));
    assert!(matches!(bindings[1], Binding::Coll(_)));
    assert!(matches!(bindings[2], Binding::Scalar(_)));
    assert!(matches!(bindings[3], Binding::Rel(v) if v.len() == 2));
}

#[test]
fn not_or_and_exact_shapes() {
    let q = ok("[:find ?e :where [?e :a ?x] (not [?e :b 1]) (not-join [?e] [?e :c ?y] [?y :d 2]) \
                (or [?e :k 1] (and [?e :k 2] [?e :j 3])) (or-join [[?e] ?z] [?e :m ?z] [?e :n ?z])]");
    match &q.where_clauses[1].kind {
        ClauseKind::Not {
            join_vars: None,
            clauses,
            ..
        } => assert_eq!(clauses.len(), 1),
        k => panic!("{k:?}"),
    }
    match &q.where_clauses[2].kind {
        ClauseKind::Not {
            join_vars: Some(vars),
            clauses,
            ..
        } => {
            assert_eq!(vars, &vec![var("?e")]);
            assert_eq!(clauses.len(), 2);
        }
        k => panic!("{k:?}"),
    }
    match &q.where_clauses[3].kind {
        ClauseKind::Or {
            join: None,
            branches,
            ..
        } => {
            assert_eq!(branches.len(), 2);
            assert!(matches!(&branches[1].kind, ClauseKind::And(c) if c.len() == 2));
        }
        k => panic!("{k:?}"),
    }
    match &q.where_clauses[4].kind {
        ClauseKind::Or {
            join: Some(vars), ..
        } => {
            assert_eq!(vars.required, vec![var("?e")]);
            assert_eq!(vars.free, vec![var("?z")]);
        }
        k => panic!("{k:?}"),
    }
    assert_eq!(q.where_clauses[1].form, "(not [?e :b 1])");
}

#[test]
fn rule_calls_and_rules() {
    let q = ok("[:find ?x :in $ $h % :where (ancestor ?x \"bob\") ($h friend ?x _)]");
    assert_eq!(
        q.where_clauses[0].kind,
        ClauseKind::RuleCall {
            src: None,
            name: "ancestor".into(),
            args: vec![tv("?x"), Term::Const(Constant::String("bob".into()))]
        }
    );
    assert!(matches!(&q.where_clauses[1].kind,
        ClauseKind::RuleCall { src: Some(s), args, .. } if s.0 == "$h" && args[1] == Term::Blank));

    let rules = parse_rules(
        "[[(ancestor ?a ?d) [?a :parent ?d]]
          [(ancestor ?a ?d) [?a :parent ?x] (ancestor ?x ?d)]
          [(older [?p] ?q) [?p :age ?x] [?q :age ?y] [(> ?x ?y)]]]",
    )
    .unwrap();
    assert_eq!(rules.len(), 3);
    assert_eq!(rules[0].name, "ancestor");
    assert_eq!(rules[1].body.len(), 2);
    assert_eq!(rules[2].vars.required, vec![var("?p")]);
    assert_eq!(rules[2].vars.free, vec![var("?q")]);
    assert_eq!(
        rules[1].pos,
        Pos {
            line: 2,
            column: 11
        }
    );
}

#[test]
fn subquery() {
    let q = ok("[:find ?x ?m :where [?x :a _] \
                [(q [:find (max ?v) :in $ ?e :where [?e :score ?v]] $ ?x) [[?m]]]]");
    match &q.where_clauses[1].kind {
        ClauseKind::Fn { call, binding } => {
            assert_eq!(call.func, "q");
            match &call.args[0] {
                FnArg::Query(sub) => {
                    assert_eq!(sub.inputs.len(), 2);
                    assert!(matches!(sub.find, FindSpec::Rel(_)));
                }
                a => panic!("{a:?}"),
            }
            assert_eq!(call.args[2], FnArg::Var(var("?x")));
            assert_eq!(binding, &Binding::Rel(vec![Binding::var(var("?m"))]));
        }
        k => panic!("{k:?}"),
    }
}

/// Queries in the style of learndatalogtoday.org, all of which must parse.
const CORPUS: &[&str] = &[
    // 1 basic
    "[:find ?e :where [?e :person/name]]",
    "[:find ?name :where [?p :person/name ?name]]",
    // 2 data patterns / joins
    r#"[:find ?title :where [?p :person/name "Ridley Scott"] [?m :movie/director ?p] [?m :movie/title ?title]]"#,
    r#"[:find ?name :where [?m :movie/title "Lethal Weapon"] [?m :movie/cast ?p] [?p :person/name ?name]]"#,
    // 3 inputs of each kind
    "[:find ?title :in $ ?year :where [?m :movie/year ?year] [?m :movie/title ?title]]",
    "[:find ?title :in $ [?director ...] :where [?p :person/name ?director] [?m :movie/director ?p] [?m :movie/title ?title]]",
    "[:find ?title :in $ [?actor ?director] :where [?a :person/name ?actor] [?d :person/name ?director] [?m :movie/cast ?a] [?m :movie/director ?d] [?m :movie/title ?title]]",
    "[:find ?title ?rating :in $ ?min [[?title ?rating]] :where [?m :movie/title ?title] [(> ?rating ?min)]]",
    // 4 more queries / attributes
    "[:find ?attr :where [?p :person/name] [?p ?a] [?a :db/ident ?attr]]",
    "[:find ?timestamp :where [?p :person/name \"James Cameron\" ?tx] [?tx :db/txInstant ?timestamp]]",
    // 5 predicates
    "[:find ?title :where [?m :movie/title ?title] [?m :movie/year ?year] [(<= ?year 1984)]]",
    "[:find ?name :where [?p :person/name ?name] [(clojure.string/starts-with? ?name \"M\")]]",
    "[:find ?actor :where [?d :person/name \"Danny Glover\"] [?d :person/born ?b1] [?e :person/born ?b2] [_ :movie/cast ?e] [(< ?b2 ?b1)] [?e :person/name ?actor]]",
    // 6 transformation functions, each binding form
    "[:find ?name ?age :in $ ?today :where [?p :person/name ?name] [?p :person/born ?born] [(- ?today ?born) ?age]]",
    "[:find ?name ?y :where [?p :person/name ?name] [?p :person/born ?b] [(year ?b) ?y] [(month ?b) ?mo] [(day ?b) ?d]]",
    "[:find ?a ?b :in ?t :where [(untuple ?t) [?a ?b]]]",
    "[:find ?x :where [(ground [1 2 3]) [?x ...]]]",
    "[:find ?x ?y :where [(ground [[1 :a] [2 :b]]) [[?x ?y]]]]",
    // 7 aggregates with :with
    "[:find (count ?m) . :where [?m :movie/title]]",
    "[:find ?d (avg ?r) (median ?r) (sum ?r) :with ?m :where [?m :movie/director ?d] [?m :movie/rating ?r]]",
    "[:find (min ?b) (max ?b) (count-distinct ?b) (distinct ?b) :where [_ :person/born ?b]]",
    // 8 rules incl. recursion
    "[:find ?name :in $ % :where (actor-movie ?name \"The Terminator\")]",
    "[:find ?x :in $ % ?root :where (descendant ?root ?x)]",
    // not, not-join, or, or-join
    "[:find ?p :where [?p :person/name] (not [?m :movie/cast ?p])]",
    "[:find ?p :where [?p :person/name] (not-join [?p] [?m :movie/cast ?p] [?m :movie/year 1984])]",
    "[:find ?m :where (or [?m :movie/year 1984] [?m :movie/year 1985])]",
    "[:find ?m :where [?m :movie/title] (or-join [?m] [?m :movie/year 1984] (and [?m :movie/director ?d] [?d :person/name \"X\"]))]",
    // get-else, missing?, get-some
    "[:find ?name ?death :where [?p :person/name ?name] [(get-else $ ?p :person/death \"alive\") ?death]]",
    "[:find ?name :where [?p :person/name ?name] [(missing? $ ?p :person/death)]]",
    "[:find ?e ?v :where [?e :person/name] [(get-some $ ?e :person/nick :person/name) [?a ?v]]]",
    // strings
    "[:find ?u :where [?p :person/name ?n] [(clojure.string/upper-case ?n) ?u] [(subs ?u 0 2) ?s] [(clojure.string/includes? ?s \"A\")]]",
    // subquery
    "[:find ?d ?best :where [?d :person/name] [(q [:find (max ?r) . :in $ ?d :where [?m :movie/director ?d] [?m :movie/rating ?r]] $ ?d) ?best]]",
    // :keys, :order-by, :limit
    "[:find ?name ?year :keys name year :where [?m :movie/title ?name] [?m :movie/year ?year] :order-by [[?year :desc] [?name :asc]] :limit 5]",
    "[:find [?name ?year] :where [?m :movie/title ?name] [?m :movie/year ?year]]",
];

#[test]
fn learndatalogtoday_corpus_parses() {
    for text in CORPUS {
        ok(text);
    }
    assert!(CORPUS.len() >= 25);
}

#[test]
fn recursive_rules_parse() {
    let rules = parse_rules(
        r#"[[(actor-movie ?name ?title) [?p :person/name ?name] [?m :movie/cast ?p] [?m :movie/title ?title]]
            [(descendant ?a ?d) [?a :node/child ?d]]
            [(descendant ?a ?d) [?a :node/child ?x] (descendant ?x ?d)]
            [(sequel-of ?m1 ?m2) [?m1 :movie/sequel ?m2]]
            [(friends ?p1 ?p2) (or [?p1 :friend ?p2] [?p2 :friend ?p1])]]"#,
    )
    .unwrap();
    assert_eq!(rules.iter().filter(|r| r.name == "descendant").count(), 2);
}

#[test]
fn error_messages_name_form_and_position() {
    let cases: &[(&str, &[&str])] = &[
        (
            "[:find ?x :where [(foo ?x)] [?x :a]]",
            &["line 1, column 19", "unknown function foo in (foo ?x)"],
        ),
        (
            "[:find ?x\n :where [?x :a]\n   [(inc ?x 1) ?y]]",
            &[
                "line 3, column 5",
                "inc takes 1 argument, got 2 in (inc ?x 1)",
            ],
        ),
        (
            "[:find ?x :where [?x :a] [(subs ?x) ?y]]",
            &["2 to 3 arguments", "(subs ?x)"],
        ),
        (
            "[:find ?x :where [?e :a ?x] [(> ?y 3)]]",
            &["line 1, column 29", "unbound variable ?y in [(> ?y 3)]"],
        ),
        (
            "[:find ?x ?z :where [?x :a]]",
            &["unbound variable ?z in :find element ?z", "column 11"],
        ),
        (
            "[:find (foo ?x) :where [?x :a]]",
            &["unknown aggregate foo in (foo ?x)", "column 8"],
        ),
        (
            "[:where [?x :a]]",
            &["query has no :find", "[:where [?x :a]]", "line 1, column 1"],
        ),
        ("[:find :where [?x :a]]", &[":find is empty", "column 2"]),
        (
            "{:find [?x] :where ([?x :a])}",
            &[":where must be a vector", "([?x :a])", "column 20"],
        ),
        (
            "[:find ?x :in [?x] [] :where [?x :a]]",
            &["malformed binding form []", "column 20"],
        ),
        (
            "[:find ?x :where [?x :a] [(tuple ?x) [?y ... ?z]]]",
            &["malformed binding form [?y ... ?z]"],
        ),
        (
            "[:find ?x :where [?x :a] (not-join ?x [?x :b])]",
            &[
                "not-join must be followed by a vector of variables in (not-join ?x [?x :b])",
                "column 26",
            ],
        ),
        (
            "[:find ?x :where [?x :a] (or-join [?x 1] [?x :b])]",
            &["or-join must be followed by a vector of variables"],
        ),
        (
            "[:find ?x :where [?x :a ?y] (or [?x :b] [?y :c])]",
            &["same variables", "(or [?x :b] [?y :c])", "column 29"],
        ),
        (
            "[:find ?x ?y :keys a :where [?x :a ?y]]",
            &[":keys names 1 keys but :find has 2 elements", "column 14"],
        ),
        (
            "[:find ?x :where [?x :a] :limit -1]",
            &[":limit must be a non-negative integer, got -1", "column 33"],
        ),
        (
            "[:find ?x :where [?x :a] :limit \"5\"]",
            &[":limit must be a non-negative integer"],
        ),
        (
            "[:find ?x :where [?x :a ?y] :order-by [?y]]",
            &[
                ":order-by variable ?y is not a variable of :find",
                "column 40",
            ],
        ),
        (
            "[:find ?x :where [?x :a ?y] :order-by [[?x :up]]]",
            &[":order-by entries", "[?x :up]"],
        ),
        (
            "[:find ?x :where [?x :a :b :c :d :e :f]]",
            &["1 to 5 elements", "[?x :a :b :c :d :e :f]"],
        ),
        ("[:find ?x :where [?x :a nil]]", &["got nil in [?x :a nil]"]),
        (
            "[:find ?x :where (and [?x :a])]",
            &["and is only allowed", "(and [?x :a])"],
        ),
        (
            "[:find ?x :where [?x :a] (not-join [?z] [?z :b])]",
            &["unbound variable ?z", "(not-join [?z] [?z :b])"],
        ),
        (
            "[:find ?x :where 42]",
            &["expected a clause", "42", "column 18"],
        ),
        (
            "[:find ?x :foo 1 :where [?x :a]]",
            &["unknown query key :foo", "column 11"],
        ),
        (
            "[:find ?x :where [?x :a] :where [?x :b]]",
            &["repeated query key :where", "column 26"],
        ),
        (
            "\"nope\"",
            &["a query must be a vector or a map", "\"nope\""],
        ),
        ("[:find ?x :where [?x :a]", &["line 1, column 1"]),
        (
            "[:find ?x :where [?x :a] [(q 1) ?y]]",
            &["q takes a query first", "(q 1)"],
        ),
        (
            "[:find ?x :where [?x :a] [(> ?x ?x) ?y ?z]]",
            &["a predicate is", "[(> ?x ?x) ?y ?z]"],
        ),
        (
            "[:find ?x :with 3 :where [?x :a]]",
            &[":with takes variables, got 3"],
        ),
        (
            "[:find ?x :where [?x :a] [(> ?x (inc 1))]]",
            &["function argument", "(inc 1)"],
        ),
    ];
    for (text, fragments) in cases {
        err_has(text, fragments);
    }
}

#[test]
fn rule_errors() {
    let msg = |t: &str| parse_rules(t).unwrap_err().to_string();
    assert!(msg("{:a 1}").contains("rule set must be a vector"));
    let m = msg("[[(r ?a) [?a :x]] [(r ?a ?b) [?a :x ?b]]]");
    assert!(
        m.contains("rule r is defined with 1 variables") && m.contains("column 19"),
        "{m}"
    );
    assert!(msg("[[(r ?a)]]").contains("at least one clause in [(r ?a)]"));
    assert!(msg("[[(r 1) [?a :x]]]").contains("rule head takes variables"));
    let m = msg("[[(r ?a) [?a :x] [(< ?a ?z)]]]");
    assert!(m.contains("unbound variable ?z in [(< ?a ?z)]"), "{m}");
    assert!(msg("[[(r ?a) [(nope ?a)]]]").contains("unknown function nope in (nope ?a)"));
}

#[test]
fn nested_not_sees_outer_bindings() {
    ok("[:find ?x :where [?x :a ?y] (not [?x :b ?z] [(> ?z ?y)])]");
    // not binds nothing for the outside.
    err_has(
        "[:find ?z :where [?x :a] (not [?x :b ?z])]",
        &["unbound variable ?z in :find"],
    );
    // or-join only exposes its join variables inside.
    err_has(
        "[:find ?x :where [?x :a ?y] (or-join [?x] (and [?x :b ?z] [(> ?z ?y)]))]",
        &["unbound variable ?y in [(> ?z ?y)]"],
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn garbage_never_panics(text in "\\PC{0,80}") {
        let _ = parse_query(&text);
        let _ = parse_rules(&text);
    }

    #[test]
    fn query_like_garbage_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just(":find"), Just(":where"), Just(":in"), Just(":with"), Just(":keys"),
                Just(":order-by"), Just(":limit"), Just("?x"), Just("?y"), Just("_"), Just("$"),
                Just("%"), Just("..."), Just("."), Just("["), Just("]"), Just("("), Just(")"),
                Just("{"), Just("}"), Just("not"), Just("or"), Just("and"), Just("or-join"),
                Just("not-join"), Just("q"), Just("count"), Just(">"), Just("1"), Just("-1"),
                Just(":a"), Just("\"s\""), Just("nil"), Just("ground"), Just("inc"),
            ],
            0..30,
        )
    ) {
        let text = parts.join(" ");
        let _ = parse_query(&text);
        let _ = parse_rules(&text);
        let _ = parse_query(&format!("[:find ?x :where [?x :a] {text}]"));
    }
}
