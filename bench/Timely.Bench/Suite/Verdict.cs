namespace Timely.Bench.Suite;

/// <summary>A row's comparison against its baseline.</summary>
public enum Verdict
{
    WithinNoise,
    Regression,
    Improvement,

    /// <summary>One side has no samples (skipped, failed or hung).</summary>
    NotCompared,
}
