//! Course-author tools: stubs generated from solution markers
//! ([`stubs`]), the student and Gradescope distributions ([`release`]),
//! tolerance calibration over several seeds ([`calibration`]), and mutants
//! of the references that the graders must catch ([`mutants`]).

pub mod calibration;
pub mod mutants;
pub mod release;
pub mod stubs;
