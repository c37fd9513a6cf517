namespace Timely.Bench.Suite;

/// <summary>How a row (for one build) ended.</summary>
public enum RowStatus
{
    /// <summary>Every run completed with the expected records.</summary>
    Ok,

    /// <summary>This build cannot run the row (its transport or command does not exist); not an error.</summary>
    Skipped,

    /// <summary>A run exited non-zero or reported wrong records.</summary>
    Failed,

    /// <summary>A run passed its deadline and was killed.</summary>
    Hung,
}
