//! Reads an item as the SDK hands it over (`HashMap<String, AttributeValue>`) straight into a
//! `Deserialize` type, in the format serde_dynamo writes (`to_item`).
//!
//! Why not serde_dynamo's `from_item`: it first converts every attribute of the SDK's item, nested
//! maps included, into its own `AttributeValue` (a new `HashMap` per map, every key rehashed),
//! and only then deserializes. On a queue page that conversion was about half of what decoding
//! cost (BENCHMARKS.md, The read path's CPU). Here each value is taken out of the SDK's own item
//! and moved into the field it becomes: strings are moved, not copied, and nothing is rebuilt.
//!
//! The format is serde_dynamo's: numbers are `N` strings, `None` is `NULL` or a missing
//! attribute, unit enum variants are `S`, other variants a one-entry `M`, sequences `L` (or a
//! set). The unit tests check that both decoders read every stored shape alike.

use std::collections::hash_map;
use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;

/// Why a stored item did not read as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError(msg.to_string())
    }
}

/// The item as a `T`.
pub fn from_item<T: DeserializeOwned>(
    item: HashMap<String, AttributeValue>,
) -> Result<T, DecodeError> {
    T::deserialize(Value(AttributeValue::M(item)))
}

/// The kind of an attribute, for error messages.
fn kind(v: &AttributeValue) -> &'static str {
    match v {
        AttributeValue::S(_) => "a string (S)",
        AttributeValue::N(_) => "a number (N)",
        AttributeValue::Bool(_) => "a boolean (BOOL)",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::M(_) => "a map (M)",
        AttributeValue::L(_) => "a list (L)",
        AttributeValue::Ss(_) => "a string set (SS)",
        AttributeValue::Ns(_) => "a number set (NS)",
        AttributeValue::B(_) => "binary (B)",
        AttributeValue::Bs(_) => "a binary set (BS)",
        _ => "an attribute type this reader does not know",
    }
}

fn expected(what: &str, got: &AttributeValue) -> DecodeError {
    DecodeError(format!("expected {what}, found {}", kind(got)))
}

/// One attribute value, consumed as it is read.
struct Value(AttributeValue);

/// An `N` attribute's text: parsed as the type asked for, or as what it holds when asked for
/// anything (an integer if it is one, else a float).
struct Number(String);

impl Number {
    fn parse<N: std::str::FromStr>(&self) -> Result<N, DecodeError>
    where
        N::Err: fmt::Display,
    {
        self.0
            .parse()
            .map_err(|e| DecodeError(format!("number {:?}: {e}", self.0)))
    }
}

macro_rules! number_methods {
    ($($method:ident => $visit:ident : $ty:ty),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
                visitor.$visit(self.parse::<$ty>()?)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Number {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        if let Ok(i) = self.0.parse::<i64>() {
            visitor.visit_i64(i)
        } else if let Ok(u) = self.0.parse::<u64>() {
            visitor.visit_u64(u)
        } else {
            visitor.visit_f64(self.parse::<f64>()?)
        }
    }

    number_methods! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
    }

    forward_to_deserialize_any! {
        bool char str string bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The numeric `deserialize_*` methods of a deserializer that reads numbers as `Number`s
/// (`self.number()`): an attribute's `N`, or a map key written as a number.
macro_rules! numbers_through_number {
    () => {
        numbers_through_number!(
            deserialize_i8, deserialize_i16, deserialize_i32, deserialize_i64, deserialize_i128,
            deserialize_u8, deserialize_u16, deserialize_u32, deserialize_u64, deserialize_u128,
            deserialize_f32, deserialize_f64
        );
    };
    ($($method:ident),*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
                self.number()?.$method(visitor)
            }
        )*
    };
}

