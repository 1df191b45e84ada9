//! Rules: Rego files with METADATA, built in (embedded from `rules/`) or from `--rules DIR`.
//! They are parsed and compiled once into a prepared engine that each worker clones.

pub mod docs;
pub mod evaluate;
pub mod limits;
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
    /// Line of the first definition of `applicable`, `deny` and `not_evaluated`, for messages.
    lines: [usize; 3],
    /// Why the rule cannot run at all (it uses a recursive function); its results are `not_evaluated`.
    pub blocked: Option<String>,
    /// Set once the rule overruns its budget in one account, so the others skip it instead of waiting.
    pub over_budget: std::sync::Arc<std::sync::OnceLock<String>>,
    /// CPU time spent evaluating this rule across every account and worker, for `--timings`.
    pub cpu_ns: std::sync::Arc<std::sync::atomic::AtomicU64>,
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
    /// `file:line` of a part (0 applicable, 1 deny, 2 not_evaluated), for messages.
    pub fn location(&self, part: usize) -> String {
        format!("{}:{}", self.origin, self.lines.get(part).copied().unwrap_or(1))
    }
}

/// Every rule and helper, parsed and compiled.
#[derive(Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Compiled once; workers clone it.
    pub engine: Engine,
    /// What the facts need to know from the rules' data (escalation methods, sensitive actions).
    pub iam_knowledge: std::sync::Arc<crate::facts::iam::IamKnowledge>,
    /// What the rules and parameters were, as the history records them.
    pub digest: RulesDigest,
}

/// SHA-256 of the rule and library files (origin and text, in origin order), of the
/// parameters in force and of every data document (keys sorted): two runs with equal `rules`
/// and `data` digests judged by the same rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesDigest {
    pub rules: String,
    pub params: String,
    /// Every document of `data.posture` (params included): what `--incremental` keys on.
    pub data: String,
}

impl RulesDigest {
    fn of(files: &[RegoFile], data: &serde_json::Value) -> Self {
        use sha2::{Digest, Sha256};
        let hex = |digest: &[u8]| digest.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let mut sorted: Vec<&RegoFile> = files.iter().filter(|f| f.kind != FileKind::Test).collect();
        sorted.sort_by(|a, b| a.origin.cmp(&b.origin));
        let mut rules = Sha256::new();
        for file in sorted {
            for part in [&file.origin, &file.text] {
                rules.update(part.as_bytes());
                rules.update([0u8]);
            }
        }
        let params = crate::snapshot::sort_keys(data.get("params").cloned().unwrap_or_default());
        let documents = crate::snapshot::sort_keys(data.clone());
        RulesDigest {
            rules: hex(&rules.finalize()),
            params: hex(&Sha256::digest(params.to_string().as_bytes())),
            data: hex(&Sha256::digest(documents.to_string().as_bytes())),
        }
    }
}

/// Rego files and data documents from one or more rule roots.
#[derive(Debug, Clone, Default)]
pub struct RuleSources {
    pub files: Vec<RegoFile>,
    /// `data/<stem>.json` of each root, as `data.posture.<stem>`; a later root's document is
    /// merged key by key over the earlier one (a team names only what differs).
    pub data: serde_json::Map<String, serde_json::Value>,
    /// Parameters a `--rules` folder's `data/params.json` set, in order, for `config show`.
    pub param_overrides: Vec<ParamOverride>,
}

/// One parameter of `data.posture.params` set by a team's rules folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamOverride {
    pub key: String,
    /// The `data/params.json` that set it.
    pub path: PathBuf,
}

impl RuleSources {
    /// The built-in rules (unless `include_builtin` is false) and every `--rules` folder.
    pub fn gather(extra_dirs: &[PathBuf], include_builtin: bool) -> Result<Self, InputError> {
        let mut sources = if include_builtin {
            builtin_sources()?
        } else {
            RuleSources::default()
        };
        for dir in extra_dirs {
            let own = directory_sources(dir)?;
            sources.files.extend(own.files);
            for (stem, document) in own.data {
                let path = dir.join("data").join(format!("{stem}.json"));
                sources.merge_data(stem, document, &path)?;
            }
        }
        Ok(sources)
    }

