// `rust_logs env`: env_logger's default layout on stderr (RUST_LOG=debug, no colours off a tty).
// `rust_logs tracing`: tracing-subscriber's default fmt layout on stdout, ANSI colours off.
mod db {
    pub fn query() {
        log::warn!("slow query took {} ms", 1250);
    }
    pub fn traced() {
        tracing::warn!(took_ms = 1250, "slow query");
    }
}

fn env() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("debug")).init();
    log::info!("starting server on 0.0.0.0:8080");
    db::query();
    log::error!("payment failed: card declined");
    log::debug!(target: "audit", "ledger checked");
}

fn traced() {
    tracing_subscriber::fmt().with_ansi(false).with_max_level(tracing::Level::DEBUG).init();
    tracing::info!(addr = "0.0.0.0:8080", "listening");
    db::traced();
    let span = tracing::info_span!("request", method = "GET", uri = "/orders/42");
    let _g = span.enter();
    tracing::error!(err = "card declined", "payment failed");
    tracing::debug!(target: "audit", "ledger checked");
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("env") => env(),
        Some("tracing") => traced(),
        _ => {
            eprintln!("usage: rust_logs env|tracing");
            std::process::exit(2);
        }
    }
}
