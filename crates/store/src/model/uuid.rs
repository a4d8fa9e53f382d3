//! The UUID value type.
//!
//! Invariant: a [`Uuid`] is aligned to eight bytes. Inside a [`crate::ValueRef`] its bytes then
//! fill whole words, so a decoded value moves as four aligned words; an unaligned `[u8; 16]`
//! there made the compiler assemble every decoded value from odd-sized pieces and copy it
//! through memory, which stalled the CPU on each datom of a scan (`docs/design.md`, "Values in
//! memory").

use std::fmt;

/// A UUID's 16 bytes, in the order they are written (`#uuid "…"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(C, align(8))]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// The UUID of these bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Uuid {
        Uuid(bytes)
    }

    /// Its bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl From<[u8; 16]> for Uuid {
    fn from(bytes: [u8; 16]) -> Uuid {
        Uuid(bytes)
    }
}

impl From<Uuid> for [u8; 16] {
    fn from(uuid: Uuid) -> [u8; 16] {
        uuid.0
    }
}

/// The canonical lowercase 8-4-4-4-12 hex form.
impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&datolite_edn::format_uuid(&self.0))
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::Uuid;

    #[test]
    fn displays_canonically_and_keeps_its_bytes() {
        let bytes = [
            0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44,
            0x00, 0x00,
        ];
        let uuid = Uuid::from_bytes(bytes);
        assert_eq!(uuid.to_string(), "550e8400-e29b-41d4-a716-446655440000");
        assert_eq!(<[u8; 16]>::from(uuid), bytes);
        assert_eq!(std::mem::align_of::<Uuid>(), 8);
    }
}
