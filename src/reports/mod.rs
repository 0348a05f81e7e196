//! Reports for coordinators: per run (attendance matrix, completion with reasons, test
//! results) and per organisation (participants, sessions held, attendance and no-show
//! rates over time, completions), as pages with SVG charts and as CSV and XLSX files.
//!
//! Rules: every figure is scoped to the coordinator's organisation. A no-show is a mark
//! "absent" (an excused absence is not a no-show). Only sessions that have started and
//! were not cancelled count as held, and only their marks count as attendance: a session
//! still to come is never attended, in the run report (its column stays empty, completion
//! ignores it) or in the monthly figures. The organisation's report covers a period and a
//! course (`filter`): the runs that overlap the period, and of them the sessions that
//! started within it. Figures are shown in German form (`format`: `60,0 %`, "November
//! 2026"); every chart has an accessible name and a table with the same figures.

pub mod api;
pub mod chart;
pub mod export;
pub mod filter;
pub mod format;
pub mod pages;
pub mod repo;
pub mod service;
