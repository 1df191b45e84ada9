//! Rules: Rego files with METADATA, built in (embedded from `rules/`) or from `--rules DIR`.
//! They are parsed and compiled once into a prepared engine that each worker clones.

pub mod evaluate;
pub mod metadata;
pub mod testing;

use crate::error::InputError;
use include_dir::{include_dir, Dir};
use metadata::RuleMetadata;
use regorus::{Engine, Value};
use std::path::{Path, PathBuf};

static BUILTIN_RULES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// Built-in rule sources are shown with this prefix in messages.
pub const BUILTIN_PREFIX: &str = "<builtin>/rules";

/// Default rule parameters (admin ports, ...), given to Rego as `data.posture.params`.
pub const DEFAULT_PARAMS: &str = include_str!("../../rules/params.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Rule,
    Test,
    Library,
}

/// One `.rego` file as read.
#[derive(Debug, Clone)]
pub struct RegoFile {
    /// Where it came from, for messages (`<builtin>/rules/aws/iam/full_admin.rego` or a path).
    pub origin: String,
    /// Path below the rules root, `/`-separated.
    pub relative: String,
    pub package: String,
    pub text: String,
    pub kind: FileKind,
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: RuleMetadata,
    pub package: String,
    pub origin: String,
    pub has_not_evaluated: bool,
    paths: [String; 3],
}

impl Rule {
    pub fn applicable_path(&self) -> String {
        self.paths[0].clone()
    }
    pub fn deny_path(&self) -> String {
        self.paths[1].clone()
    }
    pub fn not_evaluated_path(&self) -> String {
        self.paths[2].clone()
    }
}

/// Every rule and helper, parsed and compiled.
#[derive(Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub files: Vec<RegoFile>,
    /// Compiled once; workers clone it.
    pub engine: Engine,
}

/// Reads the built-in rules.
pub fn builtin_files() -> Result<Vec<RegoFile>, InputError> {
    let mut files = Vec::new();
    collect_embedded(&BUILTIN_RULES, &mut files)?;
    Ok(files)
}

fn collect_embedded(dir: &Dir<'_>, files: &mut Vec<RegoFile>) -> Result<(), InputError> {
    for file in dir.files() {
        let relative = file.path().to_string_lossy().replace('\\', "/");
        if !relative.ends_with(".rego") {
            continue;
        }
        let origin = format!("{BUILTIN_PREFIX}/{relative}");
        let text = file.contents_utf8().ok_or_else(|| InputError::Rule {
            path: origin.clone(),
            line: 1,
            message: "not UTF-8".into(),
        })?;
        files.push(read_rego(origin, relative, text.to_string())?);
    }
    for sub in dir.dirs() {
        collect_embedded(sub, files)?;
    }
    Ok(())
}

/// Reads every `.rego` file below a directory given with `--rules`.
pub fn directory_files(root: &Path) -> Result<Vec<RegoFile>, InputError> {
    if !root.is_dir() {
        return Err(InputError::Usage(format!(
            "{}: --rules expects a directory of .rego files",
            root.display()
        )));
    }
    let mut paths = Vec::new();
    walk(root, &mut paths).map_err(|source| InputError::Unreadable {
        path: root.to_path_buf(),
        source,
    })?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|source| InputError::Unreadable {
                path: path.clone(),
                source,
            })?;
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            read_rego(path.display().to_string(), relative, text)
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rego") {
            out.push(path);
        }
    }
    Ok(())
}

/// Classifies a file and checks that its package follows its path.
fn read_rego(origin: String, relative: String, text: String) -> Result<RegoFile, InputError> {
    let (package, package_line) = package_of(&text).ok_or_else(|| InputError::Rule {
        path: origin.clone(),
        line: 1,
        message: "no `package` declaration".into(),
    })?;
    let stem = relative.trim_end_matches(".rego");
    let kind = if stem.ends_with("_test") {
        FileKind::Test
    } else if metadata::has_metadata(&text) {
        FileKind::Rule
    } else {
        FileKind::Library
    };
    let expected = stem.replace('/', ".");
    let accepted = match kind {
        // A test may share its rule's package or use the `<pkg>_test` package.
        FileKind::Test => package == expected || package == expected.trim_end_matches("_test"),
        FileKind::Rule | FileKind::Library => package == expected,
    };
    if !accepted {
        return Err(InputError::Rule {
            path: origin,
            line: package_line,
            message: format!("package `{package}` must follow the file's path: `package {expected}`"),
        });
    }
    Ok(RegoFile {
        origin,
        relative,
        package,
        text,
        kind,
    })
}

