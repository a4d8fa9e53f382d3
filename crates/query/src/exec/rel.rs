//! A relation: rows of cells over one list of variables, stored flat.
//!
//! Every row binds every variable of the relation (the planner's steps bind the same
//! variables in every row), so a row is a fixed-width slice and a variable is a column index
//! found once per step instead of a name looked up per row.

use std::collections::BTreeSet;
use std::hash::BuildHasher;

use crate::ast::Var;
use crate::exec::val::Val;

/// Rows over `vars`, row-major.
#[derive(Clone, Debug)]
pub(crate) struct Rel {
    vars: Vec<Var>,
    cells: Vec<Val>,
    len: usize,
}

impl Rel {
    /// No rows over `vars`.
    pub(crate) fn empty(vars: Vec<Var>) -> Rel {
        Rel {
            vars,
            cells: Vec::new(),
            len: 0,
        }
    }

    /// The one row over no variables (the start of a clause list).
    pub(crate) fn unit() -> Rel {
        Rel {
            vars: Vec::new(),
            cells: Vec::new(),
            len: 1,
        }
    }

    /// The variables, in column order.
    pub(crate) fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// The variables as a set (what the planner calls bound).
    pub(crate) fn var_set(&self) -> BTreeSet<Var> {
        self.vars.iter().cloned().collect()
    }

    /// The column of `var`, if the relation binds it.
    pub(crate) fn col(&self, var: &Var) -> Option<usize> {
        self.vars.iter().position(|v| v == var)
    }

    /// Row count.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Row `i`.
    pub(crate) fn row(&self, i: usize) -> &[Val] {
        let w = self.vars.len();
        &self.cells[i * w..(i + 1) * w]
    }

    /// Every row, in order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = &[Val]> + '_ {
        (0..self.len).map(|i| self.row(i))
    }

    /// Appends a row of exactly the relation's width.
    pub(crate) fn push(&mut self, row: &[Val]) {
        debug_assert_eq!(row.len(), self.vars.len());
        self.cells.extend_from_slice(row);
        self.len += 1;
    }

    /// Appends `base` followed by `extra` (a row extended by a step's new variables).
    pub(crate) fn push_extended(&mut self, base: &[Val], extra: &[Val]) {
        debug_assert_eq!(base.len() + extra.len(), self.vars.len());
        self.cells.extend_from_slice(base);
        self.cells.extend_from_slice(extra);
        self.len += 1;
    }

    /// Keeps the rows for which `keep` is true, in place.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&[Val]) -> bool) {
        let w = self.vars.len();
        let mut kept = 0;
        for i in 0..self.len {
            if keep(&self.cells[i * w..(i + 1) * w]) {
                if kept != i {
                    for j in 0..w {
                        self.cells.swap(kept * w + j, i * w + j);
                    }
                }
                kept += 1;
            }
        }
        self.cells.truncate(kept * w);
        self.len = kept;
    }

    /// Appends `base` followed by the cells `extend` pushes (exactly the missing width).
    #[inline]
    pub(crate) fn push_with<E>(
        &mut self,
        base: &[Val],
        extend: impl FnOnce(&mut Vec<Val>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.cells.extend_from_slice(base);
        extend(&mut self.cells)?;
        debug_assert_eq!(self.cells.len(), (self.len + 1) * self.vars.len());
        self.len += 1;
        Ok(())
    }

    /// Appends every row of `other` (a batch over the same variables; a relation without
    /// rows yet takes the batch's variables).
    pub(crate) fn append(&mut self, other: Rel) {
        if self.len == 0 {
            *self = other;
            return;
        }
        debug_assert_eq!(self.vars, other.vars);
        self.cells.extend(other.cells);
        self.len += other.len;
    }

    /// Appends the projection onto `cols` of every row of `rel` (a relation over this one's
    /// variables in `cols` order).
    pub(crate) fn push_projections(&mut self, rel: &Rel, cols: &[usize]) {
        debug_assert_eq!(cols.len(), self.vars.len());
        self.cells.reserve(rel.len * cols.len());
        for row in rel.rows() {
            self.cells.extend(cols.iter().map(|&c| row[c].clone()));
        }
        self.len += rel.len;
    }

    /// Takes the rows out, leaving the relation empty over the same variables.
    pub(crate) fn take_rows(&mut self) -> Rel {
        // The next batch is likely as large: it starts with this one's room.
        let room = self.cells.capacity();
        let cells = std::mem::replace(&mut self.cells, Vec::with_capacity(room));
        Rel {
            vars: self.vars.clone(),
            cells,
            len: std::mem::replace(&mut self.len, 0),
        }
    }

    /// The rows projected onto `cols`, duplicates removed (first occurrence kept, exact
    /// identity), over the matching variables.
    pub(crate) fn distinct_projection(&self, cols: &[usize]) -> Rel {
        let mut set = Distinct::new(self.vars(), cols);
        set.add(self);
        set.into_rel()
    }
}

