//! The slime-mould data: a deterministic, seeded simulation of agents that
//! sense, turn, move and deposit a trail, in the spirit of Jones's Physarum
//! model (2010), with a food source that circles the grid and draws them together.
//!
//! Every step each agent samples the trail (plus the food's scent) at three
//! sensors ahead of it, turns towards the strongest, moves one pixel and
//! deposits; then the trail diffuses (a 3×3 mean, zero flux at the walls)
//! and decays. A frame is the trail after every [`Params::steps_per_frame`]
//! steps. The agents start scattered and gather on the food as it moves, so
//! the frames show a network of trails that contracts and drifts.
//!
//! Random numbers come from splitmix64, uniform draws only (no
//! dependency's generator), so the shipped store never changes with a crate
//! version; `tests` below and the store's byte-for-byte test pin it.

/// splitmix64: small, fast, and the same numbers on every machine forever.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
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
}

/// What a simulation makes: its size, its agents and their rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Frames recorded.
    pub frames: usize,
    /// Grid rows.
    pub height: usize,
    /// Grid columns.
    pub width: usize,
    /// Number of agents.
    pub agents: usize,
    /// Simulation steps between two frames.
    pub steps_per_frame: usize,
    /// Simulation steps before the first frame (0: the first frame is the first step's).
    pub warmup: usize,
    /// Seed of the initial positions, headings and the food's place.
    pub seed: u64,
}

/// Sensor distance in pixels.
const SENSOR_DISTANCE: f64 = 3.0;
/// Angle between the centre sensor and a side sensor, and of one turn (radians).
const SENSOR_ANGLE: f64 = std::f64::consts::FRAC_PI_4;
/// Trail an agent deposits per step.
const DEPOSIT: f64 = 1.0;
/// Share of the trail that decays per step.
const DECAY: f64 = 0.1;
/// Probability that an agent turns at random instead of following its sensors.
const WANDER: f64 = 0.02;
/// Peak of the food's scent, in units of the trail's mean density when
/// deposit and decay balance (so that the food keeps mattering however many
/// agents there are).
const FOOD_SCENT: f64 = 3.0;

/// The shipped store's simulation: 100 frames of 64×64.
pub const SHIPPED: Params = Params { frames: 100, height: 64, width: 64, agents: 600, steps_per_frame: 2, warmup: 0, seed: 2026 };

/// Runs the simulation; returns the frames, row-major (frames, height, width), as f32.
pub fn simulate(p: &Params) -> Vec<f32> {
    let (h, w) = (p.height, p.width);
    let mut rng = SplitMix64::new(p.seed);
    // The food circles the grid's centre at 25 % of its size, once over the
    // whole run, from a random start: the agents follow it, so the frames
    // never settle, and no part of the run is nearer the walls than another.
    let start = rng.uniform() * std::f64::consts::TAU;
    let (cy, cx, radius) = (h as f64 / 2.0, w as f64 / 2.0, 0.25 * h.min(w) as f64);
    let total = (p.warmup + p.frames * p.steps_per_frame).max(1) as f64;
    let reach = 0.25 * (h.min(w) as f64);
    let peak = FOOD_SCENT * p.agents as f64 * DEPOSIT / (DECAY * (h * w) as f64);
    let scent_at = |step: usize| -> Vec<f64> {
        let angle = start + std::f64::consts::TAU * step as f64 / total;
        let food = (cy + radius * angle.sin(), cx + radius * angle.cos());
        (0..h * w)
            .map(|i| {
                let (r, c) = ((i / w) as f64 + 0.5 - food.0, (i % w) as f64 + 0.5 - food.1);
                peak * (-(r * r + c * c) / (2.0 * reach * reach)).exp()
            })
            .collect()
    };
    let mut agents: Vec<(f64, f64, f64)> = (0..p.agents)
        .map(|_| (rng.uniform() * h as f64, rng.uniform() * w as f64, rng.uniform() * std::f64::consts::TAU))
        .collect();
    let mut trail = vec![0f64; h * w];
    let mut frames = Vec::with_capacity(p.frames * h * w);
    let cell = |r: f64, c: f64| -> usize {
        let r = (r.floor().max(0.0) as usize).min(h - 1);
        let c = (c.floor().max(0.0) as usize).min(w - 1);
        r * w + c
    };
    let mut step = 0;
    for frame in 0..p.frames {
        let steps = if frame == 0 { p.warmup + p.steps_per_frame } else { p.steps_per_frame };
        for _ in 0..steps {
            let scent = scent_at(step);
            step += 1;
            for agent in agents.iter_mut() {
                let (r, c, heading) = *agent;
                let sense = |angle: f64| {
                    let i = cell(r + SENSOR_DISTANCE * angle.sin(), c + SENSOR_DISTANCE * angle.cos());
                    trail[i] + scent[i]
                };
                let (left, ahead, right) = (sense(heading - SENSOR_ANGLE), sense(heading), sense(heading + SENSOR_ANGLE));
                let turn = if rng.uniform() < WANDER {
                    if rng.uniform() < 0.5 {
                        -SENSOR_ANGLE
                    } else {
                        SENSOR_ANGLE
                    }
                } else if ahead >= left && ahead >= right {
                    0.0
                } else if left > right {
                    -SENSOR_ANGLE
                } else if right > left {
                    SENSOR_ANGLE
                } else if rng.uniform() < 0.5 {
                    -SENSOR_ANGLE
                } else {
                    SENSOR_ANGLE
                };
                let mut heading = heading + turn;
                let (mut nr, mut nc) = (r + heading.sin(), c + heading.cos());
                if nr < 0.0 || nr >= h as f64 || nc < 0.0 || nc >= w as f64 {
                    // At a wall: stay, and set off in a random direction.
                    (nr, nc) = (r, c);
                    heading = rng.uniform() * std::f64::consts::TAU;
                }
                trail[cell(nr, nc)] += DEPOSIT;
                *agent = (nr, nc, heading);
            }
            trail = diffuse(&trail, h, w).into_iter().map(|v| v * (1.0 - DECAY)).collect();
        }
        frames.extend(trail.iter().map(|&v| v as f32));
    }
    frames
}

/// The mean over each pixel's 3×3 neighbourhood inside the grid.
fn diffuse(trail: &[f64], h: usize, w: usize) -> Vec<f64> {
    let mut out = vec![0f64; h * w];
    for r in 0..h {
        for c in 0..w {
            let (mut sum, mut count) = (0.0, 0.0);
            for rr in r.saturating_sub(1)..(r + 2).min(h) {
                for cc in c.saturating_sub(1)..(c + 2).min(w) {
                    sum += trail[rr * w + cc];
                    count += 1.0;
                }
            }
            out[r * w + c] = sum / count;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_frames_and_another_seed_others() {
        let p = Params { frames: 5, height: 12, width: 9, agents: 40, steps_per_frame: 2, warmup: 0, seed: 3 };
        let a = simulate(&p);
        assert_eq!(a.len(), 5 * 12 * 9);
        assert_eq!(a, simulate(&p));
        assert_ne!(a, simulate(&Params { seed: 4, ..p.clone() }));
        assert!(a.iter().all(|v| v.is_finite() && *v >= 0.0));
    }
}
