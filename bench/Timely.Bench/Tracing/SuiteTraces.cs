using System.Globalization;
using System.Text;

namespace Timely.Bench.Tracing;

/// <summary>
/// <c>timely suite --trace DIR</c>: each run of a dataflow workload (pingpong, exchange, barrier) of
/// this build writes a trace, and per row only the fastest and the slowest run's are kept, as
/// <c>DIR/&lt;row&gt;.fastest.json</c> and <c>DIR/&lt;row&gt;.slowest.json</c> (with <c>.p&lt;i&gt;</c>
/// beside them for the other processes of a cluster row). Tracing slows the runs it traces: a
/// suite run with <c>--trace</c> compares only with another such run.
/// </summary>
public sealed class SuiteTraces(string directory)
{
    private static readonly string[] Traced = ["pingpong", "exchange", "barrier"];

    private readonly Dictionary<string, (double Fastest, double Slowest)> _kept = new(StringComparer.Ordinal);

    /// <summary>The directory the traces go to.</summary>
    public string Directory { get; } = directory;

    /// <summary>Whether runs of <paramref name="workload"/> are traced.</summary>
    public static bool Traces(string workload) => Traced.Contains(workload);

    /// <summary>Where the run about to start writes its trace.</summary>
    public string Pending(string rowId) => Path.Combine(Directory, $"{Slug(rowId)}.run.json");

    /// <summary>After a run of <paramref name="rowId"/> that took <paramref name="milliseconds"/>: keeps its trace as the fastest or slowest so far, else deletes it.</summary>
    public void Keep(string rowId, double milliseconds)
    {
        string slug = Slug(rowId);
        string pending = Pending(rowId);
        bool first = !_kept.TryGetValue(slug, out var best);
        bool fastest = first || milliseconds < best.Fastest;
        bool slowest = first || milliseconds > best.Slowest;
        if (fastest && slowest)
        {
            Copy(pending, Path.Combine(Directory, $"{slug}.slowest.json"));
        }

        if (fastest)
        {
            Move(pending, Path.Combine(Directory, $"{slug}.fastest.json"));
        }
        else if (slowest)
        {
            Move(pending, Path.Combine(Directory, $"{slug}.slowest.json"));
        }

        Delete(pending);
        _kept[slug] = (fastest ? milliseconds : best.Fastest, slowest ? milliseconds : best.Slowest);
    }

    /// <summary>Removes what a failed run left.</summary>
    public void Discard(string rowId) => Delete(Pending(rowId));

    private static void Copy(string from, string to) => Each(from, to, (a, b) => File.Copy(a, b, overwrite: true));

    private static void Move(string from, string to) => Each(from, to, (a, b) => File.Move(a, b, overwrite: true));

    private static void Delete(string pending)
    {
        foreach (var (file, _) in Parts(pending, pending))
        {
            File.Delete(file);
        }
    }

    private static void Each(string from, string to, Action<string, string> act)
    {
        foreach (var (a, b) in Parts(from, to))
        {
            act(a, b);
        }
    }

    /// <summary>The trace files of one run (FILE and FILE.p&lt;i&gt;) paired with their new names.</summary>
    private static List<(string From, string To)> Parts(string from, string to)
    {
        var parts = new List<(string, string)>();
        if (File.Exists(from))
        {
            parts.Add((from, to));
        }

        for (int p = 1; File.Exists(TraceRecorder.PathFor(from, p)); p++)
        {
            parts.Add((TraceRecorder.PathFor(from, p), TraceRecorder.PathFor(to, p)));
        }

        return parts;
    }

    private static string Slug(string rowId)
    {
        var slug = new StringBuilder();
        foreach (char ch in rowId)
        {
            slug.Append(char.IsAsciiLetterOrDigit(ch) ? ch : '_');
        }

        return slug.ToString().Trim('_').ToLower(CultureInfo.InvariantCulture);
    }
}
