//! `serve` (the default command) runs the web service until it is stopped; `--bind`
//! overrides the configured address. `migrate` applies pending database migrations,
//! prints how many and exits. Both exit 1 on any startup or database error.

use crate::config::Settings;
use crate::startup::Application;

pub(super) fn serve(mut settings: Settings, bind: Option<String>) -> anyhow::Result<()> {
    if let Some(b) = bind {
        settings.bind = b;
    }
    actix_web::rt::System::new().block_on(async move {
        let bind = settings.bind.clone();
        let app = Application::build(settings).await?;
        tracing::info!(%bind, port = app.port(), "mietschulung listening");
        app.run_until_stopped().await?;
        Ok(())
    })
}

pub(super) fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = crate::db::Db::connect(&settings.database_url, 1, false)?;
    let n = db.migrate()?;
    println!("{n} migration(s) applied");
    Ok(())
}
