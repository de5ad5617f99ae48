//! Command-line arguments as clap sees them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use crate::jobs::{DEFAULT_SAMPLES, DEFAULT_SEED};

#[derive(Debug, Parser)]
#[command(
    name = "gaprisk",
    version,
    about = "Monte Carlo risk estimation from model files"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Estimate every event's probability and every output's distribution.
    Run(RunArgs),
    /// Compare model variants against a base on common random numbers.
    Compare(CompareArgs),
    /// Run a model over a line or grid of values of one or two inputs.
    Sweep(SweepArgs),
    /// Which assumption drives a quantity: Sobol indices, tornado, ranks or filtering of an event.
    Sensitivity(SensitivityArgs),
    /// One event's probability when it is too rare for `run`: subset
    /// simulation or importance sampling.
    Rare(RareArgs),
    /// Combine the part files of a sharded run into summary.csv.
    Merge(MergeArgs),
    /// Validate a model file and print its nodes in evaluation order.
    Check(CheckArgs),
    /// Rebuild report.html from result folders, or one report over several.
    Report(ReportCommandArgs),
    /// Serve the HTTP job API and its web page (README, "The service").
    #[cfg(feature = "server")]
    Serve(ServeArgs),
}

#[cfg(feature = "server")]
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0: any free port). Anything but
    /// loopback needs --token-file.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: std::net::SocketAddr,
    /// Folder of the job database and the jobs' result files.
    #[arg(long, default_value = "gaprisk-data")]
    pub data: PathBuf,
    /// The model library: requests name its files (and `extends` them).
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// Jobs run at once (each already uses every core).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// File whose first line is the bearer token every /v1 request needs.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 4 << 20)]
    pub max_body: usize,
    /// Most jobs waiting in the queue; more are refused with 429.
    #[arg(long, default_value_t = 1000)]
    pub max_queue: u64,
    /// Most model evaluations one job may make: its samples times its
    /// models (compare), points (sweep) or design columns (sensitivity).
    #[arg(long, default_value = "1e10", value_parser = parse_count)]
    pub max_samples: u64,
    /// Most nodes a model may have.
    #[arg(long, default_value_t = 10_000)]
    pub max_nodes: usize,
    /// Most points of a sweep's grid (each is a compiled model in memory).
    #[arg(long, default_value_t = 400)]
    pub max_points: usize,
    /// Seconds between a running job's checkpoints.
    #[arg(long, default_value_t = 5.0)]
    pub checkpoint_every: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RareMethodArg {
    /// Subset simulation (Au and Beck 2001) with adaptive conditional sampling.
    Subset,
    /// Cross-entropy importance sampling with a Gaussian proposal.
    Is,
}

impl From<RareMethodArg> for crate::analysis::rare::RareMethod {
    fn from(m: RareMethodArg) -> Self {
        match m {
            RareMethodArg::Subset => Self::Subset,
            RareMethodArg::Is => Self::ImportanceSampling,
        }
    }
}

#[derive(Debug, Args)]
pub struct RareArgs {
    /// The model file (TOML).
    pub model: PathBuf,
    /// The event [default: the first event].
    #[arg(long)]
    pub event: Option<String>,
    /// subset: subset simulation (works with discrete nodes); is: adaptive
    /// importance sampling.
    #[arg(long, value_enum, default_value_t = RareMethodArg::Subset)]
    pub method: RareMethodArg,
    /// Samples per level (subset) or per stage (is); accepts 10000, 10_000 or 1e4.
    #[arg(long, short = 'n', default_value = "10000", value_parser = parse_count)]
    pub samples: u64,
    /// Seed of every random stream.
    #[arg(long, short = 's', default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Confidence level of the interval, in (0, 1).
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Fix an input to a constant: NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Output folder [default: results/rare-<model name>-<event>-<method>].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    Sobol,
    Tornado,
    Rank,
    Filter,
}

/// Where filtering draws the event's samples from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplerArg {
    /// A plain run of N samples.
    Plain,
    /// Subset simulation's samples of the event region (N per level).
    Subset,
    /// Importance sampling's samples of the event region (N per stage).
    Is,
}

