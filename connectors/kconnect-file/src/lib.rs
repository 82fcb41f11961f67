//! FileStreamSource and FileStreamSink connectors, with the configs and offsets of the Java ones.
