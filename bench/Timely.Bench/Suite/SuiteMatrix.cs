using Timely.Bench.Workloads;
using Timely.Workloads;

namespace Timely.Bench.Suite;

/// <summary>The workloads x configurations of the suite, and --filter.</summary>
public static class SuiteMatrix
{
    /// <summary>
    /// Workload rows with their full / quick / smoke arguments. Full sizes are those the suite
    /// was specified with (the examples' near Rust's usual runs); quick sizes are scaled so the
    /// workloads' part of the quick suite (3 repeats, the rows this build can run) takes about a
    /// minute on a 2-core host, and each example row 0.2-3 s a run there; smoke sizes only prove
    /// each row completes.
    /// </summary>
    private static readonly (string Label, string Workload, string[] Full, string[] Quick, string[] Smoke)[] Workloads =
    [
        ("pingpong-latency", "pingpong", ["100000", "1"], ["2000", "1"], ["100", "1"]),
        ("pingpong-throughput", "pingpong", ["1000", "1000000"], ["10", "100000"], ["5", "1000"]),
        ("exchange-small-batch", "exchange", ["1000", "100000"], ["1000", "300"], ["100", "10"]),
        ("exchange-large-batch", "exchange", ["100000", "1000"], ["100000", "20"], ["1000", "10"]),
        ("barrier", "barrier", ["1000000"], ["10000"], ["1000"]),
        ("hello", "hello", [], [], []),
        ("roundtrip", "roundtrip", ["100000"], ["10000"], ["100"]),
        ("bfs", "bfs", ["100000", "200000"], ["10000", "20000"], ["1000", "2000"]),
        ("pagerank", "pagerank", ["100000", "400000"], ["1000", "4000", "--rounds", "10"], ["100", "400", "--rounds", "5"]),
        ("wordcount", "wordcount", ["--rounds", "1000", "--words", "100"], ["--rounds", "50", "--words", "10"], []),
        // Rust's own computation (no arguments: 10 rounds of "round" per worker), the form `suite --rust` pairs.
        ("wordcount-fixed", "wordcount", [], [], []),
        ("hashjoin", "hashjoin", ["100000", "1000000", "10000"], ["10000", "20000", "1000"], ["100", "200", "50"]),
        ("distinct", "distinct", ["--rounds", "100", "--values", "10000"], ["--rounds", "20", "--values", "1000"], []),
        // Rust's own computation (no arguments: one round of its two workers' fixed data).
        ("distinct-fixed", "distinct", [], [], []),
        ("unionfind", "unionfind", ["1000000", "2000000", "10000"], ["10000", "20000", "1000"], ["100", "200", "50"]),
        ("event_driven", "event_driven", ["1000", "10", "--rounds", "10000"], ["20", "10", "--rounds", "200"], ["10", "2", "--rounds", "10"]),
        // Whole seconds at full and quick sizes: Rust's examples parse SECONDS as an integer, so these rows pair with theirs.
        ("openloop", "openloop", ["100000", "5"], ["10000", "1"], ["1000", "0.05"]),
        ("loopdemo", "loopdemo", ["100000", "5"], ["10000", "1"], ["1000", "0.05"]),
        ("sequence", "sequence", ["--rounds", "10000"], ["--rounds", "100"], ["--rounds", "5"]),
        ("flow_controlled", "flow_controlled", [], [], []),
    ];

    /// <summary>The configurations: threads in one process, then two processes per transport.</summary>
    private static readonly (string Name, string[] Args, int Peers)[] Configurations =
    [
        ("-w 1", ["-w", "1"], 1),
        ("-w 2", ["-w", "2"], 2),
        ("shm x2", ["--processes", "2", "--transport", "shm"], 2),
        ("tcp x2", ["--processes", "2", "--transport", "tcp"], 2),
    ];

