//! A job run from Rust code, cancelled from another thread:
//! `cargo run --release --example cancel_job`.
use gaprisk::spec::{Count, JobSpec, RunSpec, Sampling};
use gaprisk::{Job, LayeredFiles, Limits, Outcome, RunContext, RunSinks, Workers};

fn main() -> Result<(), gaprisk::error::Error> {
    let spec = JobSpec::Run(RunSpec {
        model: "models/baseline.toml".into(),
        sampling: Sampling {
            samples: Count(1_000_000_000),
            ..Default::default()
        },
        ..Default::default()
    });
    let job = Job::build(&LayeredFiles::disk(), &spec, &Limits::NONE)?;
    let ctx = RunContext::new(Workers::new(0)?);
    let token = ctx.cancel_token().clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        token.cancel();
    });
    match job.execute(&ctx, RunSinks::default())? {
        Outcome::Completed(out) => println!("completed: {:?}", out.written),
        Outcome::Cancelled { samples_done, .. } => {
            println!("cancelled after {samples_done} samples")
        }
    }
    Ok(())
}
