using System.Collections.Concurrent;
using System.Globalization;
using Timely.Examples;

namespace Timely.Bench.Suite;

/// <summary>
/// The records a correct run of a row reports, summed over processes: what the suite checks
/// every run against. The workloads' counts follow from their arguments; an example's come from
/// its sequential computation (its <c>Reference</c>), computed once per row.
/// </summary>
public static class ExpectedRecords
{
    private static readonly ConcurrentDictionary<string, long> Cache = new();

    /// <summary>
    /// pingpong ELEMS x (ITER + 1) loop passes, exchange BATCH x ROUNDS sent per worker, barrier
    /// ITER notifications per worker, roundtrip ITER trips, hello one greeting per (sender,
    /// receiver) pair (counted from its "received" lines), an example's from its reference.
    /// </summary>
    public static long Of(SuiteRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var args = row.WorkloadArgs;
        ulong Arg(int i) => ulong.Parse(args[i], CultureInfo.InvariantCulture);
        return row.Workload switch
        {
            "pingpong" => checked((long)(Arg(1) * (Arg(0) + 1))),
            "exchange" => checked((long)(Arg(0) * Arg(1)) * row.Peers),
            "barrier" => checked((long)Arg(0) * row.Peers),
            "roundtrip" => checked((long)Arg(0)),
            "hello" => (long)row.Peers * row.Peers,
            _ => Cache.GetOrAdd($"{row.Workload} {string.Join(' ', args)} @{row.Peers}", _ => Example(row.Workload, args, row.Peers)),
        };
    }

    private static long Example(string workload, IReadOnlyList<string> args, int peers)
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
            "bfs" => Bfs.Reference(P(0), P(1), peers).Records,
            "pagerank" => PageRank.Reference(P(0), P(1), O("--rounds", PageRank.DefaultRounds), peers).Records,
            "wordcount" => WordCount.Reference(O("--rounds", WordCount.DefaultRounds), O("--words", 0), peers).Records,
            "hashjoin" => HashJoin.Reference(P(0), P(1), peers).Records,
            "distinct" => Distinct.Reference(O("--rounds", Distinct.DefaultRounds), O("--values", 0), peers).Records,
            "unionfind" => UnionFind.Reference(P(0), P(1), peers).Records,
            "event_driven" => EventDriven.Reference(O("--rounds", EventDriven.DefaultRounds), positional.Count > 2, peers).Records,
            "openloop" or "loopdemo" => (long)OpenLoop.Requests(P(0), double.Parse(positional[1], CultureInfo.InvariantCulture)),
            "sequence" => Sequence.Reference(O("--rounds", Sequence.DefaultRounds), peers).Records,
            "flow_controlled" => FlowControlled.Reference(peers).Records,
            _ => throw new InvalidOperationException($"no expected record count for workload {workload}."),
        };
    }
}