/// A distinct projection built a batch at a time: what a relation's rows leave on some of its
/// columns, duplicates removed (first occurrence kept, exact identity). Only the projected set
/// is held, never the rows it came from.
pub(crate) struct Distinct {
    cols: Vec<usize>,
    out: Rel,
    /// Indices into `out` with their cells' hash (kept so that growing the table never hashes
    /// a row again).
    seen: hashbrown::HashTable<(u64, usize)>,
}

impl Distinct {
    /// An empty set projecting rows over `vars` onto `cols`.
    pub(crate) fn new(vars: &[Var], cols: &[usize]) -> Distinct {
        Distinct {
            cols: cols.to_vec(),
            out: Rel::empty(cols.iter().map(|&c| vars[c].clone()).collect()),
            seen: hashbrown::HashTable::new(),
        }
    }

    /// Adds the projections of `rel`'s rows.
    pub(crate) fn add(&mut self, rel: &Rel) {
        let out = &mut self.out;
        let w = self.cols.len();
        let hasher = rustc_hash::FxBuildHasher;
        for row in rel.rows() {
            // Pushed, then dropped again when an equal projection was kept before.
            let at = out.len;
            out.cells.extend(self.cols.iter().map(|&c| row[c].clone()));
            let cells = &out.cells;
            let new = &cells[at * w..];
            let hash = hasher.hash_one(new);
            let row_of = |i: usize| &cells[i * w..(i + 1) * w];
            if self
                .seen
                .find(hash, |&(h, i)| h == hash && row_of(i) == new)
                .is_some()
            {
                out.cells.truncate(at * w);
            } else {
                self.seen.insert_unique(hash, (hash, at), |&(h, _)| h);
                out.len += 1;
            }
        }
    }

    /// The set, as a relation over the projected variables.
    pub(crate) fn into_rel(self) -> Rel {
        self.out
    }
}

impl Rel {
    /// The relation with one more column `var` holding `cells` (one per row).
    pub(crate) fn with_column(self, var: Var, cells: Vec<Val>) -> Rel {
        let w = self.vars.len();
        let mut vars = self.vars;
        vars.push(var);
        let mut out = Rel::empty(vars);
        for (i, cell) in cells.into_iter().enumerate().take(self.len) {
            out.cells.extend_from_slice(&self.cells[i * w..(i + 1) * w]);
            out.cells.push(cell);
            out.len += 1;
        }
        out
    }

    /// The relation without the `n` columns starting at `start`.
    pub(crate) fn drop_columns(self, start: usize, n: usize) -> Rel {
        if n == 0 {
            return self;
        }
        let w = self.vars.len();
        let end = (start + n).min(w);
        let mut vars = self.vars;
        vars.drain(start..end);
        let mut out = Rel::empty(vars);
        for i in 0..self.len {
            let row = &self.cells[i * w..(i + 1) * w];
            out.cells.extend_from_slice(&row[..start]);
            out.cells.extend_from_slice(&row[end..]);
            out.len += 1;
        }
        out
    }
}
