fn main() -> std::process::ExitCode {
    match mietschulung::cli::main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Fehler: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
