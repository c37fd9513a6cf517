namespace Timely.Workloads;

/// <summary>
/// Marks a benchmark workload for <c>timely suite --workloads</c>: a <c>public static</c> method
/// of a public type, <c>WorkloadOutcome Name(WorkloadContext context)</c>, that every worker of a
/// run calls once. It builds its dataflow on <see cref="WorkloadContext.Worker"/>, runs it to
/// completion, and returns the records this worker handled and a checksum of what it computed.
/// </summary>
/// <remarks>
/// The suite times each worker's call (from <see cref="WorkloadContext.StartTiming"/> when the
/// method calls it, else from the call's start) and compares the slowest worker's time across
/// runs and builds. It checks every run's checksum, summed over the workers (wrapping), against
/// the other runs and configurations of the same workload: a checksum that differs fails the row.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class WorkloadAttribute : Attribute
{
    /// <summary>Marks a workload named <paramref name="name"/>.</summary>
    /// <param name="name">The workload's name in the suite's rows and in <c>--filter</c>: letters, digits, '-', '_' and '.', unique in its assembly.</param>
    public WorkloadAttribute(string name) => Name = name;

    /// <summary>The workload's name in the suite's rows.</summary>
    public string Name { get; }

    /// <summary>The configurations the suite runs the workload on (default: all four).</summary>
    public WorkloadConfigurations Configurations { get; set; } = WorkloadConfigurations.All;
}
