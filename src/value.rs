//! Values that cross the line between grader and runner: tensors as plain
//! bytes, scalars, strings and lists. Data only, never verdicts.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

/// Element types a [`TensorData`] can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// `bool`
    Bool,
    /// `u8`
    U8,
    /// `i8`
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// IEEE half precision
    F16,
    /// bfloat16
    Bf16,
    /// `f32`
    F32,
    /// `f64`
    F64,
}

impl DType {
    /// The matching tch kind.
    pub fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::U8 => Kind::Uint8,
            DType::I8 => Kind::Int8,
            DType::I16 => Kind::Int16,
            DType::I32 => Kind::Int,
            DType::I64 => Kind::Int64,
            DType::F16 => Kind::Half,
            DType::Bf16 => Kind::BFloat16,
            DType::F32 => Kind::Float,
            DType::F64 => Kind::Double,
        }
    }

    /// The dtype of a tch kind, if it is one gradwork can carry.
    pub fn from_kind(kind: Kind) -> Option<DType> {
        Some(match kind {
            Kind::Bool => DType::Bool,
            Kind::Uint8 => DType::U8,
            Kind::Int8 => DType::I8,
            Kind::Int16 => DType::I16,
            Kind::Int => DType::I32,
            Kind::Int64 => DType::I64,
            Kind::Half => DType::F16,
            Kind::BFloat16 => DType::Bf16,
            Kind::Float => DType::F32,
            Kind::Double => DType::F64,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        self.kind().elt_size_in_bytes()
    }
}

/// Errors converting between tensors and [`Value`]s.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ValueError {
    /// The tensor's element type cannot be carried (complex, quantized, float8).
    #[error("tensors of kind {0:?} are not supported: convert to f64 or i64 with `.to_kind(...)`")]
    UnsupportedKind(Kind),
    /// libtorch refused an operation on the tensor.
    #[error("libtorch error while reading the tensor: {0}")]
    Torch(String),
    /// The byte length does not match shape and dtype.
    #[error("tensor data holds {got} bytes but shape {shape:?} of {dtype:?} needs {want}")]
    BadLength {
        /// shape declared
        shape: Vec<i64>,
        /// dtype declared
        dtype: DType,
        /// bytes needed
        want: usize,
        /// bytes present
        got: usize,
    },
    /// A shape with a negative dimension.
    #[error("tensor shape {0:?} has a negative dimension")]
    BadShape(Vec<i64>),
    /// Hex text that is not hex.
    #[error("tensor data is not valid hex")]
    BadHex,
}

/// A tensor as plain bytes: dtype, shape and little-endian row-major data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorData {
    /// Element type.
    pub dtype: DType,
    /// Dimensions (empty for a 0-d tensor).
    pub shape: Vec<i64>,
    /// Row-major element bytes, hex-encoded so NaN and infinities survive JSON.
    #[serde(with = "hex_bytes")]
    pub bytes: Vec<u8>,
}

impl TensorData {
    /// Copies a tensor (any device, any strides) into plain bytes.
    pub fn from_tensor(tensor: &Tensor) -> Result<TensorData, ValueError> {
        let torch = |e: tch::TchError| ValueError::Torch(e.to_string());
        let kind = tensor.f_kind().map_err(torch)?;
        let dtype = DType::from_kind(kind).ok_or(ValueError::UnsupportedKind(kind))?;
        let cpu = tensor.f_detach().map_err(torch)?.f_to_device(Device::Cpu).map_err(torch)?;
        let cpu = cpu.f_contiguous().map_err(torch)?;
        let shape = cpu.size();
        let numel = cpu.numel();
        let mut bytes = vec![0u8; numel * dtype.size()];
        if numel > 0 {
            cpu.f_copy_data_u8(&mut bytes, numel).map_err(torch)?;
        }
        Ok(TensorData { dtype, shape, bytes })
    }

    /// Builds a CPU tensor from the bytes, after checking that they fit shape and dtype.
    pub fn to_tensor(&self) -> Result<Tensor, ValueError> {
        if self.shape.iter().any(|&d| d < 0) {
            return Err(ValueError::BadShape(self.shape.clone()));
        }
        let want = self.shape.iter().product::<i64>() as usize * self.dtype.size();
        if want != self.bytes.len() {
            return Err(ValueError::BadLength {
                shape: self.shape.clone(),
                dtype: self.dtype,
                want,
                got: self.bytes.len(),
            });
        }
        if want == 0 {
            return Tensor::f_zeros(&self.shape, (self.dtype.kind(), Device::Cpu))
                .map_err(|e| ValueError::Torch(e.to_string()));
        }
        Tensor::f_from_data_size(&self.bytes, &self.shape, self.dtype.kind())
            .map_err(|e| ValueError::Torch(e.to_string()))
    }

