//! What the parser builds: plain [`Edn`] values or position-carrying
//! [`SpannedEdn`] forms. One parser serves both through this trait, so the
//! fast path (bulk import) pays nothing for positions it does not need.

use std::borrow::Cow;

use crate::error::Pos;
use crate::position::LineCursor;
use crate::spanned::{SpannedEdn, SpannedKind};
use crate::value::Edn;

/// Builds nodes of one representation from what the parser has read.
pub(crate) trait Builder {
    /// The node type produced.
    type Node;
    /// What is remembered about where a form starts.
    type Start: Copy;

    /// Called when a form starts at byte `offset` of `src`; offsets passed
    /// here only increase, which keeps line counting linear.
    fn start(&mut self, src: &str, offset: usize) -> Self::Start;
    /// A scalar (never a collection or `Tagged`).
    fn scalar(&mut self, start: Self::Start, value: Edn) -> Self::Node;
    /// A list.
    fn list(&mut self, start: Self::Start, items: Vec<Self::Node>) -> Self::Node;
    /// A vector.
    fn vector(&mut self, start: Self::Start, items: Vec<Self::Node>) -> Self::Node;
    /// A set (elements already checked distinct).
    fn set(&mut self, start: Self::Start, items: Vec<Self::Node>) -> Self::Node;
    /// A map (keys already checked distinct).
    fn map(&mut self, start: Self::Start, entries: Vec<(Self::Node, Self::Node)>) -> Self::Node;
    /// A tagged literal other than `#inst` and `#uuid`.
    fn tagged(&mut self, start: Self::Start, tag: String, value: Self::Node) -> Self::Node;
    /// The node's string, if it is a string (for `#inst` and `#uuid`).
    fn as_str(node: &Self::Node) -> Option<&str>;
    /// The node as a plain value, for hashing in duplicate checks and for
    /// messages.
    fn value(node: &Self::Node) -> Cow<'_, Edn>;
    /// Whether two nodes are equal as values (positions ignored).
    fn same(a: &Self::Node, b: &Self::Node) -> bool;
    /// The node's type name, as [`Edn::type_name`] (for messages).
    fn type_name(node: &Self::Node) -> &'static str;
    /// The namespace of a keyword or symbol node, to qualify the keys of a
    /// namespaced map; `None` for other nodes.
    fn key_namespace(node: &mut Self::Node) -> Option<&mut Option<String>>;
}

/// Builds plain [`Edn`] values.
pub(crate) struct EdnBuilder;

impl Builder for EdnBuilder {
    type Node = Edn;
    type Start = ();

    fn start(&mut self, _src: &str, _offset: usize) {}

    fn scalar(&mut self, _: (), value: Edn) -> Edn {
        value
    }

    fn list(&mut self, _: (), items: Vec<Edn>) -> Edn {
        Edn::List(items)
    }

    fn vector(&mut self, _: (), items: Vec<Edn>) -> Edn {
        Edn::Vector(items)
    }

    fn set(&mut self, _: (), items: Vec<Edn>) -> Edn {
        Edn::Set(items)
    }

    fn map(&mut self, _: (), entries: Vec<(Edn, Edn)>) -> Edn {
        Edn::Map(entries)
    }

    fn tagged(&mut self, _: (), tag: String, value: Edn) -> Edn {
        Edn::Tagged(tag, Box::new(value))
    }

    fn as_str(node: &Edn) -> Option<&str> {
        node.as_str()
    }

    fn value(node: &Edn) -> Cow<'_, Edn> {
        Cow::Borrowed(node)
    }

    fn same(a: &Edn, b: &Edn) -> bool {
        a == b
    }

    fn type_name(node: &Edn) -> &'static str {
        node.type_name()
    }

    fn key_namespace(node: &mut Edn) -> Option<&mut Option<String>> {
        match node {
            Edn::Keyword(k) => Some(&mut k.namespace),
            Edn::Symbol(s) => Some(&mut s.namespace),
            _ => None,
        }
    }
}

/// Builds [`SpannedEdn`] forms.
#[derive(Default)]
pub(crate) struct SpannedBuilder {
    lines: LineCursor,
}

impl SpannedBuilder {
    fn node(pos: Pos, kind: SpannedKind) -> SpannedEdn {
        SpannedEdn { pos, kind }
    }
}

impl Builder for SpannedBuilder {
    type Node = SpannedEdn;
    type Start = Pos;

    fn start(&mut self, src: &str, offset: usize) -> Pos {
        self.lines.advance_to(src, offset)
    }

    fn scalar(&mut self, pos: Pos, value: Edn) -> SpannedEdn {
        SpannedEdn::from_edn(value, pos)
    }

    fn list(&mut self, pos: Pos, items: Vec<SpannedEdn>) -> SpannedEdn {
        Self::node(pos, SpannedKind::List(items))
    }

    fn vector(&mut self, pos: Pos, items: Vec<SpannedEdn>) -> SpannedEdn {
        Self::node(pos, SpannedKind::Vector(items))
    }

    fn set(&mut self, pos: Pos, items: Vec<SpannedEdn>) -> SpannedEdn {
        Self::node(pos, SpannedKind::Set(items))
    }

    fn map(&mut self, pos: Pos, entries: Vec<(SpannedEdn, SpannedEdn)>) -> SpannedEdn {
        Self::node(pos, SpannedKind::Map(entries))
    }

    fn tagged(&mut self, pos: Pos, tag: String, value: SpannedEdn) -> SpannedEdn {
        Self::node(pos, SpannedKind::Tagged(tag, Box::new(value)))
    }

    fn as_str(node: &SpannedEdn) -> Option<&str> {
        node.as_str()
    }

    fn value(node: &SpannedEdn) -> Cow<'_, Edn> {
        Cow::Owned(node.to_edn())
    }

    fn same(a: &SpannedEdn, b: &SpannedEdn) -> bool {
        a.same_value(b)
    }

    fn type_name(node: &SpannedEdn) -> &'static str {
        node.type_name()
    }

    fn key_namespace(node: &mut SpannedEdn) -> Option<&mut Option<String>> {
        match &mut node.kind {
            SpannedKind::Keyword(k) => Some(&mut k.namespace),
            SpannedKind::Symbol(s) => Some(&mut s.namespace),
            _ => None,
        }
    }
}
