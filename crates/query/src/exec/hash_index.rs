//! Rows indexed by one cell's hash key, for hash joins: the rows with equal keys are chained
//! through one `next` array instead of each key owning a vector — building the index allocates
//! twice however many keys there are, and a probe walks the chain in row order.
//!
//! Invariant: `heads[k]` is the first row (in row order) whose key is `k`, and `next[i]` the
//! next row after `i` with the same key ([`END`] after the last).

use rustc_hash::FxHashMap;

use crate::exec::val::HashKey;

/// The end of a chain.
const END: usize = usize::MAX;

/// Row numbers by key (see the module documentation).
pub(crate) struct HashIndex {
    heads: FxHashMap<HashKey, usize>,
    next: Vec<usize>,
}

impl HashIndex {
    /// The index of `keys`, the key of row `i` being the `i`-th.
    pub(crate) fn new(keys: impl Iterator<Item = HashKey>) -> HashIndex {
        let keys: Vec<HashKey> = keys.collect();
        let n = keys.len();
        let mut heads: FxHashMap<HashKey, usize> = FxHashMap::default();
        heads.reserve(n);
        let mut next = vec![END; n];
        // Built from the last row back, so that every chain runs in row order.
        for (i, key) in keys.into_iter().enumerate().rev() {
            match heads.entry(key) {
                std::collections::hash_map::Entry::Occupied(mut e) => {
                    next[i] = *e.get();
                    *e.get_mut() = i;
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
        HashIndex { heads, next }
    }

    /// The rows whose key is `key`, in row order.
    pub(crate) fn rows(&self, key: &HashKey) -> impl Iterator<Item = usize> + '_ {
        let mut at = self.heads.get(key).copied().unwrap_or(END);
        std::iter::from_fn(move || {
            (at != END).then(|| {
                let i = at;
                at = self.next[i];
                i
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::HashIndex;
    use crate::exec::val::Val;

    #[test]
    fn rows_with_equal_keys_come_back_in_row_order() {
        let cells = [3, 1, 3, 2, 3, 1].map(Val::Ref);
        let index = HashIndex::new(cells.iter().map(Val::hash_key));
        let rows = |n: u64| index.rows(&Val::Ref(n).hash_key()).collect::<Vec<_>>();
        assert_eq!(rows(3), [0, 2, 4]);
        assert_eq!(rows(1), [1, 5]);
        assert_eq!(rows(2), [3]);
        assert!(rows(7).is_empty());
        // Numbers of other types meet by value, as joins unify them.
        assert_eq!(index.rows(&Val::Long(1).hash_key()).count(), 2);
    }
}
