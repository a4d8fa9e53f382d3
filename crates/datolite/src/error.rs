//! The one error type of the library facade.

/// Every error datolite returns: from storage and transactions, or from queries.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Storage, transaction and scan errors (bad tx-data, unknown attributes, I/O, …).
    #[error(transparent)]
    Store(#[from] datolite_store::StoreError),
    /// Query errors (malformed query, unbound variable, wrong inputs, …), with positions.
    #[error(transparent)]
    Query(#[from] datolite_query::QueryError),
}

impl From<datolite_kv::KvError> for Error {
    fn from(error: datolite_kv::KvError) -> Self {
        Error::Store(error.into())
    }
}
