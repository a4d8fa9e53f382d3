//! EDN transaction data is read once, before resolution; errors in nested parts are still
//! raised only where resolution reads them, with the messages reading them lazily gave.

mod common;

use common::fails;
use datolite_store::StoreError;

const SCHEMA: &str = "[{:db/ident :p/label :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
                      {:db/ident :p/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]";

#[test]
fn a_malformed_nested_map_is_a_type_mismatch_for_a_string_attribute() {
    let store = common::memory();
    store.transact_edn(SCHEMA).unwrap();
    // The map is no entity map (its :db/id is a double), but a string attribute never reads it
    // as one: the error is the type mismatch, naming the map as written.
    match fails(&store, "[{:p/label {:db/id 1.5}}]") {
        StoreError::TypeMismatch {
            attribute,
            expected,
            got,
        } => {
            assert_eq!(attribute, "p/label");
            assert_eq!(expected, "string");
            assert_eq!(got, "{:db/id 1.5}");
        }
        other => panic!("expected a type mismatch, got {other}"),
    }
}

#[test]
fn a_malformed_nested_map_under_a_ref_attribute_names_the_bad_entity() {
    let store = common::memory();
    store.transact_edn(SCHEMA).unwrap();
    let error = fails(&store, "[{:p/label \"a\" :p/friend {:db/id 1.5}}]").to_string();
    assert!(
        error.contains("an entity must be an id, a tempid string, a negative integer, an ident or a lookup ref, got 1.5"),
        "{error}"
    );
}

#[test]
fn collections_print_as_written_in_messages() {
    let store = common::memory();
    store.transact_edn(SCHEMA).unwrap();
    // A list is never an entity: the mismatch prints it back as a list.
    match fails(&store, "[{:p/label \"a\" :p/friend [(1 2)]}]") {
        StoreError::TypeMismatch { got, .. } => assert_eq!(got, "(1 2)"),
        other => panic!("expected a type mismatch, got {other}"),
    }
    // A two-element vector whose first element is no keyword is a malformed lookup ref.
    let error = fails(&store, "[{:p/label \"a\" :p/friend [[1 #{2 \"x\"}]]}]").to_string();
    assert!(
        error.contains("a lookup ref must be [:attribute value], got [1 #{2 \"x\"}]"),
        "{error}"
    );
}
