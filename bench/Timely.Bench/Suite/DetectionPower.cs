using System.Globalization;
using System.Text;
using Timely.Bench.Measurement;

namespace Timely.Bench.Suite;

/// <summary>
/// How small a slowdown the suite's verdict catches, and how often it cries wolf: trials of an A/B
/// run of a workload against itself made slower by a dial (+0%, +5%, ...), each judged as the suite
/// judges a row (<see cref="Comparison.Compare"/>) after its first N interleaved repeats, for each
/// N of the table. The first N repeats of a run of R repeats are exactly what <c>--repeat N</c>
/// runs (same order, same alternation of the builds), so one run per trial serves every N.
/// </summary>
public static class DetectionPower
{
    /// <summary>The verdict on the first <paramref name="repeats"/> samples of each build.</summary>
    public static Verdict VerdictAfter(IReadOnlyList<double> changed, IReadOnlyList<double> reference, int repeats, double threshold)
    {
        ArgumentNullException.ThrowIfNull(changed);
        ArgumentNullException.ThrowIfNull(reference);
        return Comparison.Compare("", changed.Take(repeats).ToArray(), reference.Take(repeats).ToArray(), threshold).Verdict;
    }

    /// <summary>The cell of <paramref name="verdicts"/> (one per trial).</summary>
    public static PowerCell Cell(IEnumerable<Verdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        var all = verdicts.ToArray();
        return new PowerCell(all.Length, all.Count(v => v == Verdict.Regression), all.Count(v => v == Verdict.Improvement));
    }

    /// <summary>
    /// The table as markdown: a line per dial with the measured slowdown (median over trials of
    /// the median ratio at the largest N) and, per N, the regressions over trials (dial 0: the
    /// false alarms, regressions and improvements, over trials).
    /// </summary>
    /// <param name="trials">Per dial, per trial: the changed build's samples and the reference's, in run order.</param>
    /// <param name="repeats">The N of the columns.</param>
    /// <param name="threshold">The suite's threshold (0.10 = 10%).</param>
    public static string Table(IReadOnlyDictionary<int, List<(double[] Changed, double[] Reference)>> trials, IReadOnlyList<int> repeats, double threshold)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(repeats);
        var text = new StringBuilder();
        text.Append("| dial | measured slowdown | trials |");
        foreach (int n in repeats)
        {
            text.Append(CultureInfo.InvariantCulture, $" --repeat {n} |");
        }

        text.AppendLine().Append("|---|---|---|").AppendLine(string.Concat(repeats.Select(_ => "---|")));
        foreach (var (dial, runs) in trials.OrderBy(t => t.Key))
        {
            int largest = repeats.Max();
            double measured = runs.Count == 0 ? double.NaN : Stats.Median(runs.Select(r => (Stats.Median(r.Changed.Take(largest).ToArray()) / Stats.Median(r.Reference.Take(largest).ToArray())) - 1).ToArray());
            text.Append(CultureInfo.InvariantCulture, $"| +{dial}% | {measured * 100:+0.0;-0.0}% | {runs.Count} |");
            foreach (int n in repeats)
            {
                var cell = Cell(runs.Select(r => VerdictAfter(r.Changed, r.Reference, n, threshold)));
                text.Append(dial == 0
                    ? string.Create(CultureInfo.InvariantCulture, $" {cell.Flagged}/{cell.Trials} false alarms |")
                    : string.Create(CultureInfo.InvariantCulture, $" {cell.Regressions}/{cell.Trials} detected |"));
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}
