namespace Timely.Bench.Suite;

/// <summary>One child process's outcome.</summary>
public sealed class ChildRun
{
    public int ExitCode { get; init; }

    /// <summary>The deadline passed and the child was killed.</summary>
    public bool Hung { get; init; }

    /// <summary>The dump written before the kill, or why there is none.</summary>
    public string? DumpNote { get; init; }

    public string StandardOutput { get; init; } = "";

    public string StandardError { get; init; } = "";

    public double WallMilliseconds { get; init; }

    /// <summary>The EventPipe figures, when read.</summary>
    public ProcessCounters? Counters { get; init; }

    /// <summary>Why there are no EventPipe figures (null when there are).</summary>
    public string? CountersNote { get; init; }
}