    /// The elements as f64, row-major (exact for floats and for integers up to 2^53).
    pub fn values_f64(&self) -> Vec<f64> {
        crate::compare::as_f64(self)
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product::<i64>().max(0) as usize
    }
}

/// One argument to, or one result from, a student function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// A tensor.
    Tensor(TensorData),
    /// A float; NaN and ±∞ travel too (as text, which JSON numbers cannot hold).
    F64(#[serde(with = "any_f64")] f64),
    /// An integer.
    I64(i64),
    /// A flag.
    Bool(bool),
    /// Text.
    Str(String),
    /// A list of values (e.g. a `Vec<i64>` shape, or several tensors).
    List(Vec<Value>),
    /// Nothing (a function returning `()`).
    Unit,
}

impl Value {
    /// A tensor value; fails only for element types gradwork cannot carry.
    pub fn tensor(tensor: &Tensor) -> Result<Value, ValueError> {
        TensorData::from_tensor(tensor).map(Value::Tensor)
    }

    /// A tensor argument made by a check. Panics if the kind cannot be
    /// carried, which is a bug in the check (reported as a grader error).
    pub fn arg(tensor: &Tensor) -> Value {
        match Value::tensor(tensor) {
            Ok(v) => v,
            Err(e) => panic!("a check built an argument gradwork cannot send: {e}"),
        }
    }

    /// A short name of the value's type, for messages ("a tensor", "an integer").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Tensor(_) => "a tensor",
            Value::F64(_) => "a float",
            Value::I64(_) => "an integer",
            Value::Bool(_) => "a bool",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Unit => "nothing",
        }
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::F64(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::I64(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(v.to_string())
    }
}
impl From<Vec<i64>> for Value {
    fn from(v: Vec<i64>) -> Value {
        Value::List(v.into_iter().map(Value::I64).collect())
    }
}

/// A float as a JSON number when finite, else as `"NaN"`, `"inf"` or
/// `"-inf"`: serde_json writes non-finite floats as `null`, which then
/// cannot be read back, and a student's NaN loss is an answer to judge.
mod any_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        match *v {
            v if v.is_finite() => s.serialize_f64(v),
            v if v.is_nan() => s.serialize_str("NaN"),
            v if v > 0.0 => s.serialize_str("inf"),
            _ => s.serialize_str("-inf"),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match NumberOrText::deserialize(d)? {
            NumberOrText::Number(v) => Ok(v),
            NumberOrText::Text(t) => match t.as_str() {
                "NaN" => Ok(f64::NAN),
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                other => Err(serde::de::Error::custom(format!("`{other}` is not a float"))),
            },
        }
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    const DIGITS: &[u8; 16] = b"0123456789abcdef";

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            text.push(DIGITS[(b >> 4) as usize] as char);
            text.push(DIGITS[(b & 15) as usize] as char);
        }
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        decode(text.as_bytes()).ok_or_else(|| serde::de::Error::custom(super::ValueError::BadHex))
    }

    fn decode(text: &[u8]) -> Option<Vec<u8>> {
        if !text.len().is_multiple_of(2) {
            return None;
        }
        let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        text.chunks(2).map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Value;

    #[test]
    fn every_float_survives_the_runner_protocol() {
        for v in [0.0, -1.5, 1e300, f64::MIN_POSITIVE, f64::INFINITY, f64::NEG_INFINITY] {
            let text = serde_json::to_string(&Value::F64(v)).expect("serialises");
            assert_eq!(serde_json::from_str::<Value>(&text).expect("reads back"), Value::F64(v), "{text}");
        }
        let nan = serde_json::to_string(&Value::F64(f64::NAN)).expect("serialises");
        assert_eq!(nan, r#"{"f64":"NaN"}"#);
        assert!(matches!(serde_json::from_str::<Value>(&nan), Ok(Value::F64(v)) if v.is_nan()));
        assert!(serde_json::from_str::<Value>(r#"{"f64":"lots"}"#).is_err());
    }
}
