//! Global ids: `base64url("Type:uuid")`, opaque to clients, typed for `node(id:)`.

use crate::error::{Error, Result};
use crate::model::{TypeDef, content_type};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub fn encode(type_name: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

/// The type and the internal id of a global id.
pub fn decode(gid: &str) -> Result<(&'static TypeDef, String)> {
    let bad = || Error::field("id", format!("{gid:?} is not an id this API gave out"));
    let raw = URL_SAFE_NO_PAD.decode(gid.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (ty, id) = text.split_once(':').ok_or_else(bad)?;
    let ty = content_type(ty).ok_or_else(bad)?;
    uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((ty, id.to_owned()))
}

/// Decodes a global id that must be of type `expected`.
pub fn decode_as(gid: &str, expected: &TypeDef, field: &str) -> Result<String> {
    let (ty, id) = decode(gid).map_err(|_| Error::field(field, format!("{gid:?} is not an id this API gave out")))?;
    if ty.name != expected.name {
        return Err(Error::field(
            field,
            format!("expected the id of a {}, got the id of a {}", expected.name, ty.name),
        ));
    }
    Ok(id)
}
