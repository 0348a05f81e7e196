//! Reports for coordinators: per run (attendance matrix, completion with reasons, test
//! results) and per organisation (participants, sessions held, attendance and no-show
//! rates over time, completions), as pages with SVG charts and as CSV and XLSX files.
//!
//! Rules: every figure is scoped to the coordinator's organisation. A no-show is a mark
//! "absent" (an excused absence is not a no-show). Only sessions that have started and
//! were not cancelled count as held.

pub mod api;
pub mod chart;
pub mod export;
pub mod pages;
pub mod repo;
pub mod service;
