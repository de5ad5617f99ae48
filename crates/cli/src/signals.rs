//! Ctrl-C and SIGTERM: the first cancels the running job's token (it stops
//! at the next chunk boundary and keeps what is done); a second exits at once.

use gaprisk::CancelToken;

pub fn install() -> CancelToken {
    let token = CancelToken::new();
    let handler = token.clone();
    let _ = ctrlc::set_handler(move || {
        if handler.is_cancelled() {
            std::process::exit(130);
        }
        eprintln!("\ngaprisk: stopping at the next chunk boundary (again to quit at once)");
        handler.cancel();
    });
    token
}
