//! The commands' options as JSON Schema: what the service's OpenAPI
//! document publishes, what requests are checked against (names, JSON
//! types, which shell may give an option) and what the Python package
//! builds its keywords from. Everything here is read off the spec structs'
//! derived schemas; nothing restates an option.

use super::{JobKind, JobSpec};
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// A shell that sends requests as JSON, as the spec's marks tell what it
/// may give (the command line gives every option, through clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// `gaprisk serve`: the options without `x-cli-only`.
    Service,
    /// The Python package's in-process functions: the service's options
    /// and those marked `x-python: [local]`.
    PythonLocal,
    /// `gaprisk.Client`: the service's options and those marked
    /// `x-python: [client]`, which it applies to the files it fetches.
    PythonClient,
}

/// One option of one command as its spec declares it.
#[derive(Debug, Clone)]
pub struct OptionSpec {
    /// As the service and Python name it; the CLI writes `--` and `-` for
    /// `_`.
    pub name: &'static str,
    /// Its JSON Schema: type, description (the field's doc), default.
    pub schema: Value,
}

impl OptionSpec {
    /// Whether `shell` may give this option.
    pub fn taken_by(&self, shell: Shell) -> bool {
        let cli_only = self.schema.get("x-cli-only") == Some(&Value::Bool(true));
        let python = |call: &str| {
            self.schema
                .get("x-python")
                .and_then(Value::as_array)
                .is_some_and(|calls| calls.iter().any(|c| c == call))
        };
        match shell {
            Shell::Service => !cli_only,
            Shell::PythonLocal => !cli_only || python("local"),
            Shell::PythonClient => !cli_only || python("client"),
        }
    }

    /// The JSON types a value may have (`"integer"`, `"null"`, ...); empty
    /// when the schema says otherwise (`oneOf`).
    pub(crate) fn json_types(&self) -> Vec<&str> {
        match self.schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// What a value must be, in words, for messages: `a whole number`.
    pub(crate) fn expected(&self) -> String {
        words(&self.json_types())
    }

    /// For an object option whose entries have one schema (`set`: input
    /// name -> number), the JSON types an entry may have.
    pub(crate) fn entry_types(&self) -> Option<Vec<&str>> {
        let entries = self.schema.get("additionalProperties")?;
        match entries.get("type")? {
            Value::String(t) => Some(vec![t.as_str()]),
            Value::Array(ts) => Some(ts.iter().filter_map(Value::as_str).collect()),
            _ => None,
        }
    }
}

/// JSON types in words, for messages: `a whole number or a string`.
pub(crate) fn words(types: &[&str]) -> String {
    let words: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "integer" => "a whole number",
            "number" => "a number",
            "string" => "a string",
            "boolean" => "true or false",
            "array" => "a list",
            _ => "an object",
        })
        .collect();
    words.join(" or ")
}

/// The JSON type of `value` as JSON Schema names it.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|x| x.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `value` has one of `types` (an integer is a number too).
pub(crate) fn has_type(value: &Value, types: &[&str]) -> bool {
    let t = json_type(value);
    types.is_empty() || types.contains(&t) || (t == "integer" && types.contains(&"number"))
}

/// The JSON Schema of `kind`'s options object, as derived from its spec.
pub(crate) fn options_schema(kind: JobKind) -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12().for_deserialize();
    let generator = settings.into_generator();
    let schema = match kind {
        JobKind::Run => generator.into_root_schema_for::<crate::jobs::run::RunSpec>(),
        JobKind::Compare => generator.into_root_schema_for::<crate::jobs::compare::CompareSpec>(),
        JobKind::Sweep => generator.into_root_schema_for::<crate::jobs::sweep::SweepSpec>(),
        JobKind::Sensitivity => {
            generator.into_root_schema_for::<crate::jobs::sensitivity::SensitivitySpec>()
        }
        JobKind::Rare => generator.into_root_schema_for::<crate::jobs::rare::RareSpec>(),
    };
    let mut schema = schema.to_value();
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
        object.remove("description");
    }
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for property in properties.values_mut() {
            if let Some(Value::String(text)) = property.get_mut("description") {
                *text = one_paragraph(text);
            }
        }
    }
    schema
}

/// A doc comment's lines as one paragraph: the line breaks of source code
/// are not a description's.
fn one_paragraph(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One command's options and which it cannot do without.
struct Table {
    options: Vec<OptionSpec>,
    required: Vec<&'static str>,
}

fn table(kind: JobKind) -> &'static Table {
    static TABLES: OnceLock<Vec<Table>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| JobKind::ALL.iter().map(|&k| make_table(k)).collect());
    let at = JobKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    &tables[at]
}

fn make_table(kind: JobKind) -> Table {
    let schema = options_schema(kind);
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // The schema's properties are a sorted map; the spec's own order (its
    // fields', shared groups in place) is that of its default serialised.
    let declared: Vec<String> =
        serde_json::from_str::<super::request::Entries>(&JobSpec::default_of(kind).canonical())
            .map(|e| e.0.into_iter().map(|(name, _)| name).collect())
            .unwrap_or_default();
    let mut options: Vec<OptionSpec> = properties
        .into_iter()
        .map(|(name, schema)| OptionSpec {
            name: intern(&name),
            schema,
        })
        .collect();
    options.sort_by_key(|o| declared.iter().position(|d| d == o.name));
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let required = options
        .iter()
        .filter(|o| required.contains(&o.name))
        .map(|o| o.name)
        .collect();
    Table { options, required }
}

