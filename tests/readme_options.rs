//! README.md's option tables are the CLI's: each command's table, between
//! `<!-- options: COMMAND -->` and `<!-- /options -->`, is made from the
//! same definition clap parses (name, value, default, help), so README
//! cannot drift from `--help`. `GAPRISK_BLESS=1 cargo test --test
//! readme_options` writes them anew after an option changes.

mod common;
use clap::CommandFactory;
use common::REPO;
use gaprisk_cli::args::Cli;
use std::path::Path;

/// A help text as one line of a Markdown table.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The table of `command`'s options, as clap knows them.
fn table(command: &clap::Command) -> String {
    let mut rows = vec![
        "| option | default | meaning |".to_string(),
        "| --- | --- | --- |".to_string(),
    ];
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else {
            continue;
        };
        if long == "help" {
            continue;
        }
        let mut flag = match arg.get_short() {
            Some(short) => format!("-{short}, --{long}"),
            None => format!("--{long}"),
        };
        let takes_value = arg.get_action().takes_values();
        if takes_value {
            let name = arg
                .get_value_names()
                .and_then(|n| n.first())
                .map(|n| n.to_string())
                .unwrap_or_else(|| long.to_uppercase().replace('-', "_"));
            flag.push(' ');
            flag.push_str(&name);
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        let default = match (takes_value, defaults.as_slice()) {
            (false, _) => "off".to_string(),
            (true, []) => "none".to_string(),
            (true, values) => format!("`{}`", values.join(",")),
        };
        let mut meaning = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|h| cell(&h.to_string()))
            .unwrap_or_default();
        let choices: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| match v.get_help() {
                Some(help) => format!("`{}` ({})", v.get_name(), cell(&help.to_string())),
                None => format!("`{}`", v.get_name()),
            })
            .collect();
        let mut sentence = |text: String| {
            if !meaning.is_empty() && !meaning.ends_with('.') {
                meaning.push('.');
            }
            meaning.push(' ');
            meaning.push_str(&text);
        };
        if takes_value && !choices.is_empty() {
            sentence(format!("One of: {}.", choices.join(", ")));
        }
        if matches!(arg.get_action(), clap::ArgAction::Append) {
            sentence("Repeatable.".to_string());
        }
        rows.push(format!("| `{flag}` | {default} | {meaning} |"));
    }
    rows.join("\n")
}

#[test]
fn readme_lists_every_option_of_every_command_as_clap_parses_it() {
    let readme_path = Path::new(REPO).join("README.md");
    let mut readme = std::fs::read_to_string(&readme_path).unwrap();
    let mut cli = Cli::command();
    cli.build();
    let mut stale = Vec::new();
    let mut seen = 0;
    for command in cli.get_subcommands() {
        let name = command.get_name();
        if name == "help" {
            continue;
        }
        let open = format!("<!-- options: {name} -->\n");
        let close = "<!-- /options -->";
        let Some(start) = readme.find(&open).map(|i| i + open.len()) else {
            stale.push(format!(
                "README.md has no table of {name}'s options ({open:?})"
            ));
            continue;
        };
        let end = start + readme[start..].find(close).expect("a closing marker");
        let made = format!("{}\n", table(command));
        if readme[start..end] != made {
            stale.push(format!(
                "{name}'s options in README.md differ from the CLI's"
            ));
            readme.replace_range(start..end, &made);
        }
        seen += 1;
    }
    assert!(seen >= 9, "only {seen} commands' tables");
    if std::env::var_os("GAPRISK_BLESS").is_some() {
        std::fs::write(&readme_path, readme).unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "{}\n(GAPRISK_BLESS=1 cargo test --test readme_options writes them anew)",
        stale.join("\n")
    );
}
