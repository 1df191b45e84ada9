fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(posture::cli::main())
}
