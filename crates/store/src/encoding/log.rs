//! The transaction log's bytes (`docs/design.md`, §4.3 The transaction log): each transaction's
//! assertions and retractions, sorted, packed into chunks under `[tx u64][chunk u32]`.
//!
//! ```text
//! key     [tx u64][chunk u32]                       chunks of one transaction: 0, 1, …
//! value   record*
//! record  [flags u8][e u64]?[a varint][len varint][v tagged]
//!         flags: bit 0 assertion (else retraction), bit 1 same entity as the record before
//!         (then `e` is left out)
//! ```
//!
//! Invariants:
//! - Within a transaction, records are in the order of the format-3 log keys this packs
//!   (`encode_log_entry`): retractions first, then by entity, attribute and value; no record
//!   twice. A chunk never splits a record and never exceeds [`LOG_CHUNK_MAX`] bytes.
//! - The first record of a chunk always carries its entity, so every chunk decodes alone.
//!
//! Why: one index key per datom cost ~41 bytes in the log (a 30-byte key, LMDB's node header
//! and slot); a record costs ~14 (the entity mostly shared, a small attribute id, the value),
//! and the reads of the log are always whole transactions in order.

use super::{DecodeError, RawDatom};

/// Largest chunk: fifteen 4 KiB pages exactly, less LMDB's overflow page header, so a full
/// chunk fills its overflow pages.
pub const LOG_CHUNK_MAX: usize = 15 * 4096 - 16;

const ASSERTION: u8 = 0b01;
const SAME_ENTITY: u8 = 0b10;

/// The key of chunk `chunk` of transaction `tx`.
pub fn log_chunk_key(tx: u64, chunk: u32) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..8].copy_from_slice(&tx.to_be_bytes());
    key[8..].copy_from_slice(&chunk.to_be_bytes());
    key
}

/// Packs one transaction's log records into chunks, handing each full chunk to `emit`.
pub struct LogChunks {
    tx: u64,
    chunk: Vec<u8>,
    index: u32,
    last_e: Option<u64>,
    /// The last record pushed, to drop an exact repeat.
    last: Option<(bool, u64, u32, Vec<u8>)>,
}

impl LogChunks {
    /// No records yet for transaction `tx`.
    pub fn new(tx: u64) -> LogChunks {
        LogChunks {
            tx,
            chunk: Vec::new(),
            index: 0,
            last_e: None,
            last: None,
        }
    }

