//! The programme's figures as a PDF report for funding bodies.

use super::service::Dashboard;
use crate::error::{AppError, AppResult};

pub fn pdf(_d: &Dashboard) -> AppResult<Vec<u8>> {
    Err(AppError::NotFound(crate::i18n::Text::key("error.download_format")))
}
