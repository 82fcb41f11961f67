//! The `Converter` and `HeaderConverter` plumbing shared by the stateless converters: they
//! differ only in how a value becomes bytes (`to_bytes(schema, value)`) and back
//! (`to_value(bytes)`), and all keep the configured `converter.type`.

/// Implements `Converter` and `HeaderConverter` for a type with a `converter_type` field and
/// associated functions `to_bytes(Option<&SchemaRef>, &Value) -> ConnectResult<Option<Vec<u8>>>`
/// and `to_value(Option<&[u8]>) -> ConnectResult<SchemaAndValue>`. Generic types are written
/// `impl_simple_converter!(generic F: Bound; Type<F>)`.
macro_rules! impl_simple_converter {
    ($ty:ty) => {
        impl_simple_converter!(generic ; $ty);
    };
    (generic $($g:ident : $bound:path)? ; $ty:ty) => {
        impl$(<$g: $bound>)? kconnect_api::plugin::Converter for $ty {
            fn configure(
                &mut self,
                props: &kconnect_api::ConfigMap,
                is_key: bool,
            ) -> kconnect_api::ConnectResult<()> {
                self.converter_type = crate::config::parse_for_record(
                    &crate::config::converter_config_def(),
                    props,
                    is_key,
                )?
                .converter_type;
                Ok(())
            }

            fn serialize(
                &mut self,
                _topic: &str,
                schema: Option<&kconnect_api::SchemaRef>,
                value: &kconnect_api::Value,
            ) -> kconnect_api::ConnectResult<Option<Vec<u8>>> {
                Self::to_bytes(schema, value)
            }

            fn deserialize(
                &mut self,
                _topic: &str,
                bytes: Option<&[u8]>,
            ) -> kconnect_api::ConnectResult<kconnect_api::SchemaAndValue> {
                Self::to_value(bytes)
            }

            fn config_def(&self) -> kconnect_api::ConfigDef {
                crate::config::converter_config_def()
            }
        }

        impl$(<$g: $bound>)? kconnect_api::plugin::HeaderConverter for $ty {
            fn configure(&mut self, props: &kconnect_api::ConfigMap) -> kconnect_api::ConnectResult<()> {
                self.converter_type = crate::config::parse_for_header(
                    &crate::config::converter_config_def(),
                    props,
                )?
                .converter_type;
                Ok(())
            }

            fn serialize_header(
                &mut self,
                _topic: &str,
                _header_key: &str,
                schema: Option<&kconnect_api::SchemaRef>,
                value: &kconnect_api::Value,
            ) -> kconnect_api::ConnectResult<Option<Vec<u8>>> {
                Self::to_bytes(schema, value)
            }

            fn deserialize_header(
                &mut self,
                _topic: &str,
                _header_key: &str,
                bytes: Option<&[u8]>,
            ) -> kconnect_api::ConnectResult<kconnect_api::SchemaAndValue> {
                Self::to_value(bytes)
            }

            fn config_def(&self) -> kconnect_api::ConfigDef {
                crate::config::converter_config_def()
            }
        }
    };
}

pub(crate) use impl_simple_converter;
