//! Errors of the datom layer, phrased for the person who sent the data.

use datolite_kv::KvError;

use datolite_edn::EdnError;

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything that can go wrong when reading or writing datoms.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine failed (I/O, locking, a missing directory, …).
    #[error(transparent)]
    Kv(#[from] KvError),
    /// A transaction could not be committed because the disk is full; the database is as of
    /// `basis_t`, every transaction up to it intact.
    #[error("{source} (the database is as of t = {basis_t})")]
    NotCommitted {
        /// The engine's error (`KvError::DiskFull`).
        source: KvError,
        /// The last transaction committed.
        basis_t: u64,
    },
    /// The EDN text could not be read.
    #[error("malformed EDN: {0}")]
    Edn(#[from] EdnError),
    /// Transaction data has the wrong shape.
    #[error("invalid transaction data: {0}")]
    InvalidTxData(String),
    /// An attribute is not in the schema (strict schema, or a read of an unknown attribute).
    #[error("unknown attribute :{0}")]
    UnknownAttribute(String),
    /// A keyword used as an entity or ref value names no entity.
    #[error("unknown ident :{0}")]
    UnknownIdent(String),
    /// A value does not have the attribute's declared type.
    #[error("type mismatch for :{attribute}: expected a {expected}, got {got}")]
    TypeMismatch {
        /// The attribute.
        attribute: String,
        /// Its declared type.
        expected: String,
        /// The offending value, printed.
        got: String,
    },
    /// A unique attribute value is already held by another entity.
    #[error("unique conflict: :{attribute} {value} already belongs to entity {existing}, cannot assert it for entity {entity}")]
    UniqueViolation {
        /// The attribute.
        attribute: String,
        /// The value, printed.
        value: String,
        /// The entity holding it.
        existing: u64,
        /// The entity that tried to take it.
        entity: u64,
    },
    /// A lookup ref matches no entity.
    #[error("lookup ref [:{attribute} {value}] matches no entity")]
    LookupRefNotFound {
        /// The attribute.
        attribute: String,
        /// The value, printed.
        value: String,
    },
    /// A tempid is used in a retraction but never asserted, so it names nothing.
    #[error("tempid {0} is only used in retractions; it does not name an existing entity")]
    UnresolvedTempid(String),
    /// Two different values for a cardinality-one attribute of one entity in one transaction.
    #[error("conflict: entity {entity} gets two values for cardinality-one :{attribute} in one transaction: {first} and {second}")]
    CardinalityConflict {
        /// The entity.
        entity: u64,
        /// The attribute.
        attribute: String,
        /// One value.
        first: String,
        /// The other.
        second: String,
    },
    /// A schema definition is invalid.
    #[error("invalid schema: {0}")]
    Schema(String),
    /// An entity id that was never allocated (or a built-in id that names nothing).
    #[error("entity {0} does not exist; to create an entity use a tempid (a string such as \"new\" or a negative number)")]
    UnknownEntity(u64),
    /// The transaction writes onto a built-in entity (a system attribute, a type, cardinality,
    /// uniqueness or partition ident).
    #[error("entity {entity} ({ident}) is built in and read-only")]
    ReadOnly {
        /// The built-in entity.
        entity: u64,
        /// Its ident, with the colon.
        ident: String,
    },
    /// `[:db/cas e a old new]` found a value other than `old`.
    #[error("compare-and-swap failed for :{attribute} of entity {entity}: expected {expected}, found {found}")]
    CasFailed {
        /// The entity.
        entity: u64,
        /// The attribute.
        attribute: String,
        /// The value the operation expected, printed (`no value` for nil).
        expected: String,
        /// The value the entity holds, printed (`no value` when it holds none).
        found: String,
    },
    /// A read request is malformed (a scan binding components out of index order, …).
    #[error("invalid request: {0}")]
    InvalidArgument(String),
    /// The database was written by a build with another on-disk format.
    #[error("the database has on-disk format {found}; this build reads format {expected} (open it with the build that wrote it and export its data, then import into a new database)")]
    FormatVersion {
        /// The format the database was written with.
        found: u64,
        /// The format this build reads and writes.
        expected: u64,
    },
    /// A file outside the engine failed (the bulk loader's temporary files); the message says
    /// which and what was being done.
    #[error("{0}")]
    Io(String),
    /// Stored data does not decode (a bug or a damaged file).
    #[error("corrupt database: {0}")]
    Corrupt(String),
}
