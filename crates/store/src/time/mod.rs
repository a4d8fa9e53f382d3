//! Time: points in a database's history ([`TimePoint`]) and the transaction log as an API
//! ([`TxEntry`], `Db::tx_range`).

mod log;
mod point;
mod values;
pub(crate) mod view;

pub use log::TxEntry;
pub use point::TimePoint;
