//! Sorted runs of keys for the bulk loader: keys collected in memory, sorted and spilled to a
//! temporary file when memory runs short, and merged back in key order.
//!
//! Invariants:
//! - Every run is sorted ascending; a [`Merge`] yields the union of its runs in ascending order
//!   with duplicates removed.
//! - Spill files are anonymous temporary files (unlinked at creation), so nothing is left behind
//!   however the process ends.

use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::{Result, StoreError};

/// Keys back to back in one allocation, in arrival order.
#[derive(Default)]
pub(crate) struct KeyArena {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl KeyArena {
    /// Appends `key`.
    pub fn push(&mut self, key: &[u8]) {
        self.bytes.extend_from_slice(key);
        self.ends.push(self.bytes.len() as u32);
    }

    /// Bytes held (keys and their ends).
    pub fn memory(&self) -> usize {
        self.bytes.len() + 4 * self.ends.len()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    fn key(&self, i: u32) -> &[u8] {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// Key positions in ascending key order. The sort compares the first 16 bytes as one
    /// integer and only looks further on a tie: that covers the attribute and the entity of an
    /// AEVT key, the attribute and most values of AVET, the reference and the attribute of VAET
    /// (8 bytes would stop inside the entity's partition bits, and every comparison would go on
    /// to `memcmp`).
    pub fn sorted(&self) -> Vec<u32> {
        let mut order: Vec<(u128, u32)> = (0..self.ends.len() as u32)
            .map(|i| {
                let key = self.key(i);
                let mut head = [0u8; 16];
                let n = key.len().min(16);
                head[..n].copy_from_slice(&key[..n]);
                (u128::from_be_bytes(head), i)
            })
            .collect();
        let in_order = |a: &(u128, u32), b: &(u128, u32)| {
            a.0.cmp(&b.0).then_with(|| self.key(a.1).cmp(self.key(b.1)))
        };
        if !order.is_sorted_by(|a, b| in_order(a, b).is_le()) {
            order.sort_unstable_by(in_order);
        }
        order.into_iter().map(|(_, i)| i).collect()
    }
}

/// A sorted run spilled to a temporary file: `[len u16][key]` records.
pub(crate) struct RunFile {
    file: File,
}

impl RunFile {
    /// Sorts `arena` and writes it to a new temporary file in `dir`.
    pub fn spill(arena: &KeyArena, dir: &Path) -> Result<RunFile> {
        let file = tempfile::tempfile_in(dir).map_err(|e| spill_error(dir, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut previous: Option<&[u8]> = None;
        for i in arena.sorted() {
            let key = arena.key(i);
            if previous == Some(key) {
                continue;
            }
            previous = Some(key);
            out.write_all(&(key.len() as u16).to_be_bytes())
                .and_then(|()| out.write_all(key))
                .map_err(|e| spill_error(dir, e))?;
        }
        let mut file = out
            .into_inner()
            .map_err(|e| spill_error(dir, e.into_error()))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| spill_error(dir, e))?;
        Ok(RunFile { file })
    }
}

fn spill_error(dir: &Path, error: std::io::Error) -> StoreError {
    StoreError::Io(format!(
        "bulk load: cannot spill sorted keys to a temporary file in {}: {error}",
        dir.display()
    ))
}

/// One input of a merge.
enum Source<'a> {
    Memory {
        arena: &'a KeyArena,
        order: Vec<u32>,
        next: usize,
    },
    File(BufReader<File>),
}

impl Source<'_> {
    /// Reads the next key into `out`; false at the end.
    fn next_into(&mut self, out: &mut Vec<u8>) -> Result<bool> {
        out.clear();
        match self {
            Source::Memory { arena, order, next } => match order.get(*next) {
                Some(&i) => {
                    out.extend_from_slice(arena.key(i));
                    *next += 1;
                    Ok(true)
                }
                None => Ok(false),
            },
            Source::File(reader) => {
                let mut len = [0u8; 2];
                match reader.read_exact(&mut len) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
                    Err(e) => return Err(read_error(e)),
                }
                out.resize(u16::from_be_bytes(len) as usize, 0);
                reader.read_exact(out).map_err(read_error)?;
                Ok(true)
            }
        }
    }
}

fn read_error(error: std::io::Error) -> StoreError {
    StoreError::Io(format!(
        "bulk load: cannot read back a spilled run of sorted keys: {error}"
    ))
}

/// The head key of one source, ordered so that `BinaryHeap` (a max-heap) pops the smallest.
struct Head {
    key: Vec<u8>,
    source: usize,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.key.cmp(&self.key)
    }
}

/// The k-way merge of an arena and spilled runs, in ascending key order, without duplicates.
pub(crate) struct Merge<'a> {
    sources: Vec<Source<'a>>,
    heap: BinaryHeap<Head>,
    last: Option<Vec<u8>>,
}

impl<'a> Merge<'a> {
    /// Merges `arena`, in `order` (from [`KeyArena::sorted`]), with `runs` (read from their
    /// start).
    pub fn new(arena: &'a KeyArena, order: Vec<u32>, runs: Vec<RunFile>) -> Result<Merge<'a>> {
        let mut sources = vec![Source::Memory {
            arena,
            order,
            next: 0,
        }];
        sources.extend(
            runs.into_iter()
                .map(|run| Source::File(BufReader::with_capacity(1 << 20, run.file))),
        );
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, source) in sources.iter_mut().enumerate() {
            let mut key = Vec::new();
            if source.next_into(&mut key)? {
                heap.push(Head { key, source: i });
            }
        }
        Ok(Merge {
            sources,
            heap,
            last: None,
        })
    }

    /// Moves up to `max` next keys into `chunk` (cleared first); false when none were left.
    pub fn next_chunk(&mut self, chunk: &mut KeyArena, max: usize) -> Result<bool> {
        chunk.bytes.clear();
        chunk.ends.clear();
        while chunk.len() < max {
            let Some(mut head) = self.heap.pop() else {
                break;
            };
            if self.last.as_deref() != Some(head.key.as_slice()) {
                chunk.push(&head.key);
                let last = self.last.get_or_insert_with(Vec::new);
                last.clear();
                last.extend_from_slice(&head.key);
            }
            if self.sources[head.source].next_into(&mut head.key)? {
                self.heap.push(head);
            }
        }
        Ok(chunk.len() > 0)
    }
}

impl KeyArena {
    /// The keys in arrival order (for a chunk from [`Merge::next_chunk`], ascending).
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.ends.len() as u32).map(|i| self.key(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_of_arena_and_spilled_runs_is_sorted_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let mut runs = Vec::new();
        let mut expected = std::collections::BTreeSet::new();
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        for _ in 0..3 {
            let mut arena = KeyArena::default();
            for _ in 0..500 {
                let key = (next() % 300).to_be_bytes()[..(1 + next() as usize % 8)].to_vec();
                expected.insert(key.clone());
                arena.push(&key);
            }
            runs.push(RunFile::spill(&arena, dir.path()).unwrap());
        }
        let mut arena = KeyArena::default();
        for _ in 0..200 {
            let key = (next() % 300).to_be_bytes()[..(1 + next() as usize % 8)].to_vec();
            expected.insert(key.clone());
            arena.push(&key);
        }
        let mut merge = Merge::new(&arena, arena.sorted(), runs).unwrap();
        let mut chunk = KeyArena::default();
        let mut got = Vec::new();
        while merge.next_chunk(&mut chunk, 37).unwrap() {
            got.extend(chunk.iter().map(<[u8]>::to_vec));
        }
        assert_eq!(got, expected.into_iter().collect::<Vec<_>>());
    }
}
