//! Shared cells for repeated strings (and keywords, UUIDs, bytes): a value read again during
//! one query becomes a clone of the cell made the first time, skipping its validation and two
//! allocations (and sharing the memory).
//!
//! Columns of few distinct values (names, categories, keywords) are common and each of their
//! datoms would otherwise decode into a fresh cell. Columns of unique values gain nothing, so
//! the interner stops looking once its first lookups have mostly missed, and stops adding once
//! it holds [`MAX_ENTRIES`] values: its cost is bounded either way.

use std::rc::Rc;

use rustc_hash::FxHashMap;

/// Values kept at most.
const MAX_ENTRIES: usize = 4096;
/// Lookups after which the hit rate is judged.
const TRIAL_LOOKUPS: u32 = 1024;

/// Encoded value → the cell bytes made for it first.
#[derive(Default)]
pub(crate) struct Interner {
    cells: FxHashMap<Box<[u8]>, Rc<Box<[u8]>>>,
    lookups: u32,
    hits: u32,
    /// Set once the trial showed most values do not repeat.
    off: bool,
}

impl Interner {
    /// The cell made before for `encoded`, if any (and the interner is still on).
    #[inline]
    pub(crate) fn get(&mut self, encoded: &[u8]) -> Option<Rc<Box<[u8]>>> {
        if self.off {
            return None;
        }
        let found = self.cells.get(encoded).cloned();
        if self.lookups < TRIAL_LOOKUPS {
            self.lookups += 1;
            self.hits += u32::from(found.is_some());
            if self.lookups == TRIAL_LOOKUPS && self.hits < TRIAL_LOOKUPS / 2 {
                self.off = true;
                self.cells = FxHashMap::default();
            }
        }
        found
    }

    /// Remembers the cell made for `encoded`.
    #[inline]
    pub(crate) fn insert(&mut self, encoded: &[u8], cell: &Rc<Box<[u8]>>) {
        if !self.off && self.cells.len() < MAX_ENTRIES {
            self.cells.insert(Box::from(encoded), Rc::clone(cell));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_values_share_one_cell() {
        let mut interner = Interner::default();
        assert!(interner.get(b"\x05Ivan").is_none());
        let cell = Rc::new(Box::from(&b"\x05Ivan"[..]));
        interner.insert(b"\x05Ivan", &cell);
        let again = interner.get(b"\x05Ivan").expect("interned");
        assert!(Rc::ptr_eq(&cell, &again));
    }

    #[test]
    fn unique_values_turn_it_off() {
        let mut interner = Interner::default();
        for i in 0..TRIAL_LOOKUPS {
            let key = i.to_be_bytes();
            assert!(interner.get(&key).is_none());
            interner.insert(&key, &Rc::new(Box::from(&key[..])));
        }
        assert!(interner.off);
        assert!(interner.cells.is_empty());
        // Off: nothing is kept or found any more.
        let key = 0u32.to_be_bytes();
        interner.insert(&key, &Rc::new(Box::from(&key[..])));
        assert!(interner.get(&key).is_none());
    }
}