    /// Merges a team's data document over what is loaded: key by key for objects, with
    /// parameters type-checked against the defaults like `posture.yaml`; other documents replace.
    fn merge_data(&mut self, stem: String, document: serde_json::Value, path: &Path) -> Result<(), InputError> {
        let serde_json::Value::Object(incoming) = document else {
            self.data.insert(stem, document);
            return Ok(());
        };
        let existing = self
            .data
            .entry(stem.clone())
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        let serde_json::Value::Object(existing) = existing else {
            *existing = serde_json::Value::Object(incoming);
            return Ok(());
        };
        for (key, value) in incoming {
            if stem == "params" {
                // A key the defaults do not know is a parameter of the team's own rules.
                if let Some(default) = existing.get(&key) {
                    crate::config::check_type(&key, default, &value).map_err(|message| InputError::Invalid {
                        path: path.to_path_buf(),
                        json_path: format!("$.{key}"),
                        message,
                    })?;
                }
                self.param_overrides.retain(|o| o.key != key);
                self.param_overrides.push(ParamOverride {
                    key: key.clone(),
                    path: path.to_path_buf(),
                });
            }
            existing.insert(key, value);
        }
        Ok(())
    }

    /// One comment line per rules folder that set parameters, for `posture config show`.
    pub fn param_override_summary(&self) -> Vec<String> {
        let mut by_path: Vec<(&Path, Vec<&str>)> = Vec::new();
        for o in &self.param_overrides {
            match by_path.iter_mut().find(|(path, _)| *path == o.path.as_path()) {
                Some((_, keys)) => keys.push(&o.key),
                None => by_path.push((&o.path, vec![&o.key])),
            }
        }
        by_path
            .into_iter()
            .map(|(path, keys)| format!("# overridden by {}: {}", path.display(), keys.join(", ")))
            .collect()
    }

    /// Applies `posture.yaml` parameter overrides to `data.posture.params`; returns the keys changed.
    pub fn apply_config(&mut self, config: &crate::config::Config) -> Result<Vec<String>, InputError> {
        let params = self
            .data
            .entry("params")
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        match params {
            serde_json::Value::Object(map) => config.apply(map),
            _ => Err(InputError::Usage(
                "rules data: data.posture.params is not an object".into(),
            )),
        }
    }

    pub fn data_value(&self) -> serde_json::Value {
        serde_json::Value::Object(self.data.clone())
    }
}

/// Reads the built-in rules and data.
pub fn builtin_sources() -> Result<RuleSources, InputError> {
    let mut files = Vec::new();
    collect_embedded(&BUILTIN_RULES, &mut files)?;
    let mut data = serde_json::Map::new();
    if let Some(dir) = BUILTIN_RULES.get_dir("data") {
        for file in dir
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
        {
            let origin = format!("{BUILTIN_PREFIX}/{}", file.path().display());
            let value = serde_json::from_slice(file.contents())
                .map_err(|error| InputError::at(Path::new(&origin), "$".into(), &error))?;
            data.insert(stem(file.path()), value);
        }
    }
    Ok(RuleSources {
        files,
        data,
        param_overrides: Vec::new(),
    })
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default()
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

/// Reads every `.rego` file below a directory given with `--rules`, and its `data/*.json`.
pub fn directory_sources(root: &Path) -> Result<RuleSources, InputError> {
    let files = directory_files(root)?;
    let mut data = serde_json::Map::new();
    let data_dir = root.join("data");
    if data_dir.is_dir() {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&data_dir)
            .map_err(|source| InputError::Unreadable {
                path: data_dir.clone(),
                source,
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).map_err(|source| InputError::Unreadable {
                path: path.clone(),
                source,
            })?;
            let value = serde_json::from_slice(&bytes).map_err(|error| InputError::at(&path, "$".into(), &error))?;
            data.insert(stem(&path), value);
        }
    }
    Ok(RuleSources {
        files,
        data,
        param_overrides: Vec::new(),
    })
}

fn directory_files(root: &Path) -> Result<Vec<RegoFile>, InputError> {
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
    definition_line(text, name).is_some()
}

/// The 1-based line of the first top-level definition of `name`.
fn definition_line(text: &str, name: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with([' ', '[', '{', ':', '=']) || rest.is_empty())
        })
        .map(|index| index + 1)
}

