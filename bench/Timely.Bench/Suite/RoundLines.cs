using System.Globalization;

namespace Timely.Bench.Suite;

/// <summary>
/// The <c>&lt;elapsed&gt;\tround N complete in S steps</c> lines timely's <c>event_driven</c>
/// prints every 1000 rounds on each worker (Rust's and ours alike, the elapsed time in Rust's
/// <c>{:?}</c> form: <c>946.322µs</c>, <c>3.17ms</c>, <c>1.509s</c>), and the rate of rounds they
/// show: the figure <c>suite --rust</c> compares for an example that never stops.
/// </summary>
public static class RoundLines
{
    /// <summary>
    /// The round lines of one process's output (stdout and stderr), each with its source: the
    /// launcher's <c>[pN] </c> prefix when the line has one, else "". Other lines are skipped.
    /// </summary>
    public static IReadOnlyList<(string Source, double Seconds, ulong Round)> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = new List<(string, double, ulong)>();
        foreach (var raw in output.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            string source = "";
            if (line.StartsWith("[p", StringComparison.Ordinal) && line.IndexOf("] ", StringComparison.Ordinal) is > 2 and int end && line[2..end].All(char.IsAsciiDigit))
            {
                source = line[..(end + 1)];
                line = line[(end + 2)..];
            }

            int tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0 || !line.AsSpan(tab + 1).StartsWith("round ", StringComparison.Ordinal))
            {
                continue;
            }

            var words = line[(tab + 1)..].Split(' ');
            if (words.Length == 6 && words[2] == "complete" && words[3] == "in" && words[5] == "steps"
                && words[1].All(char.IsAsciiDigit) && ulong.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong round)
                && Seconds(line[..tab]) is double seconds)
            {
                lines.Add((source, seconds, round));
            }
        }

        return lines;
    }

    /// <summary>A duration as Rust's <c>{:?}</c> prints it (<c>12ns</c>, <c>946.322µs</c>, <c>3.1ms</c>, <c>1.5s</c>), in seconds; null when it is not one.</summary>
    public static double? Seconds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        (string Unit, double Scale)[] units = [("ns", 1e-9), ("µs", 1e-6), ("us", 1e-6), ("ms", 1e-3), ("s", 1)];
        foreach (var (unit, scale) in units)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal))
            {
                string number = text[..^unit.Length];
                return number.Length > 0 && number.All(c => char.IsAsciiDigit(c) || c == '.')
                    && double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
                    ? value * scale
                    : null;
            }
        }

        return null;
    }

    /// <summary>
    /// Rounds per second shown by <paramref name="outputs"/> (one text per process of the run),
    /// or null when no source printed two different rounds at two different times. Per source
    /// (a process, or a launcher's <c>[pN]</c> child) a round's time is the latest any of its
    /// workers printed for it (a round is done when all are); the rate runs from the source's
    /// first round to its last, skipping the first when there are three or more (round 0 comes
    /// right after each worker's own building, before the slowest worker's); the run's rate is
    /// the slowest source's, as no worker gets ahead of the others by more than a round.
    /// </summary>
    public static double? RoundsPerSecond(IEnumerable<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        double? slowest = null;
        foreach (var output in outputs)
        {
            foreach (var source in Parse(output).GroupBy(l => l.Source))
            {
                var rounds = source.GroupBy(l => l.Round).Select(g => (Round: g.Key, Seconds: g.Max(l => l.Seconds))).OrderBy(r => r.Round).ToArray();
                if (rounds.Length < 2)
                {
                    continue;
                }

                var first = rounds[rounds.Length >= 3 ? 1 : 0];
                var last = rounds[^1];
                double span = last.Seconds - first.Seconds;
                if (span > 0)
                {
                    double rate = (last.Round - first.Round) / span;
                    slowest = slowest is null ? rate : Math.Min(slowest.Value, rate);
                }
            }
        }

        return slowest;
    }

    /// <summary>How many round lines <paramref name="outputs"/> hold (for a note when they show no rate).</summary>
    public static int Count(IEnumerable<string> outputs) => (outputs ?? throw new ArgumentNullException(nameof(outputs))).Sum(o => Parse(o).Count);
}
