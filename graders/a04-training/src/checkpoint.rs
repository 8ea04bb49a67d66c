//! Reading a student's checkpoint file with the `safetensors` crate itself,
//! independently of the student's loader.

use safetensors::SafeTensors;
use std::collections::HashMap;
use tch::{Kind, Tensor};

/// A parsed checkpoint: its metadata and its tensors (sorted by name).
pub struct Parsed {
    /// The `__metadata__` map.
    pub metadata: HashMap<String, String>,
    /// The tensors, sorted by name.
    pub tensors: Vec<(String, Tensor)>,
}

/// Parses safetensors bytes; the error says what is wrong in a student's words.
pub fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    if bytes.is_empty() {
        return Err("the file is empty or was never written".into());
    }
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| format!("it is not a safetensors file ({e:?})"))?;
    let metadata = header.metadata().clone().unwrap_or_default();
    let file = SafeTensors::deserialize(bytes).map_err(|e| format!("it is not a safetensors file ({e:?})"))?;
    let mut tensors = Vec::new();
    for (name, view) in file.tensors() {
        let kind = Kind::try_from(view.dtype()).map_err(|e| format!("tensor `{name}` has an unsupported dtype: {e}"))?;
        let shape: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
        let t = Tensor::f_from_data_size(view.data(), &shape, kind).map_err(|e| format!("tensor `{name}` is unreadable: {e}"))?;
        tensors.push((name, t));
    }
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Parsed { metadata, tensors })
}

/// The raw bytes of a tensor, for bit-exact comparison.
pub fn raw(t: &Tensor) -> Vec<u8> {
    gradwork::value::TensorData::from_tensor(t).map(|d| d.bytes).unwrap_or_default()
}

/// Compares named tensors bit for bit; the message names the first difference.
pub fn bit_exact(what: &str, want: &[(String, Tensor)], got: &[(String, Tensor)]) -> Result<(), String> {
    let names = |v: &[(String, Tensor)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if names(want) != names(got) {
        return Err(format!("{what} holds the tensors {:?}; expected {:?}", names(got), names(want)));
    }
    for ((name, w), (_, g)) in want.iter().zip(got) {
        if w.size() != g.size() || w.kind() != g.kind() {
            return Err(format!("{what}: `{name}` has shape {:?} and kind {:?}; expected {:?} and {:?}", g.size(), g.kind(), w.size(), w.kind()));
        }
        if raw(w) != raw(g) {
            let diff = (w.to_kind(Kind::Double) - g.to_kind(Kind::Double)).abs().max().double_value(&[]);
            return Err(format!("{what}: `{name}` differs from the saved weights (by up to {diff:e}); a checkpoint must restore every bit"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{bit_exact, parse};
    use safetensors::tensor::{serialize, Dtype, TensorView};
    use std::collections::HashMap;
    use tch::Tensor;

    #[test]
    fn reads_tensors_and_metadata_and_compares_bits() {
        let values = [1.5f32, -2.0, 0.25];
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = TensorView::new(Dtype::F32, vec![3], &bytes).unwrap();
        let metadata = HashMap::from([("epoch".to_string(), "7".to_string())]);
        let file = serialize(vec![("w", view)], &Some(metadata)).unwrap();
        let Ok(parsed) = parse(&file) else { panic!("a valid file does not parse") };
        assert_eq!(parsed.metadata.get("epoch").map(String::as_str), Some("7"));
        let want = vec![("w".to_string(), Tensor::from_slice(&values))];
        assert!(bit_exact("the file", &want, &parsed.tensors).is_ok());
        let off = vec![("w".to_string(), Tensor::from_slice(&[1.5f32, -2.0, 0.2500001]))];
        assert!(bit_exact("the file", &off, &parsed.tensors).unwrap_err().contains("differs"));
        assert!(parse(&[]).is_err_and(|m| m.contains("empty")));
        assert!(parse(b"not a safetensors file").is_err_and(|m| m.contains("not a safetensors file")));
    }
}
