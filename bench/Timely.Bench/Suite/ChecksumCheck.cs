using System.Globalization;

namespace Timely.Bench.Suite;

/// <summary>
/// The correctness check of a user's workload rows (<c>--workloads</c>), whose records the suite
/// cannot know in advance: every run of one workload, on every configuration and by both builds,
/// must report the same checksum. A run that differs from the earlier runs of its row fails the
/// row at once; after the matrix, a row whose checksum differs from the one most of the workload's
/// rows agree on (the earliest of equally common ones) fails with both values named.
/// </summary>
public static class ChecksumCheck
{
    /// <summary>Why <paramref name="sample"/> cannot join <paramref name="result"/>'s samples (a checksum or record count unlike the row's first run), or null.</summary>
    public static string? AgainstRow(RowResult result, RunSample sample)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(sample);
        if (result.Samples.Count == 0)
        {
            return null;
        }

        var first = result.Samples[0];
        if (first.Checksum != sample.Checksum)
        {
            return $"wrong result: checksum {Hex(sample.Checksum)} on run {result.Samples.Count + 1}, but {Hex(first.Checksum)} on run 1 of this row";
        }

        return first.Records != sample.Records
            ? string.Create(CultureInfo.InvariantCulture, $"wrong result: {sample.Records} records on run {result.Samples.Count + 1}, but {first.Records} on run 1 of this row")
            : null;
    }

    /// <summary>
    /// Fails (status and message) each row of <paramref name="results"/> whose checksum differs
    /// from its workload's agreed one; rows are grouped by <see cref="RowResult.Label"/>, and only
    /// rows with samples that carry a checksum take part. Returns how many rows it failed.
    /// </summary>
    public static int AcrossRows(IReadOnlyList<RowResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        int failed = 0;
        foreach (var workload in results.Where(r => r.Status == RowStatus.Ok && r.Samples.Count > 0 && r.Samples[0].Checksum is not null).GroupBy(r => r.Label))
        {
            var rows = workload.ToArray();
            var agreed = rows.GroupBy(r => r.Samples[0].Checksum)
                .Select(g => (Checksum: g.Key, Count: g.Count(), First: Array.IndexOf(rows, g.First())))
                .OrderByDescending(g => g.Count).ThenBy(g => g.First)
                .First();
            var witnesses = rows.Where(r => r.Samples[0].Checksum == agreed.Checksum).Select(r => $"{r.Configuration} {r.Build}").ToArray();
            foreach (var r in rows.Where(r => r.Samples[0].Checksum != agreed.Checksum))
            {
                r.Status = RowStatus.Failed;
                r.Message = $"wrong result: checksum {Hex(r.Samples[0].Checksum)}, but {Hex(agreed.Checksum)} on {string.Join(", ", witnesses.Take(3))}{(witnesses.Length > 3 ? ", ..." : "")}";
                failed++;
            }
        }

        return failed;
    }

    private static string Hex(ulong? checksum) => checksum is { } c ? c.ToString("x16", CultureInfo.InvariantCulture) : "none";
}
