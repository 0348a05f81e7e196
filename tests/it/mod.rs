mod api_flow;
mod bad_input;
mod browser_flow;
mod cli;
mod concurrency;
mod isolation;
mod mail;
mod verification;
