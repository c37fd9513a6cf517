using System.Text.Json.Serialization;
using Timely.Bench.Measurement;

namespace Timely.Bench.Suite;

/// <summary>The runs of one row by one build.</summary>
public sealed class RowResult
{
    /// <summary>The row's id (<see cref="SuiteRow.Id"/>).</summary>
    public required string Id { get; init; }

    /// <summary>Workload label (<see cref="SuiteRow.Label"/>).</summary>
    public required string Label { get; init; }

    /// <summary>Configuration name (<see cref="SuiteRow.Configuration"/>).</summary>
    public required string Configuration { get; init; }

    /// <summary><c>this</c>, or <c>vs</c> for the other build of an A/B run.</summary>
    public required string Build { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<RowStatus>))]
    public RowStatus Status { get; set; } = RowStatus.Ok;

    /// <summary>Why the row was skipped, failed or hung (a dump file is named here).</summary>
    public string? Message { get; set; }

    /// <summary>Every sample, in run order.</summary>
    public List<RunSample> Samples { get; init; } = [];

    /// <summary>The compared figures (<see cref="RunSample.Milliseconds"/>) of every sample.</summary>
    [JsonIgnore]
    public double[] Milliseconds => Samples.Select(s => s.Milliseconds).ToArray();

    /// <summary>Median of the compared figure, or NaN without samples.</summary>
    [JsonIgnore]
    public double Median => Stats.Median(Milliseconds);

    /// <summary>Median nanoseconds per record, or NaN (also for hello, whose figure is process start-up, not per record).</summary>
    [JsonIgnore]
    public double NanosecondsPerRecord => Label == "hello" || Samples.Count == 0 || Samples[0].Records == 0 ? double.NaN : Median * 1e6 / Samples[0].Records;

    /// <summary>Median bytes allocated per record in the timed part (from --json), or NaN (also for hello, which has no --json).</summary>
    [JsonIgnore]
    public double AllocatedPerRecord => Label == "hello" || Samples.Count == 0 || Samples[0].Records == 0 ? double.NaN : Stats.Median(Samples.Select(s => (double)s.JsonAllocatedBytes).ToArray()) / Samples[0].Records;
}