impl From<SamplerArg> for Option<crate::analysis::rare::RareMethod> {
    fn from(s: SamplerArg) -> Self {
        match s {
            SamplerArg::Plain => None,
            SamplerArg::Subset => Some(RareMethodArg::Subset.into()),
            SamplerArg::Is => Some(RareMethodArg::Is.into()),
        }
    }
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The model file (TOML).
    pub model: PathBuf,
    /// The event or output to explain [default: the first event, else the first output].
    #[arg(long)]
    pub quantity: Option<String>,
    /// sobol: first-order and total indices; tornado: swings from the 10th to
    /// the 90th percentile of each input; rank: Spearman correlations;
    /// filter: Kolmogorov-Smirnov distance of each factor between the
    /// samples where an event holds and where it does not (--quantity must
    /// be an event).
    #[arg(long, value_enum, default_value_t = MethodArg::Sobol)]
    pub method: MethodArg,
    /// Sobol only: qmc (A and B the two halves of one 2d-dimensional
    /// Owen-scrambled Sobol point set; intervals from 8 or more independent
    /// scrambles) or mc (independent draws; bootstrap intervals)
    /// [default: qmc].
    #[arg(long, value_enum)]
    pub design: Option<SobolDesignArg>,
    /// Filter only: where the event's samples come from. subset or is use
    /// the samples `gaprisk rare` finds in the event's region, for events
    /// too rare for a plain run to hold many of them [default: plain].
    #[arg(long, value_enum)]
    pub sampler: Option<SamplerArg>,
    /// Number of samples; accepts 131072, 131_072 or 1.31072e5. For sobol
    /// it is N, and the model is evaluated N (2d + 2) times (d random
    /// nodes); with --sampler subset or is it is per level or stage.
    #[arg(long, short = 'n', default_value = "131072", value_parser = parse_count)]
    pub samples: u64,
    /// Seed of every random stream.
    #[arg(long, short = 's', default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Confidence level of every interval, in (0, 1).
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Bootstrap resamples for the Sobol intervals of --design mc.
    #[arg(long, default_value_t = 200)]
    pub bootstrap: usize,
    /// Output folder [default: results/sensitivity-<model name>-<quantity>-<method>].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Sobol only: compute shard K of N of the evaluations and write
    /// part-K-of-N.json; `gaprisk merge` combines the N parts.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Whether a command writes report.html beside its other files.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Do not write report.html (the charts and tables of the results).
    #[arg(long)]
    pub no_report: bool,
}

/// The format of a command's result tables.
#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Write the tables (summary, histogram, convergence, compare, sweep,
    /// sensitivity, rare) as csv, parquet (zstd) or both.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Csv,
    Parquet,
    Both,
}

