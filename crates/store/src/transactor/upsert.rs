//! Upsert: tempids that assert a `:db.unique/identity` value held by an existing entity become
//! that entity, and tempids that assert the same identity value become one entity.
//!
//! An identity value may itself be an entity (a ref attribute with `:db.unique/identity`): an
//! id, ident or lookup ref, or another tempid, which may upsert in turn. So resolution runs to a
//! fixpoint: `{:db/id "acct" :acct/owner "ann"}` with `{:db/id "ann" :person/email "a@x"}`
//! first binds "ann" to the holder of "a@x", then "acct" to the holder of `[:acct/owner ann]`.
//! Tempids form classes (union-find); a class bound to two different existing entities is an
//! error naming both.

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap as HashMap;

use super::context::TxContext;
use super::ops::{EntityRef, Tempid};
use super::resolve::{tempid_of, Pending, Target};
use crate::encoding::{decode_value, encoded, Decoded};
use crate::model::Value;
use crate::schema::{Attribute, TupleType, Unique};
use std::sync::Arc;

use super::composite::is_composite;
use crate::{Result, StoreError};

/// An identity value as far as it is known: encoded (a literal, or an entity id), or a class of
/// tempids not bound yet (two tempids pointing at one such class still assert the same value).
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Value(Vec<u8>),
    Class(usize),
}

/// The existing entity a class upserted to, and through which value (for conflict messages).
#[derive(Clone)]
struct Binding {
    entity: u64,
    through: String,
}

/// Union-find over the tempids met while upserting, numbered in order of appearance.
#[derive(Default)]
struct Classes<'p> {
    index: HashMap<&'p Tempid, usize>,
    tempids: Vec<&'p Tempid>,
    parent: Vec<usize>,
    /// The binding of each root.
    binding: Vec<Option<Binding>>,
}

impl<'p> Classes<'p> {
    /// The number of `tempid`, adding it (bound to `earlier` if an earlier step of this
    /// transaction resolved it) when new.
    fn add(&mut self, tempid: &'p Tempid, earlier: Option<u64>) -> usize {
        if let Some(&i) = self.index.get(tempid) {
            return i;
        }
        let i = self.tempids.len();
        self.index.insert(tempid, i);
        self.tempids.push(tempid);
        self.parent.push(i);
        self.binding.push(earlier.map(|entity| Binding {
            entity,
            through: "an earlier step of this transaction".into(),
        }));
        i
    }

    fn find(&mut self, mut i: usize) -> usize {
        let mut root = i;
        while self.parent[root] != root {
            root = self.parent[root];
        }
        while self.parent[i] != root {
            let next = self.parent[i];
            self.parent[i] = root;
            i = next;
        }
        root
    }

    /// Binds the class of `i` to an existing entity; `true` when that is news.
    fn bind(&mut self, i: usize, binding: Binding) -> Result<bool> {
        let root = self.find(i);
        match &self.binding[root] {
            Some(existing) if existing.entity == binding.entity => Ok(false),
            Some(existing) => Err(conflict(self.tempids[i], existing, &binding)),
            None => {
                self.binding[root] = Some(binding);
                Ok(true)
            }
        }
    }

    /// Merges the classes of `a` and `b`; `true` when they were apart.
    fn union(&mut self, a: usize, b: usize) -> Result<bool> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(false);
        }
        match (&self.binding[ra], &self.binding[rb]) {
            (Some(x), Some(y)) if x.entity != y.entity => {
                return Err(StoreError::InvalidTxData(format!(
                    "conflicting upsert: tempids {} and {} assert the same identity value, but {} \
                     names entity {} (through {}) and {} names entity {} (through {})",
                    self.tempids[a],
                    self.tempids[b],
                    self.tempids[a],
                    x.entity,
                    x.through,
                    self.tempids[b],
                    y.entity,
                    y.through
                )))
            }
            (None, Some(_)) => self.binding[ra] = self.binding[rb].take(),
            _ => {}
        }
        self.parent[rb] = ra;
        Ok(true)
    }
}

fn conflict(tempid: &Tempid, first: &Binding, second: &Binding) -> StoreError {
    StoreError::InvalidTxData(format!(
        "conflicting upsert: tempid {tempid} names both entity {} (through {}) and entity {} \
         (through {})",
        first.entity, first.through, second.entity, second.through
    ))
}

