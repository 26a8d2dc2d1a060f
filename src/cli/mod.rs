//! The binary's own modules: reading input files and writing standard output. Only the
//! CLI does file I/O; the library parses text and returns values.

pub mod evidence;
pub mod explore;
pub mod input;
pub mod output;
pub mod suite;
pub mod target;
