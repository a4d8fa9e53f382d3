//! `not` / `not-join` and `or` / `or-join` steps: each body's plan (made with the step's, for
//! rows binding the join variables the input binds) runs once per step over the distinct join
//! tuples of the whole input (a body's answer for a row depends only on the row's join
//! variables), then the result is joined back.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::ast::Var;
use crate::error::Result;
use crate::exec::rel::Rel;
use crate::exec::val::Val;
use crate::exec::Exec;
use crate::plan::Plan;

impl Exec<'_> {
    /// `not` / `not-join`: the body runs once over the distinct tuples of the key variables the
    /// input binds; rows whose tuple the body satisfies are dropped.
    pub(crate) fn anti_join(&self, rel: Rel, keys: &[Var], body: &Plan<'_>) -> Result<Rel> {
        let cols: Vec<usize> = keys.iter().filter_map(|v| rel.col(v)).collect();
        let start = rel.distinct_projection(&cols);
        let k = cols.len();
        let res = self.run_plan(start, body)?;
        let hits: FxHashSet<&[Val]> = res.rows().map(|r| &r[..k]).collect();
        let mut out = Rel::empty(rel.vars().to_vec());
        let mut key = Vec::with_capacity(k);
        for row in rel.rows() {
            key.clear();
            key.extend(cols.iter().map(|&c| row[c].clone()));
            if !hits.contains(key.as_slice()) {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// `or` / `or-join`: each branch runs once over the distinct tuples of the target
    /// variables the input binds; their union is joined back on those variables and binds the
    /// targets the input did not.
    pub(crate) fn union(&self, rel: Rel, targets: &[Var], branches: &[Plan<'_>]) -> Result<Rel> {
        let cols: Vec<usize> = targets.iter().filter_map(|v| rel.col(v)).collect();
        let k = cols.len();
        let start = rel.distinct_projection(&cols);
        let mut results = Vec::new();
        for branch in branches {
            let res = self.run_plan(start.clone(), branch)?;
            if !res.is_empty() {
                results.push(res);
            }
        }
        // The targets every non-empty branch result binds.
        let new_vars: Vec<Var> = targets
            .iter()
            .filter(|v| rel.col(v).is_none() && results.iter().all(|r| r.col(v).is_some()))
            .cloned()
            .collect();
        let mut matches: FxHashMap<Vec<Val>, Vec<Vec<Val>>> = FxHashMap::default();
        let mut seen: FxHashSet<Vec<Val>> = FxHashSet::default();
        for res in &results {
            let new_cols: Vec<usize> = new_vars.iter().filter_map(|v| res.col(v)).collect();
            for row in res.rows() {
                let mut t: Vec<Val> = row[..k].to_vec();
                t.extend(new_cols.iter().map(|&c| row[c].clone()));
                if seen.insert(t.clone()) {
                    let extra = t.split_off(k);
                    matches.entry(t).or_default().push(extra);
                }
            }
        }
        let mut vars = rel.vars().to_vec();
        vars.extend(new_vars);
        let mut out = Rel::empty(vars);
        let mut key = Vec::with_capacity(k);
        for row in rel.rows() {
            key.clear();
            key.extend(cols.iter().map(|&c| row[c].clone()));
            for extra in matches.get(&key).into_iter().flatten() {
                out.push_extended(row, extra);
            }
        }
        Ok(out)
    }
}