/// `kind`'s options, in the order the spec declares them.
pub fn options(kind: JobKind) -> &'static [OptionSpec] {
    &table(kind).options
}

/// Option names live as long as the process: there are a few dozen, made
/// once, and errors name them as `&'static str`.
fn intern(name: &str) -> &'static str {
    Box::leak(name.to_string().into_boxed_str())
}

/// The options `kind` cannot do without.
pub fn required(kind: JobKind) -> &'static [&'static str] {
    &table(kind).required
}

/// The option `name` of `kind`, if it has one.
pub fn option(kind: JobKind, name: &str) -> Option<&'static OptionSpec> {
    options(kind).iter().find(|o| o.name == name)
}

/// Every command's options with their schemas and the shells that take
/// each: `{"run": {"options": [{"name", "schema", "local", "client",
/// "service"}], "required": [...]}, ...}` (`local`: the Python package's
/// in-process calls; `client`: `gaprisk.Client`). What the Python package
/// builds its keywords from.
pub fn catalog() -> Value {
    let commands: Map<String, Value> = JobKind::ALL
        .iter()
        .map(|&kind| {
            let options: Vec<Value> = options(kind)
                .iter()
                .map(|o| {
                    serde_json::json!({
                        "name": o.name,
                        "schema": o.schema,
                        "local": o.taken_by(Shell::PythonLocal),
                        "client": o.taken_by(Shell::PythonClient),
                        "service": o.taken_by(Shell::Service),
                    })
                })
                .collect();
            let entry = serde_json::json!({ "options": options, "required": required(kind) });
            (kind.name().to_string(), entry)
        })
        .collect();
    Value::Object(commands)
}

/// The `components.schemas` of the service's OpenAPI document that the
/// spec determines: `JobRequest` (one of the commands' requests, told apart
/// by `command`) and one `<Command>Request` each. Options the service does
/// not take are listed, marked `x-cli-only`, with a schema no value meets.
pub fn request_components() -> Map<String, Value> {
    let mut components = Map::new();
    let mut one_of = Vec::new();
    let mut mapping = Map::new();
    for &kind in JobKind::ALL {
        let name = format!("{}Request", title_case(kind.name()));
        let reference = format!("#/components/schemas/{name}");
        one_of.push(serde_json::json!({ "$ref": reference }));
        mapping.insert(kind.name().to_string(), Value::String(reference));
        components.insert(name, request_schema(kind));
    }
    components.insert(
        "JobRequest".to_string(),
        serde_json::json!({
            "description": "A job: one of the CLI's sampling commands with its model and options. The top-level fields are fixed (an unknown one, a top-level field of the wrong type or malformed JSON: 400); what command, model, variants, files and options say is validated as the CLI validates its arguments (422 with the error's location).",
            "oneOf": one_of,
            "discriminator": { "propertyName": "command", "mapping": mapping },
        }),
    );
    components
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The schema of one command's request body.
fn request_schema(kind: JobKind) -> Value {
    let mut options = options_schema(kind);
    let object = options
        .as_object_mut()
        .expect("an options schema is an object");
    object.insert("additionalProperties".into(), Value::Bool(false));
    object.insert(
        "description".into(),
        Value::String(format!(
            "{}'s options, named as the CLI's long options with _ for -. Any other name is refused (422, key options.NAME).",
            kind.name()
        )),
    );
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for property in properties.values_mut() {
            if property.get("x-cli-only") == Some(&Value::Bool(true)) {
                // Listed, so that the document names every option, with a
                // schema no value meets: the service refuses it (422).
                *property = serde_json::json!({
                    "description": property.get("description").cloned().unwrap_or_default(),
                    "x-cli-only": true,
                    "x-python": property.get("x-python").cloned().unwrap_or_else(|| serde_json::json!([])),
                    "not": {},
                });
            }
        }
    }
    let required_options = object.get("required").is_some();
    let mut required = vec!["command", "model"];
    if required_options {
        required.push("options");
    }
    let variants = if kind == JobKind::Compare {
        serde_json::json!({
            "description": "The variants, each compared with the base (model): names as model takes them. At least one.",
            "type": "array",
            "items": { "type": "string" },
            "minItems": 1,
        })
    } else {
        serde_json::json!({
            "description": "Only compare takes variants (422 otherwise).",
            "type": "array",
            "items": { "type": "string" },
            "maxItems": 0,
            "default": [],
        })
    };
    if kind == JobKind::Compare {
        required.push("variants");
    }
    serde_json::json!({
        "title": format!("{} request", kind.name()),
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": {
            "command": { "const": kind.name() },
            "model": {
                "description": "The model file: a name relative to the server's model library (--models), or a key of files. Resolved lexically: no absolute paths, no .. above the top.",
                "type": "string",
                "examples": ["baseline.toml"],
            },
            "variants": variants,
            "files": {
                "description": "Model files sent with the request: name -> TOML text. They are looked up before the library; extends resolves among them and then the library.",
                "type": "object",
                "additionalProperties": { "type": "string" },
                "default": {},
            },
            "options": options,
        },
    })
}
