// `rust_logs env`: env_logger's default layout on stderr (RUST_LOG=debug, no colours off a tty).
// `rust_logs tracing`: tracing-subscriber's default fmt layout on stdout, ANSI colours off.
// `rust_logs panic`: env_logger's lines on stderr, then a worker thread's panic (a message of two
// lines) and main's (Result::unwrap on an Err): Rust's panic reports, on stderr too.
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

fn panics() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    log::info!("charging order 42");
    let worker = std::thread::Builder::new()
        .name("payments".into())
        .spawn(|| panic!("payment failed: card declined\nretry in 5 minutes"))
        .unwrap();
    let _ = worker.join();
    log::warn!("worker lost");
    let gateway: Result<u32, String> = Err("connection refused".into());
    gateway.unwrap();
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("env") => env(),
        Some("panic") => panics(),
        Some("tracing") => traced(),
        _ => {
            eprintln!("usage: rust_logs env|tracing|panic");
            std::process::exit(2);
        }
    }
}
