using Timely.Bench.Measurement;

namespace Timely.Bench.Suite;

/// <summary>
/// Compares rows against a baseline (a saved run, or the other build of an A/B run).
/// </summary>
/// <remarks>
/// Method: per row, ratio = median(current) / median(baseline) of the compared milliseconds, and
/// a noise band = the bootstrap 95% interval of that ratio (<see cref="Stats.BootstrapMedianRatio"/>).
/// A row is a regression only when both hold: the ratio exceeds 1 + threshold (the change is big
/// enough to matter) and the whole band lies above 1 (the samples cannot be explained by noise,
/// i.e. even the fastest plausible current is slower than the slowest plausible baseline).
/// Improvement is the mirror: ratio below 1 / (1 + threshold) and the band wholly below 1.
/// Anything else is within noise. On a host that flips between a fast and a slow state, an
/// interleaved run puts both states into both sides, which widens the band instead of
/// producing a false regression.
/// </remarks>
public static class Comparison
{
    /// <summary>The default threshold (10%).</summary>
    public const double DefaultThreshold = 0.10;

    /// <summary>Compares one row's samples.</summary>
    public static RowComparison Compare(string id, IReadOnlyList<double> current, IReadOnlyList<double> baseline, double threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(baseline);
        if (current.Count == 0 || baseline.Count == 0)
        {
            return new RowComparison(id, double.NaN, double.NaN, double.NaN, Verdict.NotCompared, current.Count == 0 ? "no samples in this run" : "no samples in the baseline");
        }

        double ratio = Stats.Median(current) / Stats.Median(baseline);
        var (low, high) = Stats.BootstrapMedianRatio(current, baseline);
        var verdict = ratio > 1 + threshold && low > 1
            ? Verdict.Regression
            : ratio < 1 / (1 + threshold) && high < 1
                ? Verdict.Improvement
                : Verdict.WithinNoise;
        return new RowComparison(id, ratio, low, high, verdict, null);
    }

    /// <summary>
    /// Compares every current row against the baseline's row of the same id (and build).
    /// Throws <see cref="BaselineException"/> when the row sets do not match: a current row the
    /// baseline lacks, or (unless the run was filtered) a baseline row this run lacks.
    /// </summary>
    public static IReadOnlyList<RowComparison> CompareRuns(IReadOnlyList<RowResult> current, IReadOnlyList<RowResult> baseline, double threshold, bool filtered, string build = "this")
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(baseline);
        var mine = current.Where(r => r.Build == build).ToArray();
        var theirs = baseline.Where(r => r.Build == build).ToDictionary(r => r.Id);
        CheckRows(mine.Select(r => r.Id), baseline, filtered, build);
        return mine.Select(r => Compare(r.Id, r.Status == RowStatus.Ok ? r.Milliseconds : [], theirs[r.Id].Status == RowStatus.Ok ? theirs[r.Id].Milliseconds : [], threshold)).ToArray();
    }

    /// <summary>
    /// Throws <see cref="BaselineException"/> unless the baseline has every row of <paramref name="ids"/>
    /// and, when the run is not filtered, no others. The suite calls it before running, so a
    /// mismatched baseline fails in a second instead of after the whole matrix.
    /// </summary>
    public static void CheckRows(IEnumerable<string> ids, IReadOnlyList<RowResult> baseline, bool filtered, string build = "this")
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(baseline);
        var mine = ids.ToHashSet();
        var theirs = baseline.Where(r => r.Build == build).Select(r => r.Id).ToHashSet();
        var missing = mine.Where(id => !theirs.Contains(id)).ToArray();
        if (missing.Length > 0)
        {
            throw new BaselineException($"the baseline does not have {missing.Length} of this run's rows (different sizes or matrix?): {string.Join("; ", missing.Take(5))}{(missing.Length > 5 ? "; ..." : "")}");
        }

        if (!filtered)
        {
            var extra = theirs.Where(id => !mine.Contains(id)).ToArray();
            if (extra.Length > 0)
            {
                throw new BaselineException($"the baseline has {extra.Length} rows this run does not (different sizes or matrix?): {string.Join("; ", extra.Take(5))}{(extra.Length > 5 ? "; ..." : "")}");
            }
        }
    }

    /// <summary>The process exit code for comparisons: 1 when any row regressed, else 0.</summary>
    public static int ExitCode(IEnumerable<RowComparison> comparisons) => comparisons.Any(c => c.Verdict == Verdict.Regression) ? 1 : 0;
}
