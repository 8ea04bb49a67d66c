//! Course-author tools: stubs generated from solution markers
//! ([`stubs`]), the student and Gradescope distributions ([`release`]), and
//! tolerance calibration over several seeds ([`calibration`]).

pub mod calibration;
pub mod release;
pub mod stubs;
