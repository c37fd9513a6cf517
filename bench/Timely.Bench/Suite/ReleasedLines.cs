using System.Globalization;
using System.Text.RegularExpressions;

namespace Timely.Bench.Suite;

/// <summary>
/// The <c>&lt;elapsed&gt;:\tWorker i:\t recv'd: "worker j, round r"</c> lines timely's <c>sequence</c>
/// prints for each element a worker reads from its sequencer (Rust's
/// <c>println!("{:?}:\tWorker {:?}:\t recv'd: {:?}", timer.elapsed(), worker.index(), element)</c>:
/// the elapsed time in Rust's <c>{:?}</c> form, the element as a quoted string), and how many of
/// them a run printed within a window: the check that <c>suite --rust</c>'s two sides of the
/// <c>sequence</c> row carried elements through the same schedule.
/// </summary>
public static partial class ReleasedLines
{
    /// <summary>
    /// One such line, without the launcher's <c>[pN] </c> prefix; null when <paramref name="line"/>
    /// is not one (another line, or an element of another form).
    /// </summary>
    public static (double Seconds, int Worker, int Pusher, ulong Round)? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var match = Line().Match(line.TrimEnd('\r'));
        if (!match.Success || RoundLines.Seconds(match.Groups["elapsed"].Value) is not double seconds)
        {
            return null;
        }

        return int.TryParse(match.Groups["worker"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int worker)
            && int.TryParse(match.Groups["pusher"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pusher)
            && ulong.TryParse(match.Groups["round"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong round)
            ? (seconds, worker, pusher, round)
            : null;
    }

    /// <summary>
    /// How many released-element lines <paramref name="outputs"/> (one text per process) hold
    /// stamped at or before <paramref name="window"/> seconds of their worker's clock.
    /// </summary>
    public static int CountWithin(IEnumerable<string> outputs, double window)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        int count = 0;
        foreach (var output in outputs)
        {
            foreach (var line in output.Split('\n'))
            {
                if (Parse(line) is { } released && released.Seconds <= window)
                {
                    count++;
                }
            }
        }

        return count;
    }

    // An optional launcher prefix, then Rust's line; the elapsed time's form is checked by RoundLines.Seconds.
    [GeneratedRegex("""^(?:\[p\d+\] )?(?<elapsed>[0-9.]+(?:ns|µs|us|ms|s)):\tWorker (?<worker>\d+):\t recv'd: "worker (?<pusher>\d+), round (?<round>\d+)"$""", RegexOptions.CultureInvariant)]
    private static partial Regex Line();
}
