//! Helpers shared by the harness's tests (and benches).

pub mod hostile;
