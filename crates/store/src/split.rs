//! Where to cut a scan's key range so that parallel workers get about equal numbers of keys.
//!
//! Entity ids are dense *within* a partition but the partitions sit far apart (schema entities
//! near 0, transactions at 3·2^42, user entities at 4·2^42), so cutting the raw id space evenly
//! would hand one worker nearly everything. Instead the cut points follow a piecewise-linear
//! model of where datoms are: per-partition weights and id ranges from the id counters, and
//! per-attribute datom counts from the statistics. Anything the model does not cover falls back
//! to interpolating between the range's first and last key.

use datolite_kv::{Direction, KeyRange, ReadOps, Table};

use crate::bootstrap::FIRST_USER_COUNTER;
use crate::encoding::{tags, Component, Index};
use crate::model::{entity_in, tx_entity, PART_USER};
use crate::snapshot::Db;
use crate::Result;

/// A piece of the entity id space with the share of datoms it holds.
struct Segment {
    start: u64,
    end: u64,
    weight: f64,
}

/// Cut points (sorted, distinct) that split `range` into about `n` equal parts, for a scan of
/// `index` whose first `bound` components are fixed by `prefix`.
pub(crate) fn cut_points(
    db: &Db,
    txn: &dyn ReadOps,
    index: Index,
    prefix: &[u8],
    bound: usize,
    range: &KeyRange,
    n: usize,
) -> Result<Vec<Vec<u8>>> {
    if n <= 1 {
        return Ok(Vec::new());
    }
    let next = index.components().get(bound).copied();
    let mut points = match (index, next) {
        (_, Some(Component::E)) => entity_points(db, prefix, n),
        (Index::Vaet, Some(Component::V)) => {
            let mut with_tag = prefix.to_vec();
            with_tag.push(tags::REF);
            entity_points(db, &with_tag, n)
        }
        (Index::Aevt | Index::Avet, Some(Component::A)) if db.has_stats() => {
            attribute_points(db, index, n)
        }
        _ => interpolated_points(txn, index.table(), range, n)?,
    };
    points.retain(|p| range.contains(p));
    points.sort();
    points.dedup();
    Ok(points)
}

/// The entity id space as weighted dense segments: schema, transactions, user entities.
fn entity_segments(db: &Db) -> Vec<Segment> {
    let version = &db.inner.version;
    let t = version.basis_t.max(1);
    let total = db.stats().datoms.max(1) as f64;
    let tx_weight = t as f64;
    let schema_weight = (version.next_db as f64 * 3.0).min(total / 4.0);
    let user_weight = (total - tx_weight - schema_weight).max(1.0);
    vec![
        Segment {
            start: 0,
            end: version.next_db.max(1),
            weight: schema_weight,
        },
        Segment {
            start: tx_entity(1),
            end: tx_entity(t) + 1,
            weight: tx_weight,
        },
        Segment {
            start: entity_in(PART_USER, FIRST_USER_COUNTER),
            end: entity_in(PART_USER, version.next_user.max(FIRST_USER_COUNTER + 1)),
            weight: user_weight,
        },
    ]
}

/// Cut points at entity-id quantiles, each prefixed by `prefix`.
fn entity_points(db: &Db, prefix: &[u8], n: usize) -> Vec<Vec<u8>> {
    let segments = entity_segments(db);
    let total: f64 = segments.iter().map(|s| s.weight).sum();
    (1..n)
        .map(|i| {
            let mut target = total * i as f64 / n as f64;
            let mut id = segments.last().map_or(0, |s| s.end);
            for s in &segments {
                if target <= s.weight {
                    id = s.start + ((s.end - s.start) as f64 * target / s.weight) as u64;
                    break;
                }
                target -= s.weight;
            }
            let mut key = prefix.to_vec();
            key.extend_from_slice(&id.to_be_bytes());
            key
        })
        .collect()
}

/// Cut points between and inside attributes, from per-attribute datom counts.
fn attribute_points(db: &Db, index: Index, n: usize) -> Vec<Vec<u8>> {
    let stats = db.stats();
    let total: u64 = stats.attributes.values().map(|s| s.count).sum();
    let share = total as f64 / n as f64;
    let mut points = Vec::new();
    let mut before = 0u64;
    let mut next_cut = share;
    for (&a, row) in &stats.attributes {
        let after = before + row.count;
        while (next_cut as u64) < after && points.len() < n - 1 {
            let inside = (next_cut - before as f64) / row.count.max(1) as f64;
            let prefix = a.to_be_bytes();
            let point = match index {
                // AEVT: inside an attribute, entities follow; cut at an entity quantile.
                Index::Aevt if inside > 0.02 => {
                    let mut cut = entity_points(db, &prefix, 1000);
                    let at = ((inside * 1000.0) as usize).clamp(1, 999) - 1;
                    cut.swap_remove(at)
                }
                // AVET: inside an attribute, values follow; cut between its min and max.
                Index::Avet if inside > 0.02 => match (&row.min, &row.max) {
                    (Some(min), Some(max)) => {
                        let mut key = prefix.to_vec();
                        key.extend_from_slice(&interpolate(min, max, inside));
                        key
                    }
                    _ => prefix.to_vec(),
                },
                _ => prefix.to_vec(),
            };
            points.push(point);
            next_cut += share;
        }
        before = after;
    }
    points
}

/// Cut points interpolated between the first and last key of the range.
fn interpolated_points(
    txn: &dyn ReadOps,
    table: Table,
    range: &KeyRange,
    n: usize,
) -> Result<Vec<Vec<u8>>> {
    let first = txn.first(table, range, Direction::Forward)?;
    let last = txn.first(table, range, Direction::Reverse)?;
    let (Some((first, _)), Some((last, _))) = (first, last) else {
        return Ok(Vec::new());
    };
    Ok((1..n)
        .map(|i| interpolate(&first, &last, i as f64 / n as f64))
        .collect())
}

/// The byte string a fraction `f` of the way from `low` to `high`, reading the 8 bytes after
/// their common prefix as a number.
fn interpolate(low: &[u8], high: &[u8], f: f64) -> Vec<u8> {
    let common = low.iter().zip(high).take_while(|(a, b)| a == b).count();
    let number = |key: &[u8], pad: u8| {
        let mut bytes = [pad; 8];
        for (i, b) in key.iter().skip(common).take(8).enumerate() {
            bytes[i] = *b;
        }
        u64::from_be_bytes(bytes)
    };
    let (lo, hi) = (number(low, 0), number(high, 0xFF));
    let point = lo + ((hi.saturating_sub(lo)) as f64 * f.clamp(0.0, 1.0)) as u64;
    let mut key = low[..common].to_vec();
    key.extend_from_slice(&point.to_be_bytes());
    key
}
