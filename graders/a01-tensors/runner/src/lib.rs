//! The a01-tensors runner: the only code that links the student's crate. It
//! turns requests into calls of the student's functions and their results
//! into plain values. It judges nothing.

use a01_tensors as student;
use gradwork::submission::{out, Args, DispatchError, Runner};
use gradwork::value::Value;

/// The runner of a01-tensors.
pub const RUNNER: Runner = Runner { dispatch, student_crate: "a01_tensors" };

/// Calls the student function `function` with `args`.
pub fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    Ok(match function {
        "matrix_3x3" => vec![out(&student::matrix_3x3())?],
        "shape_of" => vec![student::shape_of(&args.tensor(0)?).into()],
        "repeat_arange" => vec![out(&student::repeat_arange(args.i64(0)?, args.i64(1)?))?],
        "filled" => vec![out(&student::filled(args.i64(0)?, args.i64(1)?, args.f64(2)?))?],
        "rows_of_arange" => vec![out(&student::rows_of_arange(args.i64(0)?, args.i64(1)?))?],
        "tridiagonal" => vec![out(&student::tridiagonal(args.i64(0)?))?],
        "two_pi" => vec![out(&student::two_pi())?],
        "index_grid" => vec![out(&student::index_grid(args.i64(0)?, args.i64(1)?))?],
        "pairwise_distances" => vec![out(&student::pairwise_distances(&args.tensor(0)?))?],
        "submatrix" => {
            vec![out(&student::submatrix(&args.tensor(0)?, &args.i64_list(1)?, &args.i64_list(2)?))?]
        }
        "divisible_mask" => vec![out(&student::divisible_mask(&args.tensor(0)?))?],
        "count_true" => vec![student::count_true(&args.tensor(0)?).into()],
        "add_ten_where" => {
            let mut a = args.tensor(0)?;
            // The caller's view of the same storage: it changes only if the update is in place.
            let caller_view = a.shallow_clone();
            student::add_ten_where(&mut a, &args.tensor(1)?);
            vec![out(&caller_view)?, out(&a)?]
        }
        "poisson_samples" => vec![out(&student::poisson_samples(args.f64(0)?, args.i64(1)?))?],
        "poisson_pmf_matrix" => vec![out(&student::poisson_pmf_matrix(&args.tensor(0)?, &args.tensor(1)?))?],
        "gamma_log_prob" => vec![out(&student::gamma_log_prob(args.f64(0)?, args.f64(1)?, &args.tensor(2)?))?],
        "poisson_mixture" => vec![out(&student::poisson_mixture(args.i64(0)?, args.f64(1)?, args.f64(2)?))?],
        "standard_normal" => vec![out(&student::standard_normal(args.i64(0)?, args.i64(1)?))?],
        "normal_around" => vec![out(&student::normal_around(&args.tensor(0)?))?],
        // function, then its arguments: two calls in a row, without reseeding in between
        "twice" => {
            let inner = match args.0.first() {
                Some(Value::Str(name)) if name != "twice" => name.clone(),
                Some(other) => return Err(DispatchError::BadArgument { index: 0, expected: "a function name", got: other.type_name() }),
                None => return Err(DispatchError::BadArgument { index: 0, expected: "a function name", got: "nothing" }),
            };
            let rest = Args(args.0[1..].to_vec());
            let mut outputs = dispatch(&inner, &rest)?;
            outputs.extend(dispatch(&inner, &rest)?);
            outputs
        }
        other => return Err(DispatchError::UnknownFunction(other.to_string())),
    })
}
