//! A point in a database's history, as users name one: a transaction number `t`, a
//! transaction entity id, or an instant (Datomic accepts the same three wherever it takes a
//! point: `as-of`, `since`, `tx-range`).
//!
//! Text (`TimePoint::parse`, for the command line): an integer in the transaction partition is a
//! transaction id (`13194139533317`), any other non-negative integer a `t` (`42`); anything else
//! an instant, bare (`2024-05-01T12:00:00Z`, `2024-05-01`) or as EDN (`#inst "2024-05-01"`).

use std::fmt;

use crate::model::{partition_of, tx_t, PART_TX};
use crate::{Result, StoreError};

/// A point in time: which transactions lie before, at or after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimePoint {
    /// The `t` of a transaction (transactions are numbered from 1; the bootstrap is 1).
    T(u64),
    /// A transaction entity id (the `tx` of a datom).
    Tx(u64),
    /// An instant, milliseconds since the epoch: compared with each transaction's
    /// `:db/txInstant`.
    Instant(i64),
}

impl TimePoint {
    /// Reads a point from text (see the module documentation); the error names the text and
    /// what was expected.
    pub fn parse(text: &str) -> Result<TimePoint> {
        let trimmed = text.trim();
        if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            let n: u64 = trimmed
                .parse()
                .map_err(|_| invalid(text, "the number is too large"))?;
            return TimePoint::number(n).map_err(|e| invalid(text, &e.to_string()));
        }
        let inst = match trimmed.strip_prefix("#inst") {
            Some(rest) => match datolite_edn::parse(&format!("#inst{rest}")) {
                Ok(datolite_edn::Edn::Inst(ms)) => return Ok(TimePoint::Instant(ms)),
                Ok(_) => return Err(invalid(text, "#inst takes a string")),
                Err(e) => return Err(invalid(text, &e.to_string())),
            },
            None => datolite_edn::parse_inst(trimmed),
        };
        inst.map(TimePoint::Instant).map_err(|_| {
            invalid(
                text,
                "expected a t (42), a transaction id (13194139533317) or an instant \
                 (2024-05-01T12:00:00Z, #inst \"2024-05-01\")",
            )
        })
    }

    /// A number as a point: a transaction id when it lies in the transaction partition, else a
    /// `t`; an id of another partition (an entity that is no transaction) is an error.
    pub fn number(n: u64) -> Result<TimePoint> {
        match partition_of(n) {
            0 => Ok(TimePoint::T(n)),
            PART_TX => Ok(TimePoint::Tx(n)),
            p => Err(StoreError::InvalidArgument(format!(
                "{n} is an entity of partition {p}, not a t or a transaction id"
            ))),
        }
    }

    /// The transaction number this point names, when it names one (instants name none).
    pub fn t(self) -> Option<u64> {
        match self {
            TimePoint::T(t) => Some(t),
            TimePoint::Tx(tx) => Some(tx_t(tx)),
            TimePoint::Instant(_) => None,
        }
    }
}

impl fmt::Display for TimePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimePoint::T(t) => write!(f, "t {t}"),
            TimePoint::Tx(tx) => write!(f, "transaction {tx} (t {})", tx_t(*tx)),
            TimePoint::Instant(ms) => {
                write!(f, "#inst \"{}\"", datolite_edn::format_inst_millis(*ms))
            }
        }
    }
}

fn invalid(text: &str, why: &str) -> StoreError {
    StoreError::InvalidArgument(format!("invalid point in time {text:?}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tx_entity;

    #[test]
    fn numbers_instants_and_errors() {
        assert_eq!(TimePoint::parse("42").unwrap(), TimePoint::T(42));
        let tx = tx_entity(5);
        assert_eq!(
            TimePoint::parse(&tx.to_string()).unwrap(),
            TimePoint::Tx(tx)
        );
        assert_eq!(TimePoint::Tx(tx).t(), Some(5));
        let noon = 1_714_564_800_000; // 2024-05-01T12:00:00Z
        assert_eq!(
            TimePoint::parse("2024-05-01T12:00:00Z").unwrap(),
            TimePoint::Instant(noon)
        );
        assert_eq!(
            TimePoint::parse("#inst \"2024-05-01T12:00:00.000-00:00\"").unwrap(),
            TimePoint::Instant(noon)
        );
        assert_eq!(
            TimePoint::parse("2024-05-01").unwrap(),
            TimePoint::Instant(noon - 12 * 3_600_000)
        );
        let user_entity = 17_592_186_045_418u64;
        let e = TimePoint::parse(&user_entity.to_string())
            .unwrap_err()
            .to_string();
        assert!(e.contains("partition 4"), "{e}");
        for bad in ["", "yesterday", "-3", "#inst 5", "99999999999999999999999"] {
            let e = TimePoint::parse(bad).unwrap_err().to_string();
            assert!(e.contains("invalid point in time"), "{bad}: {e}");
        }
    }
}
