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

    /// <summary>Whether the row runs a workload of the user's assembly (<c>--workloads</c>), checked by its checksum instead of a record count.</summary>
    public bool IsUserWorkload => Workload == Workloads.WorkloadCommand.Name;

    /// <summary>The child's arguments.</summary>
    public IReadOnlyList<string> Arguments => new[] { Workload }.Concat(WorkloadArgs).Concat(ConfigArgs).Concat(HasJson ? ["--json"] : Array.Empty<string>()).ToArray();

    /// <summary>Records a correct run reports, summed over processes (<see cref="Suite.ExpectedRecords"/>); not for a user's workload (<see cref="IsUserWorkload"/>).</summary>
    public long ExpectedRecords => Suite.ExpectedRecords.Of(this);

    public override string ToString() => Id;
}
