using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bench.Suite;

namespace Timely.PropTests.Suite;

/// <summary>
/// Which rows <c>suite --rust</c> sets beside Rust's examples, and what their ratio is of, against
/// models: a row pairs exactly when Rust has its example and every argument is a whole number
/// (as Rust's examples parse theirs), an <c>event_driven</c> row when what is left without one
/// <c>--rounds N</c> is Rust's <c>DATAFLOWS LENGTH [record]</c>, a <c>sequence</c> row only in
/// Rust's form (<c>--as-rust</c> alone, on 4 workers of one process: Rust's <c>Config::process(4)</c>);
/// a row of a fixed-duration example takes its ratio from CPU alone, whatever the wall times.
/// </summary>
public sealed class RustPairingProperties
{
    private static readonly string[] Workloads = [.. RustExamples.TrivialArguments.Keys, "sequence", "hello", "roundtrip", "workload"];

    private static readonly Gen<string> Arguments = Gen.OneOf(
        Gen.Choose(0, 1_000_000).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Elements("0.3", "0.05", "--rounds", "--words", "--values", "-1", "record", "", "1e3", "١٢"));

    [Property(MaxTest = 1000)]
    public Property A_row_pairs_exactly_when_rust_has_the_example_and_every_argument_is_a_whole_number()
    {
        // Random argument lists, and event_driven's forms (Rust's, with our --rounds, misspelt).
        var eventDriven = Gen.Zip(Gen.Zip(Arguments, Arguments), Gen.Zip(Gen.Elements<string[]>([], ["record"], ["recorded"]), Gen.Elements<string[]>([], ["--rounds", "10"], ["--rounds", "x"], ["--rounds"])))
            .Select(t => ("event_driven", (string[])[t.Item1.Item1, t.Item1.Item2, .. t.Item2.Item1, .. t.Item2.Item2]));
        var gen = Gen.OneOf(Gen.Zip(Gen.Elements(Workloads), Arguments.ArrayOf()), eventDriven);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (workload, args) = t;
            bool model = workload == "event_driven"
                ? EventDrivenPairs(args)
                : workload != "sequence" && RustExamples.TrivialArguments.ContainsKey(workload) && args.All(Whole);
            return RustExamples.Pairs(new SuiteRow(workload, workload, args, "-w 1", ["-w", "1"], 1)) == model;
        });
    }

    [Property(MaxTest = 300)]
    public Property A_sequence_row_pairs_only_in_rusts_form_on_four_workers_of_one_process()
    {
        var args = Gen.OneOf(Gen.Elements<string[]>(["--as-rust"], ["--as-rust", "--rounds", "5"], ["--as-rust", "--sleep-ms", "10"], ["--rounds", "10"], []), Arguments.ArrayOf());
        var config = Gen.Elements<(string[] Args, int Peers)>((["-w", "4"], 4), (["-w", "1"], 1), (["-w", "2"], 2), (["--processes", "4", "--transport", "shm"], 4), (["--processes", "2", "--transport", "tcp"], 2));
        return Prop.ForAll(Gen.Zip(args, config).ToArbitrary(), t =>
        {
            var (a, (configArgs, peers)) = t;
            bool model = a is ["--as-rust"] && configArgs is ["-w", "4"];
            var row = new SuiteRow("sequence", "sequence", a, string.Join(' ', configArgs), configArgs, peers);
            return (RustExamples.Pairs(row) == model && (!model || RustExamples.Arguments(row) is { Count: 0 })).Label($"{row.Id}: pairs {RustExamples.Pairs(row)}, model {model}");
        });
    }

    [Property(MaxTest = 300)]
    public Property A_cpu_compared_ratio_is_of_the_cpu_medians_whatever_the_walls()
    {
        var sample = Gen.Zip(Gen.Zip(Gen.Choose(1, 100_000), Gen.Choose(1, 100_000)), Gen.Zip(Gen.Choose(-1000, 100_000), Gen.Choose(-1000, 100_000)));
        return Prop.ForAll(sample.NonEmptyListOf().ToArbitrary(), list =>
        {
            var samples = list.Select(s => new RustPairSample { OursCpuMs = s.Item1.Item1, RustCpuMs = s.Item1.Item2, OursMs = s.Item2.Item1, RustMs = s.Item2.Item2 }).ToList();
            var pair = new RustRowResult { Id = "openloop 10000 1 -w 1", RustConfiguration = "-w 1", ComparesCpu = true, Samples = samples };
            double expected = Median(list.Select(s => (double)s.Item1.Item1)) / Median(list.Select(s => (double)s.Item1.Item2));
            var (ratio, low, high) = pair.Ratio();
            return Math.Abs(ratio - expected) <= 1e-9 * expected && low > 0 && low <= high;
        });
    }

    [Property(MaxTest = 50)]
    public Property Every_size_of_the_matrix_has_each_command_once_and_its_rows_pair_as_the_rule_says()
    {
        return Prop.ForAll(Gen.Elements(SuiteSize.Full, SuiteSize.Quick, SuiteSize.Smoke).ToArbitrary(), size =>
        {
            var rows = SuiteMatrix.Rows(size);
            var paired = rows.Where(RustExamples.Pairs).Select(r => r.Workload).ToHashSet();
            bool fixedOnesPair = paired.IsSupersetOf(["wordcount", "distinct", "flow_controlled"]);
            bool durationOnesPair = size == SuiteSize.Smoke || paired.IsSupersetOf(["openloop", "loopdemo"]);
            return rows.Select(r => r.Id).Distinct().Count() == rows.Count && fixedOnesPair && durationOnesPair
                && paired.Contains("event_driven") && !paired.Contains("sequence");
        });
    }

    private static bool Whole(string a) => a.Length > 0 && a.All(c => c is >= '0' and <= '9');

    /// <summary>Rust's <c>event_driven DATAFLOWS LENGTH [record]</c> once the first <c>--rounds N</c> (our option) is taken out.</summary>
    private static bool EventDrivenPairs(string[] args)
    {
        var rest = args.ToList();
        int at = rest.IndexOf("--rounds");
        if (at >= 0 && at + 1 < rest.Count && Whole(rest[at + 1]))
        {
            rest.RemoveRange(at, 2);
        }

        return rest.Count is 2 or 3 && Whole(rest[0]) && Whole(rest[1]) && (rest.Count == 2 || rest[2] == "record");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
