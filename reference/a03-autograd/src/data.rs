//! Reading the shipped data sets (given): `data/regression.csv` (x1, x2, y)
//! and `data/tabular_train.csv`, `data/tabular_test.csv` (f1 … f7, label).

use std::path::Path;
use tch::{Kind, Tensor};

/// Why a CSV file could not be read.
#[derive(Debug)]
pub enum DataError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// A line is not a row of numbers like the header.
    Format {
        /// 1-based line number
        line: usize,
        /// what is wrong
        message: String,
    },
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataError::Io(e) => write!(f, "cannot read the file: {e}"),
            DataError::Format { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

impl std::error::Error for DataError {}

/// A CSV file of numbers with a header line: the column names and an (N, columns) f64 tensor.
pub fn read_csv(path: &Path) -> Result<(Vec<String>, Tensor), DataError> {
    let text = std::fs::read_to_string(path).map_err(DataError::Io)?;
    parse_csv(&text)
}

/// [`read_csv`] on text already in memory.
pub fn parse_csv(text: &str) -> Result<(Vec<String>, Tensor), DataError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(DataError::Format { line: 1, message: "the file is empty".into() });
    };
    let names: Vec<String> = header.split(',').map(|s| s.trim().to_string()).collect();
    let mut values = Vec::new();
    let mut rows = 0i64;
    for (i, line) in lines {
        let row: Result<Vec<f64>, _> = line.split(',').map(|s| s.trim().parse::<f64>()).collect();
        let row = row.map_err(|e| DataError::Format { line: i + 1, message: e.to_string() })?;
        if row.len() != names.len() {
            let message = format!("{} values, but the header has {} columns", row.len(), names.len());
            return Err(DataError::Format { line: i + 1, message });
        }
        values.extend(row);
        rows += 1;
    }
    let columns = names.len() as i64;
    Ok((names, Tensor::from_slice(&values).view([rows, columns])))
}

/// Splits a table into its features (all columns but the last) and its
/// target (the last column, as an (N, 1) column).
pub fn features_and_target(table: &Tensor) -> (Tensor, Tensor) {
    let columns = table.size()[1];
    (table.narrow(1, 0, columns - 1).to_kind(Kind::Double), table.narrow(1, columns - 1, 1).to_kind(Kind::Double))
}
