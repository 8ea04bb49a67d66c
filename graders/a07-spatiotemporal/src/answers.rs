//! The two written answers (exercises 2 and 6), checked for substance by
//! keywords and attached for the instructor to read.

use gradwork::outputs;
use gradwork::suite::{Ctx, Failure};

/// A group of words of which an answer must use at least one, and what to say when it uses none.
struct Needs {
    words: &'static [&'static str],
    missing: &'static str,
}

fn judge(ctx: &mut Ctx, function: &str, file: &str, caption: &str, min_words: usize, needs: &[Needs]) -> Result<(), Failure> {
    let text = outputs::text(&ctx.call_one(function, vec![])?, "the answer")?;
    ctx.attach(file, caption, text.clone().into_bytes());
    let lower = text.to_lowercase();
    let words = text.split_whitespace().count();
    let mut missing = Vec::new();
    if words < min_words {
        missing.push(format!("it has {words} words; a few sentences (at least {min_words} words) are needed"));
    }
    for need in needs {
        if !need.words.iter().any(|w| lower.contains(w)) {
            missing.push(need.missing.to_string());
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Failure::wrong(format!(
        "Your answer in `{function}()` is not complete yet: {}. (Your instructor reads it as well; this check only looks for \
         the substance.)",
        missing.join("; ")
    )))
}

pub fn dynamics(ctx: &mut Ctx) -> Result<(), Failure> {
    judge(
        ctx,
        "describe_dynamics",
        "dynamics.md",
        "Your description of the frames' dynamics (exercise 2), for your instructor",
        25,
        &[
            Needs {
                words: &["mass", "total", "amount", "deposit", "sum of"],
                missing: "it does not say what the total mass does over time (plot `mass` against the frame index)",
            },
            Needs {
                words: &["spread", "aggregat", "cluster", "contract", "concentrat", "gather", "shrink", "converg", "disperse", "expand"],
                missing: "it does not say what the spread does, and what kind of aggregation or dispersal that is (plot `spread`)",
            },
        ],
    )
}

pub fn ppca(ctx: &mut Ctx) -> Result<(), Failure> {
    judge(
        ctx,
        "ppca_answer",
        "ppca-answer.md",
        "Your answer to \"does PPCA converge to PCA?\" (exercise 6), for your instructor",
        30,
        &[
            Needs {
                words: &["rotat", "orthogonal", "unitary", "identifiab", "up to a", "not unique", "non-unique"],
                missing: "it does not name why the columns of W need not be the principal directions: what can you do to W without \
                          changing W Wᵀ + σ² I?",
            },
            Needs {
                words: &["subspace", "span", "column space", "same space", "principal angle"],
                missing: "it does not say in what sense PPCA does converge to PCA: compare what W spans, not its columns",
            },
        ],
    )
}
