fn main() -> std::process::ExitCode {
    mgp::cli::main()
}
