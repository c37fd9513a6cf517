namespace Timely.Bench.Suite;

/// <summary>What one suite run does (the parsed command line).</summary>
public sealed class SuiteSettings
{
    public SuiteSize Size { get; init; } = SuiteSize.Full;

    /// <summary>Runs per row and build (smoke: 1).</summary>
    public int Repeat { get; init; } = 5;

    /// <summary>Per-run deadline.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Read each child's counters over EventPipe.</summary>
    public bool Counters { get; init; } = true;

    /// <summary>Measure the hardware floors (off in smoke runs).</summary>
    public bool Calibrate { get; init; } = true;

    /// <summary>Stop right after calibration when the floors show an overloaded host (set with --save and --baseline).</summary>
    public bool RefuseOverloadedHost { get; init; }

    /// <summary>Measures the floors; null: <see cref="Calibration.Measure"/> at the size's trips. A test seam.</summary>
    internal Func<CalibrationResult>? MeasureFloors { get; init; }

    /// <summary>Where dumps of hung children go.</summary>
    public string DumpDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "timely-suite-dumps");

    /// <summary>With <c>--trace DIR</c>: keeps the fastest and slowest run's trace per row of this build.</summary>
    public Tracing.SuiteTraces? Traces { get; init; }

    /// <summary>The other build of an A/B run.</summary>
    public TimelyExecutable? Vs { get; init; }

    /// <summary>The user's workloads assembly (<c>--workloads</c>), checked; its rows come from <see cref="SuiteMatrix.UserRows"/>.</summary>
    public string? Workloads { get; init; }

    /// <summary>The other build of the user's workloads assembly in an A/B run (<c>--workloads</c> with <c>--vs</c>), run by this timely.</summary>
    public string? VsWorkloads { get; init; }

    /// <summary>Rust timely's built examples (<c>--rust DIR</c>): each paired row also runs beside Rust's.</summary>
    public RustExamples? Rust { get; init; }

    /// <summary>Opens a child's counter session; null: its real EventPipe session. A test seam (fault injection).</summary>
    internal Func<int, ICounterPipe>? OpenCounters { get; init; }

    /// <summary>Where progress lines go (stderr in the CLI).</summary>
    public TextWriter Progress { get; init; } = TextWriter.Null;
}
