//! Datalog queries on snapshots: `snapshot.q(query, inputs)`.

use datolite_edn as edn;
use datolite_query::{
    explain_plan_edn_limited, parse_pull, parse_query, parse_rules, q, q_edn_limited, Explain,
    InputValue, PullMap, QueryOptions, QueryResult,
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

    /// The id of the entity `entity` names (EDN: an id, an ident or a lookup ref
    /// `[:person/email "a@b"]`), as Datomic's `entid`; an unknown ident or a lookup ref that
    /// matches nothing is an error naming it.
    fn entid(&self, entity: &str) -> Result<u64>;

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

    /// [`DbQueries::q_edn_sources`] within `limits`: a time limit, a limit on the rows any
    /// step makes, cancellation from another thread ([`QueryOptions`], [`crate::Cancel`]).
    /// Going past one fails with [`crate::QueryError::Limit`], naming the step.
    fn q_edn_limited(
        &self,
        query: &str,
        args: &[&str],
        sources: &[(String, Db)],
        limits: &QueryOptions,
    ) -> Result<QueryResult>;

    /// [`DbQueries::explain_plan_sources`] within `limits` (which matter with `analyze`: it
    /// runs the query).
    fn explain_plan_limited(
        &self,
        query: &str,
        args: &[&str],
        sources: &[(String, Db)],
        analyze: bool,
        limits: &QueryOptions,
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
        self.q_edn_limited(query, args, sources, &QueryOptions::default())
    }

    fn q_edn_limited(
        &self,
        query: &str,
        args: &[&str],
        sources: &[(String, Db)],
        limits: &QueryOptions,
    ) -> Result<QueryResult> {
        Ok(q_edn_limited(
            self,
            query,
            &edn_args(args)?,
            sources,
            limits,
        )?)
    }

    fn pull(&self, entity: &str, pattern: &str) -> Result<Option<PullMap>> {
        let e = self.entid(entity)?;
        Ok(datolite_query::pull(self, e, &parse_pull(pattern)?)?)
    }

    fn entid(&self, entity: &str) -> Result<u64> {
        let entity = edn::parse(entity).map_err(datolite_query::QueryError::from)?;
        Ok(datolite_query::entity_of(self, &entity)?)
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
        let limits = QueryOptions::default();
        self.explain_plan_limited(query, args, sources, analyze, &limits)
    }

    fn explain_plan_limited(
        &self,
        query: &str,
        args: &[&str],
        sources: &[(String, Db)],
        analyze: bool,
        limits: &QueryOptions,
    ) -> Result<Explain> {
        let args = edn_args(args)?;
        Ok(explain_plan_edn_limited(
            self, query, &args, sources, analyze, limits,
        )?)
    }
}
