//! A small seeded random generator for shuffling. Given: nothing to write here.
//!
//! libtorch has one global random generator: the grader reseeds it before
//! every call, and dropout and `randn` draw from it. The data loader and the
//! splits need random numbers that depend on *their own* seed only, so that
//! the same seed always gives the same order whatever else the program does.
//! They use this generator.

/// SplitMix64 (Steele, Lea and Flood, 2014): 64 bits of state, good
/// statistical quality, and the same numbers on every machine.
///
/// ```
/// use a04_training::rng::SplitMix64;
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose numbers depend only on `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n`; `n` must be at least 1. (Lemire's
    /// multiply-shift: the bias is below n / 2⁶⁴, far too small to matter.)
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}
