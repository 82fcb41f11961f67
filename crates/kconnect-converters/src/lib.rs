//! The simple built-in converters and the default header converter.
