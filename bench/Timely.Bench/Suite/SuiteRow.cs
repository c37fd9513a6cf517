using System.Globalization;

namespace Timely.Bench.Suite;

/// <summary>
/// One cell of the matrix: a workload with its arguments under one communication configuration.
/// </summary>
/// <param name="Label">Short workload name (<c>pingpong-latency</c>, <c>hello</c>, ...), used by --filter and the chart.</param>
/// <param name="Workload">The <c>timely</c> subcommand.</param>
/// <param name="WorkloadArgs">Its positional arguments.</param>
/// <param name="Configuration">The configuration's name (<c>-w 1</c>, <c>shm x2</c>, ...).</param>
/// <param name="ConfigArgs">The communication flags.</param>
/// <param name="Peers">Workers in the whole computation under this configuration.</param>
public sealed record SuiteRow(string Label, string Workload, IReadOnlyList<string> WorkloadArgs, string Configuration, IReadOnlyList<string> ConfigArgs, int Peers)
{
    /// <summary>The row's identity in saved results and baselines: the exact command after <c>timely</c>.</summary>
    public string Id => string.Join(' ', new[] { Workload }.Concat(WorkloadArgs).Concat(ConfigArgs));

    /// <summary>Processes of the computation (the launcher starts them when above 1).</summary>
    public int Processes => ConfigArgs.Contains("--processes") ? Peers : 1;

    /// <summary>Whether the child prints the <c>--json</c> summary (every workload but <c>hello</c>).</summary>
    public bool HasJson => Workload != "hello";

    /// <summary>The child's arguments.</summary>
    public IReadOnlyList<string> Arguments => new[] { Workload }.Concat(WorkloadArgs).Concat(ConfigArgs).Concat(HasJson ? ["--json"] : Array.Empty<string>()).ToArray();

    /// <summary>
    /// Records a correct run reports, summed over processes: pingpong ELEMS x (ITER + 1) loop passes,
    /// exchange BATCH x ROUNDS sent per worker, barrier ITER notifications per worker, roundtrip ITER
    /// trips, hello one greeting per (sender, receiver) pair (counted from its "received" lines);
    /// an example's from its sequential computation (<see cref="Examples.ExampleCommands.ExpectedRecords"/>).
    /// </summary>
    public long ExpectedRecords
    {
        get
        {
            ulong Arg(int i) => ulong.Parse(WorkloadArgs[i], CultureInfo.InvariantCulture);
            return Workload switch
            {
                "pingpong" => checked((long)(Arg(1) * (Arg(0) + 1))),
                "exchange" => checked((long)(Arg(0) * Arg(1)) * Peers),
                "barrier" => checked((long)Arg(0) * Peers),
                "roundtrip" => checked((long)Arg(0)),
                "hello" => (long)Peers * Peers,
                _ when Examples.ExampleCommands.ExpectedRecords(Workload, WorkloadArgs, Peers) is { } records => records,
                _ => throw new InvalidOperationException($"no expected record count for workload {Workload}."),
            };
        }
    }

    public override string ToString() => Id;
}
