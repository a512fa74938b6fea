//! Free-form JSON attached to records. JSON in JSON; a JSON string inside the
//! binary storage format (postcard cannot carry self-describing values).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata(pub serde_json::Value);

impl Metadata {
    pub fn is_null(&self) -> bool {
        self.0.is_null()
    }
}

impl From<serde_json::Value> for Metadata {
    fn from(v: serde_json::Value) -> Self {
        Metadata(v)
    }
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            self.0.serialize(s)
        } else {
            s.serialize_str(&self.0.to_string())
        }
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            serde_json::Value::deserialize(d).map(Metadata)
        } else {
            // A visitor, not `Cow<str>`: serde's Cow always allocates, and
            // almost every stored record carries the four bytes "null".
            struct Text;
            impl serde::de::Visitor<'_> for Text {
                type Value = Metadata;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("JSON text")
                }
                fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Metadata, E> {
                    if s == "null" {
                        return Ok(Metadata::default());
                    }
                    serde_json::from_str(s).map(Metadata).map_err(E::custom)
                }
            }
            d.deserialize_str(Text)
        }
    }
}