fn package_of(text: &str) -> Option<(String, usize)> {
    text.lines().enumerate().find_map(|(index, line)| {
        let rest = line.trim().strip_prefix("package ")?;
        Some((rest.trim().to_string(), index + 1))
    })
}

/// Whether a module defines a top-level rule of this name.
fn defines(text: &str, name: &str) -> bool {
    text.lines().any(|line| {
        line.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with([' ', '[', '{', ':', '=']) || rest.is_empty())
    })
}

impl RuleSet {
    /// Parses METADATA, compiles every rule and library, and warms the engine once.
    pub fn load(extra_dirs: &[PathBuf], params: &serde_json::Value) -> Result<Self, InputError> {
        let mut files = builtin_files()?;
        for dir in extra_dirs {
            files.extend(directory_files(dir)?);
        }
        let mut rules = Vec::new();
        let mut engine = Engine::new();
        for file in files.iter().filter(|f| f.kind != FileKind::Test) {
            engine
                .add_policy(file.origin.clone(), file.text.clone())
                .map_err(|error| regorus_error(&file.origin, &error))?;
            if file.kind != FileKind::Rule {
                continue;
            }
            let meta = metadata::parse(&file.text).map_err(|error| InputError::Rule {
                path: file.origin.clone(),
                line: error.line,
                message: error.message,
            })?;
            for required in ["applicable", "deny"] {
                if !defines(&file.text, required) {
                    return Err(InputError::Rule {
                        path: file.origin.clone(),
                        line: 1,
                        message: format!("rule {} must define `{required}`", meta.id),
                    });
                }
            }
            if let Some(previous) = rules.iter().find(|r: &&Rule| r.meta.id == meta.id) {
                return Err(InputError::Rule {
                    path: file.origin.clone(),
                    line: 1,
                    message: format!("rule id {} is already used by {}", meta.id, previous.origin),
                });
            }
            rules.push(Rule {
                has_not_evaluated: defines(&file.text, "not_evaluated"),
                paths: ["applicable", "deny", "not_evaluated"].map(|part| format!("data.{}.{part}", file.package)),
                package: file.package.clone(),
                origin: file.origin.clone(),
                meta,
            });
        }
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        engine
            .add_data(params_value(params))
            .map_err(|error| InputError::Usage(format!("rule parameters: {error}")))?;
        // Compile now, once, so that clones start prepared and errors surface before the scan.
        engine.set_input(Value::new_object());
        for rule in &rules {
            engine
                .eval_rule(format!("data.{}.applicable", rule.package))
                .map_err(|error| regorus_error(&rule.origin, &error))?;
        }
        Ok(RuleSet { rules, files, engine })
    }

    pub fn find(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id.eq_ignore_ascii_case(id))
    }
}

/// `data.posture.params` from the merged parameters.
pub fn params_value(params: &serde_json::Value) -> Value {
    let wrapped = serde_json::json!({ "posture": { "params": params } });
    Value::from(wrapped)
}

/// The default parameters merged with overrides.
pub fn default_params() -> serde_json::Value {
    // The embedded file is checked by a test; an unparsable one would fail the build's tests.
    serde_json::from_str(DEFAULT_PARAMS).unwrap_or(serde_json::Value::Null)
}

/// regorus errors already carry `file:line:col`; keep the first line.
pub(crate) fn regorus_error(origin: &str, error: &anyhow::Error) -> InputError {
    let text = error.to_string();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid Rego")
        .trim()
        .to_string();
    let line = text
        .split(&format!("{origin}:"))
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(1);
    let message = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('|') && !l.starts_with('-'))
        .unwrap_or(&first)
        .trim_start_matches("error: ")
        .to_string();
    InputError::Rule {
        path: origin.to_string(),
        line,
        message,
    }
}
