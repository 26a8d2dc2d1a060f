//! The `finsim` command. Everything it does is the library's `finsim::cli::main`; the binary only
//! chooses the allocator.

use std::process::ExitCode;

/// mimalloc, not the system allocator: a long run allocates and frees millions of small objects,
/// and glibc's free-list upkeep grew with the heap (`CHANGELOG.md`, "The engine alone, and its
/// allocations"). Which allocator runs reaches no output: nothing in finsim orders or hashes by
/// address.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    finsim::cli::main()
}
