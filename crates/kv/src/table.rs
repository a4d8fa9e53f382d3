//! The fixed set of tables every engine provides.

/// One named table (an LMDB named database, a `BTreeMap` in the memory engine).
///
/// The set is closed on purpose: engines can keep their handles in an array indexed by
/// [`Table::index`] and never look a name up on a hot path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// Entity, attribute, value, transaction — the row-oriented covering index.
    Eavt,
    /// Attribute, entity, value, transaction — the column-oriented covering index.
    Aevt,
    /// Attribute, value, entity, transaction — lookups and ranges by value.
    Avet,
    /// Value (ref), attribute, entity, transaction — reverse references; ref attributes only.
    Vaet,
    /// Transaction log: every assertion and retraction in transaction order.
    Log,
    /// Values too long to stay inline in a key: hash-suffixed key prefix → full value.
    Values,
    /// Exact statistics: per-attribute counters and min/max values.
    Stats,
    /// Small metadata: format version, id counters, basis t.
    Meta,
    /// EAVT keys of retracted datoms (T = the asserting transaction) → the retracting
    /// transaction: the history half of EAVT.
    EavtHistory,
    /// AEVT keys of retracted datoms → the retracting transaction.
    AevtHistory,
    /// AVET keys of retracted datoms → the retracting transaction.
    AvetHistory,
    /// VAET keys of retracted references → the retracting transaction.
    VaetHistory,
}

impl Table {
    /// Every table, in [`Table::index`] order.
    pub const ALL: [Table; 12] = [
        Table::Eavt,
        Table::Aevt,
        Table::Avet,
        Table::Vaet,
        Table::Log,
        Table::Values,
        Table::Stats,
        Table::Meta,
        Table::EavtHistory,
        Table::AevtHistory,
        Table::AvetHistory,
        Table::VaetHistory,
    ];

    /// Dense index of the table, `0..Table::ALL.len()`.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The table's name inside the engine (LMDB database name).
    pub fn name(self) -> &'static str {
        match self {
            Table::Eavt => "eavt",
            Table::Aevt => "aevt",
            Table::Avet => "avet",
            Table::Vaet => "vaet",
            Table::Log => "log",
            Table::Values => "values",
            Table::Stats => "stats",
            Table::Meta => "meta",
            Table::EavtHistory => "eavt_history",
            Table::AevtHistory => "aevt_history",
            Table::AvetHistory => "avet_history",
            Table::VaetHistory => "vaet_history",
        }
    }
}
