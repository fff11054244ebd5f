//! Sinks: where frames leave the process (files, terminal, devices).

pub mod gif;
pub mod png;
pub mod terminal;
