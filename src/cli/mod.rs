//! The command line: parses the words ([`args`]), runs one command (a module each), and maps
//! the outcome to an exit code through the gate. The pipeline itself is [`crate::scan`].

pub mod args;
mod collect;
mod diff;
mod facts;
mod history;
mod rules;
mod scan;

use crate::config::Config;
use crate::error::InputError;
use crate::gate::{self, Outcome};
use args::{Cli, Command, ConfigCommand, SchemaKind};
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Parses arguments, runs, and returns the process exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    let _ = error.print();
                    gate::EXIT_OK
                }
                _ => {
                    // Usage errors are one line; the "try --help" hint below it is dropped.
                    let rendered = error.render().to_string();
                    eprintln!("{}", rendered.lines().next().unwrap_or("error: invalid arguments"));
                    gate::EXIT_INPUT
                }
            };
        }
    };
    crate::logging::init(cli.quiet, cli.verbose);
    crate::destination::remove_temporaries_when_interrupted();
    match run(cli.command, cli.config.as_deref(), cli.quiet) {
        Ok(code) => code,
        Err(error) => match error.downcast_ref::<InputError>() {
            Some(input) => {
                eprintln!("error: {input}");
                gate::decide(Outcome::InputError).code
            }
            None => {
                eprintln!("error: {error:#}");
                gate::decide(Outcome::RuntimeError).code
            }
        },
    }
}

/// Colour only on a terminal, and never when NO_COLOR is set to anything non-empty.
fn use_colour(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `posture.yaml` is read only by the commands that use rule parameters.
fn config(path: Option<&Path>) -> Result<Option<Config>, InputError> {
    Config::resolve(path)
}

fn run(command: Command, config_path: Option<&Path>, quiet: bool) -> anyhow::Result<u8> {
    match command {
        Command::Collect(args) => collect::collect(&args, quiet),
        Command::Scan(args) => scan::scan(args, config(config_path)?.as_ref(), quiet),
        Command::Config(ConfigCommand::Show { rules }) => rules::config_show(&rules, config(config_path)?.as_ref()),
        Command::Facts(args) => facts::facts(&args, config(config_path)?.as_ref(), quiet),
        Command::Rules(command) => rules::rules(command, config_path),
        Command::Diff(args) => diff::diff(args),
        Command::History(args) => history::history(args, config(config_path)?.as_ref()),
        Command::Schema { kind, output } => {
            let schema = match kind {
                SchemaKind::Snapshot => crate::snapshot::json_schema(),
                SchemaKind::Report => crate::report::v1::json_schema(),
                SchemaKind::Facts => crate::facts::json_schema(),
            };
            let text = serde_json::to_string_pretty(&schema)? + "\n";
            match output {
                Some(path) => {
                    crate::destination::write_file(&path, &[] as &[PathBuf], |out| out.write_all(text.as_bytes()))?
                }
                None => std::io::stdout().lock().write_all(text.as_bytes())?,
            }
            Ok(gate::decide(Outcome::Done).code)
        }
    }
}
