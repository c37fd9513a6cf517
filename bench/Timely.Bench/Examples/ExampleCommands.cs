using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;

namespace Timely.Bench.Examples;

/// <summary>
/// timely's examples as <c>timely</c> commands, with Rust's argument forms (issue 15 item 4).
/// Each is checked in the tests against a sequential computation of the same result.
/// </summary>
public static class ExampleCommands
{
    /// <summary>The example commands, in the order <c>timely --help</c> lists them.</summary>
    public static IEnumerable<Command> Create()
    {
        yield return Bfs.Create();
        yield return PageRank.Create();
        yield return WordCount.Create();
        yield return HashJoin.Create();
        yield return Distinct.Create();
        yield return UnionFind.Create();
        yield return EventDriven.Create();
        foreach (var command in OpenLoop.Create())
        {
            yield return command;
        }

        yield return Sequence.Create();
    }

    /// <summary>
    /// The examples' rows of <c>timely suite</c> with full / quick / smoke arguments: full sizes
    /// near Rust's usual runs, quick ones a few hundred milliseconds a run here, smoke ones tiny.
    /// </summary>
    internal static (string Label, string Workload, string[] Full, string[] Quick, string[] Smoke)[] SuiteRows { get; } =
    [
        ("bfs", "bfs", ["100000", "200000"], ["10000", "20000"], ["1000", "2000"]),
        ("pagerank", "pagerank", ["100000", "400000"], ["1000", "4000", "--rounds", "10"], ["100", "400", "--rounds", "5"]),
        ("wordcount", "wordcount", ["--rounds", "1000", "--words", "100"], ["--rounds", "50", "--words", "10"], []),
        ("hashjoin", "hashjoin", ["100000", "1000000", "10000"], ["10000", "20000", "1000"], ["100", "200", "50"]),
        ("distinct", "distinct", ["--rounds", "100", "--values", "10000"], ["--rounds", "20", "--values", "1000"], []),
        ("unionfind", "unionfind", ["1000000", "2000000", "10000"], ["10000", "20000", "1000"], ["100", "200", "50"]),
        ("event_driven", "event_driven", ["1000", "10", "--rounds", "10000"], ["20", "10", "--rounds", "200"], ["10", "2", "--rounds", "10"]),
        ("openloop", "openloop", ["100000", "5"], ["10000", "0.3"], ["1000", "0.05"]),
        ("loopdemo", "loopdemo", ["100000", "5"], ["10000", "0.3"], ["1000", "0.05"]),
        ("sequence", "sequence", ["--rounds", "10000"], ["--rounds", "100"], ["--rounds", "5"]),
    ];

    private static readonly ConcurrentDictionary<string, long?> Expected = new();

    /// <summary>
    /// The records a correct run of example <paramref name="workload"/> with <paramref name="args"/>
    /// on <paramref name="peers"/> workers reports in all (from its sequential computation,
    /// computed once per row); null when <paramref name="workload"/> is not an example.
    /// </summary>
    public static long? ExpectedRecords(string workload, IReadOnlyList<string> args, int peers)
    {
        ArgumentNullException.ThrowIfNull(args);
        return Expected.GetOrAdd($"{workload} {string.Join(' ', args)} @{peers}", _ => Compute(workload, args, peers));
    }

    private static long? Compute(string workload, IReadOnlyList<string> args, int peers)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Count)
            {
                options[args[i]] = args[++i];
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        ulong P(int i) => ulong.Parse(positional[i], CultureInfo.InvariantCulture);
        ulong O(string name, ulong fallback) => options.TryGetValue(name, out var v) ? ulong.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return workload switch
        {
            "bfs" => Bfs.Reference(P(0), P(1)).Records,
            "pagerank" => PageRank.Reference(P(0), P(1), O("--rounds", PageRank.DefaultRounds)).Records,
            "wordcount" => WordCount.Reference(O("--rounds", WordCount.DefaultRounds), O("--words", 0), peers).Records,
            "hashjoin" => HashJoin.Reference(P(0), P(1), countOnly: true).Records,
            "distinct" => Distinct.Reference(O("--rounds", Distinct.DefaultRounds), O("--values", 0), peers).Records,
            "unionfind" => UnionFind.Reference(P(0), P(1), peers).Records,
            "event_driven" => EventDriven.Reference(O("--rounds", EventDriven.DefaultRounds), positional.Count > 2, peers).Records,
            "openloop" or "loopdemo" => (long)OpenLoop.Requests(P(0), double.Parse(positional[1], CultureInfo.InvariantCulture)),
            "sequence" => Sequence.Reference(O("--rounds", Sequence.DefaultRounds), peers).Records,
            _ => null,
        };
    }
}