    /// Appends a record (records come in log order); emits the chunk before it when full.
    pub fn push<E>(
        &mut self,
        added: bool,
        e: u64,
        a: u32,
        v: &[u8],
        emit: &mut impl FnMut(&[u8], &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        if self
            .last
            .as_ref()
            .is_some_and(|(ad, le, la, lv)| *ad == added && *le == e && *la == a && lv == v)
        {
            return Ok(());
        }
        if self.chunk.len() + 1 + 8 + 5 + 5 + v.len() > LOG_CHUNK_MAX {
            self.flush(emit)?;
        }
        let same = self.last_e == Some(e);
        let mut flags = if added { ASSERTION } else { 0 };
        if same {
            flags |= SAME_ENTITY;
        }
        self.chunk.push(flags);
        if !same {
            self.chunk.extend_from_slice(&e.to_be_bytes());
        }
        put_varint(&mut self.chunk, u64::from(a));
        put_varint(&mut self.chunk, v.len() as u64);
        self.chunk.extend_from_slice(v);
        self.last_e = Some(e);
        match &mut self.last {
            Some(last) => {
                last.0 = added;
                last.1 = e;
                last.2 = a;
                last.3.clear();
                last.3.extend_from_slice(v);
            }
            None => self.last = Some((added, e, a, v.to_vec())),
        }
        Ok(())
    }

    /// Emits the last chunk (if any record is pending).
    pub fn finish<E>(
        mut self,
        emit: &mut impl FnMut(&[u8], &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.flush(emit)
    }

    fn flush<E>(&mut self, emit: &mut impl FnMut(&[u8], &[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        emit(&log_chunk_key(self.tx, self.index), &self.chunk)?;
        self.index += 1;
        self.chunk.clear();
        self.last_e = None;
        Ok(())
    }
}

/// Calls `f` with every record of one chunk (`key`, `value` as stored), in order, until it
/// returns false; false if it did.
pub fn decode_log_chunk<'v>(
    key: &[u8],
    value: &'v [u8],
    mut f: impl FnMut(RawDatom<'v>) -> bool,
) -> Result<bool, DecodeError> {
    let tx = match <[u8; 12]>::try_from(key) {
        Ok(key) => u64::from_be_bytes([
            key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
        ]),
        Err(_) => return Err(DecodeError("log key of the wrong length")),
    };
    let mut at = 0usize;
    let mut e: Option<u64> = None;
    while at < value.len() {
        let flags = value[at];
        at += 1;
        if flags & !(ASSERTION | SAME_ENTITY) != 0 {
            return Err(DecodeError("log record with unknown flags"));
        }
        if flags & SAME_ENTITY == 0 {
            let bytes = value
                .get(at..at + 8)
                .ok_or(DecodeError("log record cut short in its entity"))?;
            e = Some(u64::from_be_bytes(bytes.try_into().unwrap_or([0; 8])));
            at += 8;
        }
        let e = e.ok_or(DecodeError("log chunk starting without an entity"))?;
        let a = u32::try_from(get_varint(value, &mut at)?)
            .map_err(|_| DecodeError("log record with an attribute id past 32 bits"))?;
        let len = usize::try_from(get_varint(value, &mut at)?)
            .map_err(|_| DecodeError("log record with an oversized value"))?;
        let v = value
            .get(at..at.saturating_add(len))
            .filter(|v| !v.is_empty())
            .ok_or(DecodeError("log record cut short in its value"))?;
        at += len;
        let added = flags & ASSERTION != 0;
        if !f(RawDatom { e, a, v, tx, added }) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> Result<u64, DecodeError> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes
            .get(*at)
            .ok_or(DecodeError("log record cut short in a number"))?;
        *at += 1;
        n |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err(DecodeError("log record with an overlong number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_round_trip_and_split_at_the_limit() {
        let mut records = Vec::new();
        for i in 0..20_000u64 {
            let v = vec![0x05; 1 + (i % 40) as usize];
            records.push((i % 3 != 0, 1000 + i / 4, (i % 300) as u32, v));
        }
        let mut chunks: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut packer = LogChunks::new(77);
        let mut emit = |k: &[u8], v: &[u8]| -> Result<(), ()> {
            chunks.push((k.to_vec(), v.to_vec()));
            Ok(())
        };
        for (added, e, a, v) in &records {
            packer.push(*added, *e, *a, v, &mut emit).unwrap();
            // An exact repeat is dropped.
            packer.push(*added, *e, *a, v, &mut emit).unwrap();
        }
        packer.finish(&mut emit).unwrap();
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|(_, v)| v.len() <= LOG_CHUNK_MAX));
        let mut decoded = Vec::new();
        for (i, (k, v)) in chunks.iter().enumerate() {
            assert_eq!(k.as_slice(), log_chunk_key(77, i as u32));
            decode_log_chunk(k, v, |d| {
                assert_eq!(d.tx, 77);
                decoded.push((d.added, d.e, d.a, d.v.to_vec()));
                true
            })
            .unwrap();
        }
        assert_eq!(decoded, records);
    }

    #[test]
    fn damaged_chunks_are_errors() {
        let key = log_chunk_key(1, 0);
        for value in [
            &[0x01][..],
            &[0x03, 1, 1],
            &[0x08],
            &[0x01, 0, 0, 0, 0, 0, 0, 0, 1, 1, 5, 9],
        ] {
            assert!(
                decode_log_chunk(&key, value, |_| true).is_err(),
                "{value:?}"
            );
        }
        assert!(decode_log_chunk(&key[..11], &[], |_| true).is_err());
    }
}
