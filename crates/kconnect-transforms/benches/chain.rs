//! Placeholder until the chain benchmark lands.
fn main() {}
