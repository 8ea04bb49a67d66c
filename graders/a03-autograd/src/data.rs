//! The shipped data sets of a03-autograd, and the generator that made them.
//!
//! `assignments/a03-autograd/data/` holds three CSV files, written by
//! `cargo run -p a03-autograd-grader --bin make-a03-data` from the seeds
//! below. The generator uses its own small random number generator
//! (splitmix64 and Box–Muller), so the files never change with a dependency's
//! version; a unit test checks that the shipped files are exactly what it
//! writes. Hidden checks draw fresh data sets from the same generator with
//! other seeds.

use tch::Tensor;

/// Seed of the shipped regression data.
pub const REGRESSION_SEED: u64 = 4;
/// Seed of the shipped tabular data.
pub const TABULAR_SEED: u64 = 6;
/// Rows of the regression data.
pub const REGRESSION_ROWS: usize = 200;
/// Rows of the tabular data: training file, then test file.
pub const TABULAR_ROWS: (usize, usize) = (320, 80);
/// Features of the tabular data.
pub const TABULAR_FEATURES: usize = 7;

/// The regression weights, bias and noise: y = 2.0·x1 − 3.4·x2 + 4.2 + N(0, 0.1²).
pub const TRUE_W: [f64; 2] = [2.0, -3.4];
/// The regression bias.
pub const TRUE_B: f64 = 4.2;
/// The noise's standard deviation (so the best reachable MSE is about 0.01).
pub const NOISE: f64 = 0.1;

/// The shipped files, as the grader sees them.
pub const REGRESSION_CSV: &str = include_str!("../../../assignments/a03-autograd/data/regression.csv");
/// The shipped tabular training file.
pub const TABULAR_TRAIN_CSV: &str = include_str!("../../../assignments/a03-autograd/data/tabular_train.csv");
/// The shipped tabular test file.
pub const TABULAR_TEST_CSV: &str = include_str!("../../../assignments/a03-autograd/data/tabular_test.csv");

/// splitmix64 with Box–Muller normals: small, fast, and stable forever.
pub struct Generator {
    state: u64,
}

impl Generator {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Generator {
        Generator { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal.
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// A uniformly random permutation of 0..n (Fisher–Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            p.swap(i, j);
        }
        p
    }
}

/// The regression data set as CSV text: header `x1,x2,y`, `rows` rows.
pub fn regression_csv(seed: u64, rows: usize) -> String {
    let mut g = Generator::new(seed);
    let mut out = String::from("x1,x2,y\n");
    for _ in 0..rows {
        let (x1, x2) = (g.normal(), g.normal());
        let y = TRUE_W[0] * x1 + TRUE_W[1] * x2 + TRUE_B + NOISE * g.normal();
        out.push_str(&format!("{x1:.6},{x2:.6},{y:.6}\n"));
    }
    out
}

/// The tabular data set as two CSV texts (training, test): header
/// `f1,…,f7,label`, balanced classes in random order. Each class is a
/// Gaussian cloud in 7 dimensions with correlated features of different
/// spreads; the class means differ along one random direction, so that a
/// linear boundary gets about 90 % right and a good classifier a little more.
pub fn tabular_csv(seed: u64, rows: (usize, usize)) -> (String, String) {
    let d = TABULAR_FEATURES;
    let mut g = Generator::new(seed);
    // A random lower-triangular mixing matrix with spreads from 0.5 to 2.
    let mut mix = vec![vec![0.0; d]; d];
    for (i, row) in mix.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate().take(i + 1) {
            *cell = if i == j { 0.5 + 1.5 * g.uniform() } else { 0.4 * g.normal() };
        }
    }
    // The class means: ±1.3 along a random direction, in the mixed space.
    let direction: Vec<f64> = (0..d).map(|_| g.normal()).collect();
    let norm = direction.iter().map(|v| v * v).sum::<f64>().sqrt();
    let total = rows.0 + rows.1;
    let order = g.permutation(total);
    let mut lines = Vec::with_capacity(total);
    for &k in &order {
        let label = (k % 2) as f64;
        let sign = if label == 1.0 { 1.0 } else { -1.0 };
        let z: Vec<f64> = (0..d).map(|_| g.normal()).collect();
        let mean: Vec<f64> = direction.iter().map(|v| sign * 1.3 * v / norm).collect();
        // x = mix · (z + mean): the classes differ by 2.6 standard deviations before mixing.
        let features: Vec<String> = (0..d)
            .map(|i| (0..d).map(|j| mix[i][j] * (z[j] + mean[j])).sum::<f64>())
            .map(|v| format!("{v:.6}"))
            .collect();
        lines.push(format!("{},{}\n", features.join(","), label as i64));
    }
    let header = format!("{},label\n", (1..=d).map(|i| format!("f{i}")).collect::<Vec<_>>().join(","));
    let train = format!("{header}{}", lines[..rows.0].concat());
    let test = format!("{header}{}", lines[rows.0..].concat());
    (train, test)
}

/// Parses CSV text of numbers with a header into an (N, columns) f64 tensor.
/// The files are the grader's own, so a malformed one is a grader bug.
pub fn parse(text: &str) -> Result<Tensor, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let columns = lines.next().ok_or("an empty CSV file")?.split(',').count();
    let mut values = Vec::new();
    let mut rows = 0i64;
    for line in lines {
        let row: Vec<f64> = line.split(',').map(|s| s.trim().parse::<f64>().map_err(|e| format!("{line}: {e}"))).collect::<Result<_, _>>()?;
        if row.len() != columns {
            return Err(format!("{line}: {} values for {columns} columns", row.len()));
        }
        values.extend(row);
        rows += 1;
    }
    Ok(Tensor::from_slice(&values).view([rows, columns as i64]))
}

/// Features (all columns but the last) and target (the last, as a column) of a table.
pub fn split_columns(table: &Tensor) -> (Tensor, Tensor) {
    let c = table.size()[1];
    (table.narrow(1, 0, c - 1), table.narrow(1, c - 1, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_are_what_the_generator_writes() {
        assert_eq!(REGRESSION_CSV, regression_csv(REGRESSION_SEED, REGRESSION_ROWS), "run the make-a03-data binary");
        let (train, test) = tabular_csv(TABULAR_SEED, TABULAR_ROWS);
        assert_eq!(TABULAR_TRAIN_CSV, train, "run the make-a03-data binary");
        assert_eq!(TABULAR_TEST_CSV, test, "run the make-a03-data binary");
    }

    #[test]
    fn shipped_files_parse_with_their_shapes() {
        assert_eq!(parse(REGRESSION_CSV).map(|t| t.size()), Ok(vec![200, 3]));
        assert_eq!(parse(TABULAR_TRAIN_CSV).map(|t| t.size()), Ok(vec![320, 8]));
        assert_eq!(parse(TABULAR_TEST_CSV).map(|t| t.size()), Ok(vec![80, 8]));
    }

    #[test]
    fn classes_are_balanced_overall() {
        let (train, test) = tabular_csv(TABULAR_SEED, TABULAR_ROWS);
        let ones: usize = [train, test].iter().flat_map(|t| t.lines().skip(1)).filter(|l| l.ends_with(",1")).count();
        assert_eq!(ones, 200);
    }
}