impl From<FormatArg> for crate::jobs::TableFormat {
    fn from(f: FormatArg) -> Self {
        use crate::jobs::TableFormat;
        match f {
            FormatArg::Csv => TableFormat::Csv,
            FormatArg::Parquet => TableFormat::Parquet,
            FormatArg::Both => TableFormat::Both,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DrawsFormatArg {
    Csv,
    Parquet,
}

impl From<DrawsFormatArg> for crate::output::run::draws::DrawsFormat {
    fn from(f: DrawsFormatArg) -> Self {
        use crate::output::run::draws::DrawsFormat;
        match f {
            DrawsFormatArg::Csv => DrawsFormat::Csv,
            DrawsFormatArg::Parquet => DrawsFormat::Parquet,
        }
    }
}

/// Options shared by every command that samples.
#[derive(Debug, Args)]
pub struct SamplingArgs {
    /// Number of samples; accepts 1000000, 1_000_000 or 1e6.
    #[arg(long, short = 'n', default_value = "1000000", value_parser = parse_count)]
    pub samples: u64,
    /// Seed of every random stream.
    #[arg(long, short = 's', default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Confidence level of every interval, in (0, 1).
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Sampling design: mc (independent draws), lhs (Latin hypercube within
    /// each chunk), qmc (Owen-scrambled Sobol points, 8 replicates) or
    /// antithetic (pairs u, 1 - u).
    #[arg(long, value_enum, default_value_t = DesignArg::Mc)]
    pub design: DesignArg,
}

/// The designs of a Sobol analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SobolDesignArg {
    Qmc,
    Mc,
}

impl From<SobolDesignArg> for crate::engine::design::Design {
    fn from(d: SobolDesignArg) -> Self {
        use crate::engine::design::Design;
        match d {
            SobolDesignArg::Qmc => Design::Qmc,
            SobolDesignArg::Mc => Design::Mc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DesignArg {
    Mc,
    Lhs,
    Qmc,
    Antithetic,
}

impl From<MethodArg> for crate::jobs::sensitivity::Method {
    fn from(m: MethodArg) -> Self {
        use crate::jobs::sensitivity::Method;
        match m {
            MethodArg::Sobol => Method::Sobol,
            MethodArg::Tornado => Method::Tornado,
            MethodArg::Rank => Method::Rank,
            MethodArg::Filter => Method::Filter,
        }
    }
}

impl From<IntervalArg> for crate::stats::interval::ProportionInterval {
    fn from(i: IntervalArg) -> Self {
        use crate::stats::interval::ProportionInterval;
        match i {
            IntervalArg::Wilson => ProportionInterval::Wilson,
            IntervalArg::ClopperPearson => ProportionInterval::ClopperPearson,
        }
    }
}

impl SamplingArgs {
    pub fn options(&self) -> crate::jobs::SamplingOptions {
        crate::jobs::SamplingOptions {
            samples: self.samples,
            seed: self.seed,
            confidence: self.confidence,
            design: self.design.into(),
        }
    }
}

impl From<DesignArg> for crate::engine::design::Design {
    fn from(d: DesignArg) -> Self {
        use crate::engine::design::Design;
        match d {
            DesignArg::Mc => Design::Mc,
            DesignArg::Lhs => Design::Lhs,
            DesignArg::Qmc => Design::Qmc,
            DesignArg::Antithetic => Design::Antithetic,
        }
    }
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The base model; every other model is compared with it.
    pub base: PathBuf,
    /// The variants (a variant that is the base file itself is skipped).
    #[arg(required = true)]
    pub variants: Vec<PathBuf>,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Fix an input of every model to a constant: NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Output folder [default: results/compare-<base model name>].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Compute only shard K of N and write part-K-of-N.json; `gaprisk
    /// merge` combines the N parts.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The model file (TOML).
    pub model: PathBuf,
    /// An input and its values: NAME=START:STOP:POINTS (evenly spaced,
    /// both ends included), NAME=V1,V2,... or NAME=VALUE. Repeatable; at
    /// most two inputs may take several values (a line or a grid).
    #[arg(long = "set", value_name = "NAME=VALUES", required = true)]
    pub set: Vec<String>,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Output folder [default: results/sweep-<model name>].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IntervalArg {
    Wilson,
    ClopperPearson,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The model file (TOML).
    pub model: PathBuf,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Output folder [default: results/<model name>].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Also write draws.csv (or draws.parquet): one row per sample, one
    /// column per node.
    #[arg(long)]
    pub draws: bool,
    /// The draws' format: csv, or parquet (zstd, streamed in row groups).
    #[arg(long, value_enum, default_value_t = DrawsFormatArg::Csv, requires = "draws")]
    pub draws_format: DrawsFormatArg,
    /// Interval for event probabilities.
    #[arg(long, value_enum, default_value_t = IntervalArg::Wilson)]
    pub interval: IntervalArg,
    /// Fix an input to a constant: NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Quantile levels to report in quantiles.csv besides p05, p25, p50,
    /// p75 and p95, e.g. 0.01,0.5,0.99 (at most 16, each in (0, 1)).
    #[arg(long, value_name = "P,P,...", value_delimiter = ',', value_parser = parse_level)]
    pub quantiles: Vec<f64>,
    /// Stop at the first chunk where the target's interval half-width is at
    /// most H (--samples is then ignored; see --max-samples).
    #[arg(long, value_name = "H", conflicts_with = "relative_precision")]
    pub precision: Option<f64>,
    /// Stop at the first chunk where the half-width is at most R times the
    /// target's estimate.
    #[arg(long, value_name = "R")]
    pub relative_precision: Option<f64>,
    /// The event or output a stopping rule watches [default: the first event].
    #[arg(long, value_name = "QUANTITY")]
    pub target: Option<String>,
    /// The most samples a stopping rule may draw.
    #[arg(long, default_value = "100000000", value_parser = parse_count)]
    pub max_samples: u64,
    /// Compute only shard K of N (1 <= K <= N) and write its part file,
    /// part-K-of-N.json; `gaprisk merge` combines the N parts.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Save the run's progress to FILE every few seconds and when
    /// interrupted (a part file covering the chunks done).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Continue the run saved in FILE by --checkpoint, to the same result as
    /// an uninterrupted run. Give the same model and options.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
}

/// Parses a quantile level: a number in (0, 1).
pub fn parse_level(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(format!("'{s}' is not a level between 0 and 1 (exclusive)")),
    }
}

/// Parses `K/N` with 1 <= K <= N.
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("'{s}' is not K/N"))?;
    let (k, n): (u64, u64) = (
        k.trim()
            .parse()
            .map_err(|_| format!("'{k}' in '{s}' is not a whole number"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("'{n}' in '{s}' is not a whole number"))?,
    );
    if k == 0 || k > n {
        return Err(format!("'{s}': K must be between 1 and N"));
    }
    Ok((k, n))
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The part files of a sharded run (part-K-of-N.json), all N of them.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Output folder [default: the one the unsharded command writes:
    /// results/<model name>, results/compare-<base model name> or
    /// results/sensitivity-<model name>-<quantity>-sobol].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ReportCommandArgs {
    /// Result folders written by run, compare, sweep, sensitivity or merge.
    #[arg(required = true)]
    pub folders: Vec<PathBuf>,
    /// The report file [default: DIR/report.html for one folder; needed
    /// for several].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The model file (TOML).
    pub model: PathBuf,
}

/// Parses a count written as an integer (underscores allowed) or in
/// scientific notation that names a whole number (1e6).
pub fn parse_count(s: &str) -> Result<u64, String> {
    let cleaned = s.replace('_', "");
    if let Ok(n) = cleaned.parse::<u64>() {
        return Ok(n);
    }
    match cleaned.parse::<f64>() {
        Ok(x) if x >= 0.0 && x.fract() == 0.0 && x <= 2f64.powi(53) => Ok(x as u64),
        _ => Err(format!("'{s}' is not a whole number of samples")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse_in_every_documented_form() {
        assert_eq!(parse_count("1000000"), Ok(1_000_000));
        assert_eq!(parse_count("1_000_000"), Ok(1_000_000));
        assert_eq!(parse_count("1e6"), Ok(1_000_000));
        assert_eq!(parse_count("2.5e3"), Ok(2500));
        assert!(parse_count("1.5").is_err());
        assert!(parse_count("-3").is_err());
        assert!(parse_count("lots").is_err());
    }
}
