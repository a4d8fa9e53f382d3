//! Index keys: each index stores every datom once, as the key itself (values are empty).
//!
//! ```text
//! EAVT  [E u64][A u32][V tagged][T u64]
//! AEVT  [A u32][E u64][V tagged][T u64]
//! AVET  [A u32][V tagged][E u64][T u64]
//! VAET  [V tagged ref][A u32][E u64][T u64]      ref attributes only
//! LOG   [T u64][op u8][E u64][A u32][V tagged]   op: 0 retraction, 1 assertion
//! ```
//! Integers are big-endian so byte order is numeric order. Because every component but `V` has
//! a fixed width, `V` is located by arithmetic on the key length — decoding never parses a
//! terminator. (VAET keeps the value's tag byte, one byte more than strictly needed, so that
//! every index hands the executor the same tagged value encoding — `docs/design.md`, §4 Key
//! layout.)

use datolite_kv::Table;

use super::DecodeError;

/// A current-state covering index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Index {
    /// Entity, attribute, value, tx.
    Eavt,
    /// Attribute, entity, value, tx.
    Aevt,
    /// Attribute, value, entity, tx.
    Avet,
    /// Value (ref), attribute, entity, tx.
    Vaet,
}

impl Index {
    /// Every index.
    pub const ALL: [Index; 4] = [Index::Eavt, Index::Aevt, Index::Avet, Index::Vaet];

    /// The engine table holding this index.
    pub fn table(self) -> Table {
        match self {
            Index::Eavt => Table::Eavt,
            Index::Aevt => Table::Aevt,
            Index::Avet => Table::Avet,
            Index::Vaet => Table::Vaet,
        }
    }

    /// The engine table holding this index's history: the keys of its retracted datoms, each
    /// with the retracting transaction as its value (`docs/design.md`, §4.7 History).
    pub fn history_table(self) -> Table {
        match self {
            Index::Eavt => Table::EavtHistory,
            Index::Aevt => Table::AevtHistory,
            Index::Avet => Table::AvetHistory,
            Index::Vaet => Table::VaetHistory,
        }
    }

    /// Lower-case name (`eavt`).
    pub fn name(self) -> &'static str {
        self.table().name()
    }

    /// The index named `name` (case-insensitive).
    pub fn parse(name: &str) -> Option<Index> {
        Index::ALL
            .into_iter()
            .find(|i| i.name().eq_ignore_ascii_case(name))
    }

    /// The order in which this index lays out components.
    pub fn components(self) -> [Component; 4] {
        use Component::*;
        match self {
            Index::Eavt => [E, A, V, T],
            Index::Aevt => [A, E, V, T],
            Index::Avet => [A, V, E, T],
            Index::Vaet => [V, A, E, T],
        }
    }
}

/// One component of a datom key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    /// Entity.
    E,
    /// Attribute.
    A,
    /// Value.
    V,
    /// Transaction.
    T,
}

/// A datom as it sits in a key: ids decoded, the value still encoded (late materialization).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawDatom<'a> {
    /// Entity.
    pub e: u64,
    /// Attribute key id (= the attribute's entity id).
    pub a: u32,
    /// The tagged value encoding.
    pub v: &'a [u8],
    /// Transaction entity.
    pub tx: u64,
    /// Whether the datom is an assertion: always in the current-state indexes; `false` for the
    /// retractions a history view reads.
    pub added: bool,
}

#[inline]
fn u64_at(key: &[u8], at: usize) -> u64 {
    let mut buf = [0u8; 8];
    buf.copy_from_slice(&key[at..at + 8]);
    u64::from_be_bytes(buf)
}

#[inline]
fn u32_at(key: &[u8], at: usize) -> u32 {
    let mut buf = [0u8; 4];
    buf.copy_from_slice(&key[at..at + 4]);
    u32::from_be_bytes(buf)
}

/// Bytes of the fixed components of a datom key (E 8 + A 4 + T 8).
pub const FIXED_LEN: usize = 20;
/// Length of an encoded ref value (tag + u64).
const REF_LEN: usize = 9;

/// Appends the key of `(e, a, v, tx)` in `index` to `out`.
pub fn encode_key(index: Index, e: u64, a: u32, v: &[u8], tx: u64, out: &mut Vec<u8>) {
    out.reserve(FIXED_LEN + v.len());
    match index {
        Index::Eavt => {
            out.extend_from_slice(&e.to_be_bytes());
            out.extend_from_slice(&a.to_be_bytes());
            out.extend_from_slice(v);
        }
        Index::Aevt => {
            out.extend_from_slice(&a.to_be_bytes());
            out.extend_from_slice(&e.to_be_bytes());
            out.extend_from_slice(v);
        }
        Index::Avet => {
            out.extend_from_slice(&a.to_be_bytes());
            out.extend_from_slice(v);
            out.extend_from_slice(&e.to_be_bytes());
        }
        Index::Vaet => {
            out.extend_from_slice(v);
            out.extend_from_slice(&a.to_be_bytes());
            out.extend_from_slice(&e.to_be_bytes());
        }
    }
    out.extend_from_slice(&tx.to_be_bytes());
}

