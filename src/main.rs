// Many small allocations on many threads: mimalloc holds up where the system allocator slows.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // With RUST_BACKTRACE set, anyhow captures a backtrace for every error it builds, and regorus
    // builds (and drops) thousands while resolving references: 15 % of a scan's CPU. posture never
    // shows those backtraces; panics still honour RUST_BACKTRACE. Set before any thread starts.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    std::process::ExitCode::from(posture::cli::main())
}
