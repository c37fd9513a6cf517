
namespace Timely.Examples;

/// <summary>
/// One worker's outcome of an example: the usual workload figures (records = the example's
/// output count on this worker) and a checksum of what it computed. Both are additive: their
/// sums over every worker of every process (the checksum wrapping) are the run's result, which
/// a sequential computation of the same example reproduces.
/// </summary>
public readonly record struct ExampleResult(WorkloadResult Workload, ulong Checksum)
{
    /// <summary>Records and checksum summed over <paramref name="results"/>.</summary>
    public static (long Records, ulong Checksum) Total(IEnumerable<ExampleResult> results)
    {
        long records = 0;
        ulong checksum = 0;
        foreach (var r in results)
        {
            records += r.Workload.Records;
            checksum = unchecked(checksum + r.Checksum);
        }

        return (records, checksum);
    }
}
