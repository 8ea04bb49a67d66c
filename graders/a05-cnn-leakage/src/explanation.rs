//! Exercise 8: the written explanation, checked for substance (it names what
//! goes wrong and how that gives the answers away) and attached for the
//! instructor to read.

use gradwork::outputs;
use gradwork::suite::{Ctx, Failure};

/// Fewest words an explanation of the bug takes.
pub const MIN_WORDS: usize = 25;

/// Words that name where the shapes are put (any one will do).
const WHERE: &[&str] = &[
    "centre", "center", "position", "location", "corner", "coordinate", "randint", "0..4", "0 to 3", "0 and 3",
    "top-left", "top left", "placed", "placement", "offset",
];

/// Words that say how the labels are given away (any one will do).
const WHY: &[&str] = &[
    "duplicate", "copies", "copy", "overlap", "memoris", "memoriz", "identical", "same image", "distinct", "variety",
    "diversity", "ink", "bright", "intensity", "pixel count", "number of pixels", "sum of", "trivial", "shortcut",
    "separable", "cut off", "clipped", "border", "edge", "too easy",
];

pub fn explanation(ctx: &mut Ctx) -> Result<(), Failure> {
    let text = outputs::text(&ctx.call_one("explain_bug", vec![])?, "the explanation")?;
    ctx.attach("explanation.md", "Your explanation of the bug (exercise 8), for your instructor", text.clone().into_bytes());
    let lower = text.to_lowercase();
    let words = text.split_whitespace().count();
    let mut missing = Vec::new();
    if words < MIN_WORDS {
        missing.push(format!("it has {words} words; a few sentences (at least {MIN_WORDS} words) are needed to explain cause and effect"));
    }
    if !WHERE.iter().any(|w| lower.contains(w)) {
        missing.push("it does not say what goes wrong in the generator: where does it put the shapes? Look at how the centre is drawn".into());
    }
    if !WHY.iter().any(|w| lower.contains(w)) {
        missing.push(
            "it does not say why that makes the accuracy meaningless: what can the network (or a much simpler rule) use \
             instead of recognising a dot or a ring? Think of what the test images have in common with the training \
             images, and of how much ink a dot has next to a ring"
                .into(),
        );
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Failure::wrong(format!(
        "Your explanation in `explain_bug()` is not complete yet: {}. (Your instructor reads it as well; this check \
         only looks for the substance.)",
        missing.join("; ")
    )))
}