    /// <summary>
    /// Every row at <paramref name="size"/>, workload-major; a row whose command an earlier row
    /// already runs at this size (the smoke size of <c>wordcount</c> is <c>wordcount-fixed</c>'s) is left out.
    /// </summary>
    public static IReadOnlyList<SuiteRow> Rows(SuiteSize size)
    {
        var rows = new List<SuiteRow>();
        foreach (var w in Workloads)
        {
            var args = size switch
            {
                SuiteSize.Full => w.Full,
                SuiteSize.Quick => w.Quick,
                _ => w.Smoke,
            };
            foreach (var c in Configurations)
            {
                var row = new SuiteRow(w.Label, w.Workload, args, c.Name, c.Args, c.Peers);
                if (!rows.Exists(r => r.Id == row.Id))
                {
                    rows.Add(row);
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// Rows that run only beside Rust (<c>suite --rust</c>; <see cref="RustExamples.OnlyBesideRust"/>),
    /// the same at every size: Rust's <c>sequence</c> as shipped, which never stops and runs
    /// <c>Config::process(4)</c> whatever its flags, so one row, ours on Rust's 4 workers; the
    /// configuration's name says that Rust's ignores -w.
    /// </summary>
    public static IReadOnlyList<SuiteRow> RustOnlyRows() =>
        [new SuiteRow("sequence-rust", "sequence", ["--as-rust"], "-w 4 (Rust's fixed 4, ignores -w)", ["-w", "4"], 4)];

    /// <summary>
    /// The rows of a user's workloads (<c>--workloads</c>): each on the configurations it declares,
    /// workload-major, as <c>workload NAME --size SIZE</c> plus the configuration's flags. The
    /// assembly's path is not part of a row: it is the build, passed to each run (so a baseline
    /// or the other build of an A/B run has the same rows).
    /// </summary>
    public static IReadOnlyList<SuiteRow> UserRows(IEnumerable<(string Name, WorkloadConfigurations Configurations)> workloads, SuiteSize size)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        string sizeName = WorkloadCommand.SizeName(size switch { SuiteSize.Full => WorkloadSize.Full, SuiteSize.Quick => WorkloadSize.Quick, _ => WorkloadSize.Smoke });
        var rows = new List<SuiteRow>();
        foreach (var (name, declared) in workloads)
        {
            for (int c = 0; c < Configurations.Length; c++)
            {
                if (((int)declared & (1 << c)) != 0)
                {
                    rows.Add(new SuiteRow(name, WorkloadCommand.Name, [name, "--size", sizeName], Configurations[c].Name, Configurations[c].Args, Configurations[c].Peers));
                }
            }
        }

        return rows;
    }

    /// <summary>The names of the configurations in <paramref name="configurations"/> (bit i is the i-th of -w 1, -w 2, shm x2, tcp x2).</summary>
    public static IEnumerable<string> ConfigurationNames(WorkloadConfigurations configurations) =>
        Configurations.Where((_, i) => ((int)configurations & (1 << i)) != 0).Select(c => c.Name);

    /// <summary>
    /// Rows matching any of <paramref name="filters"/> (all rows when there are none). A filter
    /// matches, case-insensitively, a substring of "label id" (<c>roundtrip --processes 2</c>) or, when
    /// it holds <c>*</c> or <c>?</c>, that whole text as a glob (<c>pingpong*-w 2</c>).
    /// </summary>
    public static IReadOnlyList<SuiteRow> Filter(IReadOnlyList<SuiteRow> rows, IReadOnlyList<string> filters)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(filters);
        if (filters.Count == 0)
        {
            return rows;
        }

        return rows.Where(r => filters.Any(f => Matches(f, $"{r.Label} {r.Id}"))).ToArray();
    }

    private static bool Matches(string filter, string text)
    {
        if (filter.Contains('*', StringComparison.Ordinal) || filter.Contains('?', StringComparison.Ordinal))
        {
            return GlobPattern.IsMatch(filter, text);
        }

        return text.Contains(filter, StringComparison.OrdinalIgnoreCase);
    }
}
