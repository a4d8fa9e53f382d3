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

pub(crate) use crate::transactor::buffer::KeyBuffer;
use crate::{Result, StoreError};

/// A sorted run spilled to a temporary file: `[len u16][key]` records.
pub(crate) struct RunFile {
    file: File,
}

impl RunFile {
    /// Sorts `arena` and writes it to a new temporary file in `dir`.
    pub fn spill(arena: &KeyBuffer, dir: &Path) -> Result<RunFile> {
        let file = tempfile::tempfile_in(dir).map_err(|e| spill_error(dir, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut previous: Option<&[u8]> = None;
        for i in arena.sorted() {
            let key = arena.key(i as usize);
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
        arena: &'a KeyBuffer,
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
                    out.extend_from_slice(arena.key(i as usize));
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
    /// Merges `arena`, in `order` (from [`KeyBuffer::sorted`]), with `runs` (read from their
    /// start).
    pub fn new(arena: &'a KeyBuffer, order: Vec<u32>, runs: Vec<RunFile>) -> Result<Merge<'a>> {
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
    pub fn next_chunk(&mut self, chunk: &mut KeyBuffer, max: usize) -> Result<bool> {
        chunk.clear();
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
            let mut arena = KeyBuffer::default();
            for _ in 0..500 {
                let key = (next() % 300).to_be_bytes()[..(1 + next() as usize % 8)].to_vec();
                expected.insert(key.clone());
                arena.push(&key);
            }
            runs.push(RunFile::spill(&arena, dir.path()).unwrap());
        }
        let mut arena = KeyBuffer::default();
        for _ in 0..200 {
            let key = (next() % 300).to_be_bytes()[..(1 + next() as usize % 8)].to_vec();
            expected.insert(key.clone());
            arena.push(&key);
        }
        let mut merge = Merge::new(&arena, arena.sorted(), runs).unwrap();
        let mut chunk = KeyBuffer::default();
        let mut got = Vec::new();
        while merge.next_chunk(&mut chunk, 37).unwrap() {
            got.extend(chunk.iter().map(<[u8]>::to_vec));
        }
        assert_eq!(got, expected.into_iter().collect::<Vec<_>>());
    }
}