/// Decodes a key of `index`.
#[inline(always)]
pub fn decode_key(index: Index, key: &[u8]) -> Result<RawDatom<'_>, DecodeError> {
    let len = key.len();
    if len < FIXED_LEN + 2 {
        return Err(DecodeError("index key too short"));
    }
    let tx = u64_at(key, len - 8);
    Ok(match index {
        Index::Eavt => RawDatom {
            e: u64_at(key, 0),
            a: u32_at(key, 8),
            v: &key[12..len - 8],
            tx,
            added: true,
        },
        Index::Aevt => RawDatom {
            a: u32_at(key, 0),
            e: u64_at(key, 4),
            v: &key[12..len - 8],
            tx,
            added: true,
        },
        Index::Avet => RawDatom {
            a: u32_at(key, 0),
            v: &key[4..len - 16],
            e: u64_at(key, len - 16),
            tx,
            added: true,
        },
        Index::Vaet => {
            if len != REF_LEN + FIXED_LEN {
                return Err(DecodeError("vaet key of the wrong length"));
            }
            RawDatom {
                v: &key[..REF_LEN],
                a: u32_at(key, REF_LEN),
                e: u64_at(key, REF_LEN + 4),
                tx,
                added: true,
            }
        }
    })
}

/// The entity id of a key of `index`, without decoding anything else (key-only scans).
#[inline]
pub fn key_entity(index: Index, key: &[u8]) -> u64 {
    match index {
        Index::Eavt => u64_at(key, 0),
        Index::Aevt => u64_at(key, 4),
        Index::Avet => u64_at(key, key.len() - 16),
        Index::Vaet => u64_at(key, REF_LEN + 4),
    }
}

/// Op byte of a retraction in the log.
pub const LOG_RETRACT: u8 = 0;
/// Op byte of an assertion in the log.
pub const LOG_ASSERT: u8 = 1;

/// Appends the sortable form of one log entry, `[tx u64][op u8][e u64][a u32][v tagged]`: a
/// transaction sorts its log entries by it before packing them (`log.rs`), and it was the log
/// key itself up to format 3 (read again only to upgrade such a database).
pub fn encode_log_key(tx: u64, added: bool, e: u64, a: u32, v: &[u8], out: &mut Vec<u8>) {
    out.reserve(FIXED_LEN + 1 + v.len());
    out.extend_from_slice(&tx.to_be_bytes());
    out.push(if added { LOG_ASSERT } else { LOG_RETRACT });
    out.extend_from_slice(&e.to_be_bytes());
    out.extend_from_slice(&a.to_be_bytes());
    out.extend_from_slice(v);
}

/// Decodes the sortable form of a log entry ([`encode_log_key`]) into the datom and whether it
/// was an assertion.
pub fn decode_log_key(key: &[u8]) -> Result<(RawDatom<'_>, bool), DecodeError> {
    if key.len() < FIXED_LEN + 3 {
        return Err(DecodeError("log key too short"));
    }
    let added = match key[8] {
        LOG_ASSERT => true,
        LOG_RETRACT => false,
        _ => return Err(DecodeError("log key with an unknown op")),
    };
    Ok((
        RawDatom {
            tx: u64_at(key, 0),
            e: u64_at(key, 9),
            a: u32_at(key, 17),
            v: &key[21..],
            added,
        },
        added,
    ))
}

/// Builds key prefixes from leading components.
#[derive(Clone, Debug, Default)]
pub struct Prefix {
    bytes: Vec<u8>,
}

impl Prefix {
    /// An empty prefix (the whole index).
    pub fn new() -> Self {
        Prefix::default()
    }

    /// Appends an entity or transaction id.
    pub fn id(mut self, id: u64) -> Self {
        self.bytes.extend_from_slice(&id.to_be_bytes());
        self
    }

    /// Appends an attribute id.
    pub fn attr(mut self, a: u32) -> Self {
        self.bytes.extend_from_slice(&a.to_be_bytes());
        self
    }

    /// Appends an encoded value.
    pub fn value(mut self, v: &[u8]) -> Self {
        self.bytes.extend_from_slice(v);
        self
    }

    /// The prefix bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The prefix bytes, borrowed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}
