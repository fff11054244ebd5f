//! Disclosure items: the data model shared by every source.

pub mod mask;
