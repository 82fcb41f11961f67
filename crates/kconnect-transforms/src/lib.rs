//! Built-in single message transformations and predicates.
