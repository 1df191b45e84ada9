// Many small allocations on many threads: mimalloc holds up where the system allocator slows.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(posture::cli::main())
}
