//! Datalog queries on snapshots: `snapshot.q(query, inputs)`.

use datolite_edn as edn;
use datolite_query::{
    explain_plan_edn_sources, parse_pull, parse_query, parse_rules, q, q_edn_sources, Explain,
    InputValue, PullMap, QueryResult,
};
use datolite_store::Db;

use crate::Result;

/// Queries on a snapshot. `use datolite::DbQueries;` to call them on a [`Db`].
pub trait DbQueries {
    /// Runs a Datomic-dialect query (EDN text). `inputs` follow `:in` in order, with
    /// `InputValue::Db` for `$`; use [`DbQueries::q_rules`] when the query takes rules (`%`).
    fn q(&self, query: &str, inputs: &[InputValue]) -> Result<QueryResult>;

    /// Like [`DbQueries::q`], with the rules (EDN text) that `%` stands for.
    fn q_rules(&self, query: &str, inputs: &[InputValue], rules: &str) -> Result<QueryResult>;

    /// Runs a query with arguments as EDN text, one per non-source `:in` element (`$` is this
    /// snapshot), as the command line passes them: `q_edn(query, &["\"Ivan\"", "[1 2]"])`.
    fn q_edn(&self, query: &str, args: &[&str]) -> Result<QueryResult>;

    /// The plan the query would run with these EDN arguments (as [`DbQueries::q_edn`] takes
    /// them), as text: one line per node with index, bound components, join method and
    /// estimated rows, nested bodies indented; with `analyze` the query runs and each line also
    /// gives the actual rows and time.
    fn explain(&self, query: &str, args: &[&str], analyze: bool) -> Result<String>;

    /// [`DbQueries::explain`] as a tree ([`Explain`]; `to_json()` for tools).
    fn explain_plan(&self, query: &str, args: &[&str], analyze: bool) -> Result<Explain>;

    /// Datomic's `pull`: entity `entity` (EDN: an id, an ident or a lookup ref
    /// `[:person/email "a@b"]`) as a map shaped by `pattern` (EDN: `[:person/name
    /// {:person/friends [:person/name]}]`); `None` when the entity has none of the pattern's
    /// attributes.
    fn pull(&self, entity: &str, pattern: &str) -> Result<Option<PullMap>>;

    /// [`DbQueries::pull`] of entity ids, in order, on one snapshot (Datomic's `pull-many`).
    fn pull_many(&self, entities: &[u64], pattern: &str) -> Result<Vec<Option<PullMap>>>;

    /// [`DbQueries::q_edn`] with named sources bound to other values of this database:
    /// `db.q_edn_sources("[:find … :in $ $before …]", &[], &[("$before".into(), db.as_of(p)?)])`.
    fn q_edn_sources(
        &self,
        query: &str,
        args: &[&str],
        sources: &[(String, Db)],
    ) -> Result<QueryResult>;

    /// [`DbQueries::explain_plan`] with named sources, as [`DbQueries::q_edn_sources`] takes
    /// them.
    fn explain_plan_sources(
        &self,
        query: &str,
        args: &[&str],
        sources: &[(String, Db)],
        analyze: bool,
    ) -> Result<Explain>;
}

fn edn_args(args: &[&str]) -> Result<Vec<edn::Edn>> {
    Ok(args
        .iter()
        .map(|a| edn::parse(a))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(datolite_query::QueryError::from)?)
}

impl DbQueries for Db {
    fn q(&self, query: &str, inputs: &[InputValue]) -> Result<QueryResult> {
        Ok(q(self, &parse_query(query)?, inputs, &[])?)
    }

    fn q_rules(&self, query: &str, inputs: &[InputValue], rules: &str) -> Result<QueryResult> {
        Ok(q(self, &parse_query(query)?, inputs, &parse_rules(rules)?)?)
    }

    fn q_edn(&self, query: &str, args: &[&str]) -> Result<QueryResult> {
        self.q_edn_sources(query, args, &[])
    }

    fn explain(&self, query: &str, args: &[&str], analyze: bool) -> Result<String> {
        Ok(self.explain_plan(query, args, analyze)?.to_string())
    }

    fn explain_plan(&self, query: &str, args: &[&str], analyze: bool) -> Result<Explain> {
        self.explain_plan_sources(query, args, &[], analyze)
    }

    fn q_edn_sources(
        &self,
        query: &str,
        args: &[&str],
        sources: &[(String, Db)],
    ) -> Result<QueryResult> {
        Ok(q_edn_sources(self, query, &edn_args(args)?, sources)?)
    }

    fn pull(&self, entity: &str, pattern: &str) -> Result<Option<PullMap>> {
        let entity = edn::parse(entity).map_err(datolite_query::QueryError::from)?;
        let e = datolite_query::entity_of(self, &entity)?;
        Ok(datolite_query::pull(self, e, &parse_pull(pattern)?)?)
    }

    fn pull_many(&self, entities: &[u64], pattern: &str) -> Result<Vec<Option<PullMap>>> {
        Ok(datolite_query::pull_many(
            self,
            entities,
            &parse_pull(pattern)?,
        )?)
    }

    fn explain_plan_sources(
        &self,
        query: &str,
        args: &[&str],
        sources: &[(String, Db)],
        analyze: bool,
    ) -> Result<Explain> {
        Ok(explain_plan_edn_sources(
            self,
            query,
            &edn_args(args)?,
            sources,
            analyze,
        )?)
    }
}