impl TxContext<'_> {
    /// Binds tempids to existing entities through `:db.unique/identity` values and unifies
    /// tempids that assert the same identity value (see the module comment).
    pub(super) fn upsert(&mut self, pending: &[Pending]) -> Result<()> {
        let composites = self.composite_identities(pending)?;
        let mut round: Vec<&Pending> = pending
            .iter()
            .filter(|p| {
                p.added
                    && p.attr.unique == Some(Unique::Identity)
                    && matches!(p.e, EntityRef::Tempid(_))
            })
            .chain(&composites)
            .collect();
        if round.is_empty() {
            return Ok(());
        }
        let mut classes = Classes::default();
        let mut owners: HashMap<(u32, Key), usize> = HashMap::default();
        // The first round looks at every identity assertion; a value that is known (a literal,
        // an id) gives the same answer every time, so later rounds only revisit assertions
        // whose value is a tempid still unbound, and only while something changed.
        loop {
            let mut changed = false;
            let mut again = Vec::new();
            for p in round {
                let Some(tempid) = tempid_of(&p.e) else {
                    continue;
                };
                let i = classes.add(tempid, self.tempids.get(tempid).copied());
                let key = match &p.value {
                    Some(Target::Literal(v)) => Key::Value(self.encode_key(v)),
                    Some(Target::Entity(r)) => self.entity_key(r, &mut classes)?,
                    None => continue,
                };
                match &key {
                    Key::Class(_) => again.push(p),
                    Key::Value(venc) => {
                        if let Some(holder) = self.holder(p.attr.id, venc)? {
                            let through = through(&p.attr, p.value.as_ref(), venc);
                            changed |= classes.bind(
                                i,
                                Binding {
                                    entity: holder,
                                    through,
                                },
                            )?;
                        }
                    }
                }
                match owners.entry((p.attr.id, key)) {
                    Entry::Occupied(first) => changed |= classes.union(*first.get(), i)?,
                    Entry::Vacant(slot) => {
                        slot.insert(i);
                    }
                }
            }
            if !changed || again.is_empty() {
                break;
            }
            round = again;
        }
        self.settle(classes);
        Ok(())
    }

    /// Records what the classes resolved to: bound classes become their entity, unbound
    /// classes of several tempids one new entity; lone unbound tempids are left to `allocate`.
    fn settle(&mut self, mut classes: Classes<'_>) {
        let n = classes.tempids.len();
        let roots: Vec<usize> = (0..n).map(|i| classes.find(i)).collect();
        let mut size = vec![0usize; n];
        let mut in_db = vec![false; n];
        for (i, &root) in roots.iter().enumerate() {
            size[root] += 1;
            in_db[root] |= self.in_db_partition(classes.tempids[i]);
        }
        let mut fresh: HashMap<usize, u64> = HashMap::default();
        for (i, &root) in roots.iter().enumerate() {
            let id = match &classes.binding[root] {
                Some(binding) => binding.entity,
                None if size[root] > 1 => match fresh.get(&root) {
                    Some(&id) => id,
                    None => {
                        let id = self.fresh_id_in(in_db[root]);
                        fresh.insert(root, id);
                        id
                    }
                },
                None => continue,
            };
            self.tempids.insert(classes.tempids[i].clone(), id);
        }
    }

    /// The composite tuples (`:db/tupleAttrs` with `:db.unique/identity`) that tempids' own
    /// assertions make, as identity assertions of their own: a tempid asserting `:reg/course`
    /// and `:reg/semester` upserts to the entity whose `:reg/course+semester` is that pair.
    /// Sources the tempid does not assert are `nil` (a new entity has no other values); a
    /// source whose value is a tempid makes no key (no existing entity can refer to it yet).
    fn composite_identities(&mut self, pending: &[Pending]) -> Result<Vec<Pending>> {
        let identities: Vec<Arc<Attribute>> = self
            .schema
            .attributes()
            .into_iter()
            .filter(|a| a.unique == Some(Unique::Identity) && is_composite(a))
            .cloned()
            .collect();
        let mut out = Vec::new();
        for composite in identities {
            let Some(TupleType::Composite(sources)) = &composite.tuple else {
                continue;
            };
            let mut by_tempid: HashMap<&Tempid, Vec<Option<&Target>>> = HashMap::default();
            for p in pending.iter().filter(|p| p.added) {
                let (Some(tempid), Some(i)) = (
                    tempid_of(&p.e),
                    sources.iter().position(|s| *s == p.attr.id),
                ) else {
                    continue;
                };
                by_tempid
                    .entry(tempid)
                    .or_insert_with(|| vec![None; sources.len()])[i] = p.value.as_ref();
            }
            'tempid: for (tempid, targets) in by_tempid {
                let mut elements = Vec::with_capacity(targets.len());
                for target in targets {
                    elements.push(match target {
                        None => None,
                        Some(Target::Literal(v)) => Some(v.clone()),
                        Some(Target::Entity(EntityRef::Tempid(_))) => continue 'tempid,
                        Some(Target::Entity(r)) => Some(Value::Ref(self.entity(r)?)),
                    });
                }
                out.push(Pending {
                    e: EntityRef::Tempid(tempid.clone()),
                    attr: composite.clone(),
                    value: Some(Target::Literal(Value::Tuple(elements))),
                    added: true,
                });
            }
        }
        Ok(out)
    }

    fn encode_key(&self, value: &Value) -> Vec<u8> {
        encoded(&value.as_ref(), self.options.inline_value_threshold).0
    }

    /// The key of an entity used as an identity value: its encoded id once known, else its
    /// class.
    fn entity_key<'p>(&mut self, r: &'p EntityRef, classes: &mut Classes<'p>) -> Result<Key> {
        let id = match r {
            EntityRef::Tempid(tempid) => {
                let i = classes.add(tempid, self.tempids.get(tempid).copied());
                let root = classes.find(i);
                match &classes.binding[root] {
                    Some(binding) => binding.entity,
                    None => return Ok(Key::Class(root)),
                }
            }
            other => self.entity(other)?,
        };
        Ok(Key::Value(self.encode_key(&Value::Ref(id))))
    }
}

/// `:attr value` for messages; an entity value is printed as the id it resolved to.
fn through(attr: &Attribute, value: Option<&Target>, venc: &[u8]) -> String {
    match (value, decode_value(venc)) {
        (Some(Target::Literal(v)), _) => format!(":{} {v}", attr.ident),
        (_, Ok(Decoded::Value(v))) => format!(":{} {v}", attr.ident),
        _ => format!(":{}", attr.ident),
    }
}
