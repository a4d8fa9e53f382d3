//! Entity ids and their partitions.
//!
//! Ids are `u64` split Datomic-style into a partition (the bits from 42 up) and a counter, so the
//! numbers users see look familiar (`17592186045418` is user entity 1002) and each kind of entity
//! sorts in its own block of every index:
//!
//! - partition 0, `db`: attributes and other schema idents. Attribute ids stay below 2^32, so an
//!   attribute's entity id *is* its dense `u32` key id.
//! - partition 3, `tx`: transaction entities; the `T` of a datom is its transaction's entity id.
//! - partition 4, `user`: everything users create.

/// Bits below the partition.
pub const PARTITION_SHIFT: u32 = 42;
/// The schema partition.
pub const PART_DB: u64 = 0;
/// The transaction partition.
pub const PART_TX: u64 = 3;
/// The user partition.
pub const PART_USER: u64 = 4;

/// The entity id of the `n`-th entity of `partition`.
pub const fn entity_in(partition: u64, n: u64) -> u64 {
    (partition << PARTITION_SHIFT) | n
}

/// The partition an entity id belongs to.
pub const fn partition_of(entity: u64) -> u64 {
    entity >> PARTITION_SHIFT
}

/// The entity id of transaction `t` (transactions are numbered from 1).
pub const fn tx_entity(t: u64) -> u64 {
    entity_in(PART_TX, t)
}

/// The transaction number `t` of a transaction entity id.
pub const fn tx_t(tx: u64) -> u64 {
    tx & ((1 << PARTITION_SHIFT) - 1)
}