impl Value {
    fn number(self) -> Result<Number, DecodeError> {
        match self.0 {
            AttributeValue::N(n) => Ok(Number(n)),
            other => Err(expected("a number (N)", &other)),
        }
    }
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            AttributeValue::S(s) => visitor.visit_string(s),
            AttributeValue::N(n) => Number(n).deserialize_any(visitor),
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            AttributeValue::Null(_) => visitor.visit_unit(),
            AttributeValue::M(m) => visitor.visit_map(Map::new(m)),
            AttributeValue::L(l) => visitor.visit_seq(Seq(l.into_iter())),
            AttributeValue::Ss(ss) => visitor.visit_seq(Seq(ss.into_iter().map(AttributeValue::S))),
            AttributeValue::Ns(ns) => visitor.visit_seq(Seq(ns.into_iter().map(AttributeValue::N))),
            AttributeValue::B(b) => visitor.visit_byte_buf(b.into_inner()),
            AttributeValue::Bs(bs) => visitor.visit_seq(Seq(bs.into_iter().map(AttributeValue::B))),
            other => Err(expected("a known attribute type", &other)),
        }
    }

    numbers_through_number!();

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            other => Err(expected("a boolean (BOOL)", &other)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            AttributeValue::S(s) => visitor.visit_string(s),
            other => Err(expected("a string (S)", &other)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            AttributeValue::B(b) => visitor.visit_byte_buf(b.into_inner()),
            other => Err(expected("binary (B)", &other)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            AttributeValue::Null(_) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            AttributeValue::Null(_) => visitor.visit_unit(),
            other => Err(expected("NULL", &other)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            v @ (AttributeValue::L(_)
            | AttributeValue::Ss(_)
            | AttributeValue::Ns(_)
            | AttributeValue::Bs(_)) => Value(v).deserialize_any(visitor),
            other => Err(expected("a list (L) or a set", &other)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            AttributeValue::M(m) => visitor.visit_map(Map::new(m)),
            other => Err(expected("a map (M)", &other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        // serde_dynamo reads a struct from a list as well (a tuple-like form); so does this.
        match self.0 {
            AttributeValue::L(_) => self.deserialize_seq(visitor),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self.0 {
            AttributeValue::S(variant) => visitor.visit_enum(variant.into_deserializer()),
            AttributeValue::M(m) => {
                let mut entries = m.into_iter();
                match (entries.next(), entries.next()) {
                    (Some((variant, value)), None) => {
                        visitor.visit_enum(Variant { variant, value })
                    }
                    _ => Err(DecodeError(
                        "an enum stored as a map must have exactly one entry".to_owned(),
                    )),
                }
            }
            other => Err(expected("an enum (S or a one-entry M)", &other)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        // Nothing to walk: the value is dropped.
        visitor.visit_unit()
    }
}

/// A map's entries, each value read right after its key.
struct Map {
    entries: hash_map::IntoIter<String, AttributeValue>,
    value: Option<AttributeValue>,
}

impl Map {
    fn new(m: HashMap<String, AttributeValue>) -> Self {
        Map {
            entries: m.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Map {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(Key(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        match self.value.take() {
            Some(value) => seed.deserialize(Value(value)),
            None => Err(DecodeError(
                "a map value was read before its key".to_owned(),
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A map's key: a string, or a number written as one (a map keyed by integers).
struct Key(String);

impl Key {
    fn number(self) -> Result<Number, DecodeError> {
        Ok(Number(self.0))
    }
}

impl<'de> de::Deserializer<'de> for Key {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_string(self.0)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    numbers_through_number!();

    forward_to_deserialize_any! {
        bool char str string bytes byte_buf option unit unit_struct seq tuple tuple_struct map
        struct identifier ignored_any
    }
}

/// A list's (or a set's) elements.
struct Seq<I>(I);

impl<'de, I: ExactSizeIterator<Item = AttributeValue>> SeqAccess<'de> for Seq<I> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        self.0
            .next()
            .map(|v| seed.deserialize(Value(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A data-carrying enum variant: `{"Variant": value}`.
struct Variant {
    variant: String,
    value: AttributeValue,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = DecodeError;
    type Variant = Value;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Value), DecodeError> {
        let variant = seed.deserialize(Key(self.variant))?;
        Ok((variant, Value(self.value)))
    }
}

impl<'de> VariantAccess<'de> for Value {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        // `{"Variant": anything}`: serde_dynamo reads it as the unit variant too.
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DecodeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

#[cfg(test)]
mod tests;