impl RuleSet {
    /// Parses METADATA, compiles every rule and library, and warms the engine once.
    pub fn load(
        extra_dirs: &[PathBuf],
        include_builtin: bool,
        config: Option<&crate::config::Config>,
    ) -> Result<Self, InputError> {
        let mut sources = RuleSources::gather(extra_dirs, include_builtin)?;
        if let Some(config) = config {
            sources.apply_config(config)?;
        }
        let data = sources.data_value();
        let files = sources.files;
        let digest = RulesDigest::of(&files, &data);
        let iam_knowledge = crate::facts::iam::IamKnowledge::from_data(&data)
            .map_err(|message| InputError::Usage(format!("rules data (data.posture.iam): {message}")))?;
        let mut rules = Vec::new();
        let mut engine = Engine::new();
        limits::apply(&mut engine, limits::TIME_BUDGET)
            .map_err(|error| InputError::Usage(format!("preparing the rule engine: {error}")))?;
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
                lines: ["applicable", "deny", "not_evaluated"]
                    .map(|part| definition_line(&file.text, part).unwrap_or(1)),
                blocked: None,
                over_budget: Default::default(),
                cpu_ns: Default::default(),
                has_not_evaluated: defines(&file.text, "not_evaluated"),
                paths: ["applicable", "deny", "not_evaluated"].map(|part| format!("data.{}.{part}", file.package)),
                package: file.package.clone(),
                origin: file.origin.clone(),
                meta,
            });
        }
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        let recursive = limits::recursive_rules(files.iter().filter(|f| f.kind != FileKind::Test));
        for rule in &mut rules {
            rule.blocked = rule.paths.iter().find_map(|path| recursive.get(path).cloned());
        }
        engine
            .add_data(posture_data(&data))
            .map_err(|error| InputError::Usage(format!("rules data: {error}")))?;
        // Compile now, once, so that clones start prepared and errors surface before the scan.
        engine.set_input(Value::new_object());
        for rule in rules.iter().filter(|rule| rule.blocked.is_none()) {
            engine
                .eval_rule(format!("data.{}.applicable", rule.package))
                .map_err(|error| regorus_error(&rule.origin, &error))?;
        }
        Ok(RuleSet {
            rules,
            engine,
            iam_knowledge: std::sync::Arc::new(iam_knowledge),
            digest,
        })
    }

    /// Replaces the time budget of each evaluation ([`limits::TIME_BUDGET`] by default).
    pub fn set_time_budget(&mut self, budget: std::time::Duration) {
        self.engine.set_execution_timer_config(limits::timer(budget));
    }

    pub fn find(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id.eq_ignore_ascii_case(id))
    }
}

/// The rules' data documents under `data.posture`.
pub fn posture_data(data: &serde_json::Value) -> Value {
    Value::from(serde_json::json!({ "posture": data }))
}

/// Where a regorus error points (`--> file:line:col`) and its message (`error: ...`).
struct RegorusLocation<'a> {
    file: &'a str,
    line: usize,
    col: usize,
    message: &'a str,
}

fn locate(text: &str) -> Option<RegorusLocation<'_>> {
    let place = text.lines().find_map(|l| l.trim().strip_prefix("--> "))?;
    // The file may itself contain `:`; line and column are the last two fields.
    let mut fields = place.rsplitn(3, ':');
    let col = fields.next()?.trim().parse().ok()?;
    let line = fields.next()?.trim().parse().ok()?;
    let file = fields.next()?;
    let message = text
        .lines()
        .map(str::trim)
        .rfind(|l| {
            !l.is_empty()
                && !l.starts_with('|')
                && !l.starts_with("-->")
                && !l.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .unwrap_or("invalid Rego");
    let message = message.strip_prefix("error: ").unwrap_or(message);
    Some(RegorusLocation {
        file,
        line,
        col,
        message,
    })
}

/// The cause of a regorus error in one line, `file:line:col: message`, with echoed input capped.
pub(crate) fn regorus_cause(error: &anyhow::Error) -> String {
    let text = error.to_string();
    let cause = match locate(&text) {
        Some(at) => format!("{}:{}:{}: {}", at.file, at.line, at.col, at.message),
        None => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    };
    limits::cap_echo(if cause.is_empty() { "unknown error" } else { &cause })
}

/// A regorus error as an input error, blamed on the file and line it names (the error may be
/// in another file than the one being loaded: regorus compiles every module on first use).
pub(crate) fn regorus_error(origin: &str, error: &anyhow::Error) -> InputError {
    let text = error.to_string();
    match locate(&text) {
        Some(at) => InputError::Rule {
            path: at.file.to_string(),
            line: at.line,
            message: limits::cap_echo(at.message),
        },
        None => InputError::Rule {
            path: origin.to_string(),
            line: 1,
            message: regorus_cause(error),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn team_params_merge_over_the_defaults_and_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        let params = dir.path().join("data/params.json");
        std::fs::write(&params, r#"{"admin_ports": [22], "acme_only": true}"#).unwrap();
        let sources = RuleSources::gather(&[dir.path().to_path_buf()], true).unwrap();
        let merged = &sources.data["params"];
        assert_eq!(merged["admin_ports"], serde_json::json!([22]));
        assert_eq!(merged["acme_only"], serde_json::json!(true));
        assert_eq!(
            merged["access_key_max_age_days"],
            serde_json::json!(90),
            "defaults stay"
        );
        assert_eq!(
            sources.param_override_summary(),
            vec![format!("# overridden by {}: admin_ports, acme_only", params.display())]
        );

        std::fs::write(&params, r#"{"access_key_max_age_days": "90"}"#).unwrap();
        let error = RuleSources::gather(&[dir.path().to_path_buf()], true)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("params.json: at $.access_key_max_age_days: expected a number"),
            "{error}"
        );
    }
}
