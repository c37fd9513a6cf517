using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bench.Suite;
using Timely.Bench.Workloads;
using Timely.Communication;
using Timely.Workloads;

namespace Timely.PropTests.Suite;

/// <summary>
/// The pure parts of <c>suite --workloads</c> and <c>suite-power</c> against models: workload
/// names, the listing a child prints and the suite reads back, sizes, the checksum check across
/// rows (the majority wins), lists of dials, and the verdict on samples slowed by a known factor.
/// </summary>
public sealed class WorkloadSuiteProperties
{
    private const string Allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

    private static readonly Gen<string> Names =
        Gen.Zip(Gen.Elements(Allowed[..62].ToCharArray()), Gen.Elements(Allowed.ToCharArray()).ArrayOf())
            .Select(t => (t.Item1 + new string(t.Item2)) is var s && s.Length > WorkloadCatalog.MaxNameLength ? s[..WorkloadCatalog.MaxNameLength] : t.Item1 + new string(t.Item2));

    [Property(MaxTest = 500)]
    public Property A_name_is_valid_exactly_when_the_model_says_so()
    {
        var anyText = Gen.OneOf(Names, ArbMap.Default.GeneratorFor<string>(), Names.Select(n => n + " "), Names.Select(n => "-" + n));
        return Prop.ForAll(anyText.ToArbitrary(), text =>
        {
            bool model = text is { Length: > 0 and <= WorkloadCatalog.MaxNameLength }
                && char.IsAsciiLetterOrDigit(text[0])
                && text.All(c => Allowed.Contains(c, StringComparison.Ordinal));
            return WorkloadCatalog.IsValidName(text) == model;
        });
    }

    [Fact]
    public void A_name_with_a_line_break_at_its_end_is_not_valid()
    {
        // A regex's '$' also matches before a final line break; the name's end is the string's end.
        Assert.False(WorkloadCatalog.IsValidName("3CP0NP\n"));
        Assert.True(WorkloadCatalog.IsValidName("3CP0NP"));
    }

    [Property(MaxTest = 300)]
    public Property The_listing_reads_back_what_the_child_printed()
    {
        var entries = Gen.Zip(Names, Gen.Choose(0, 15).Select(f => (WorkloadConfigurations)f)).ArrayOf();
        return Prop.ForAll(entries.ToArbitrary(), list =>
        {
            string output = string.Join('\n', list.Select(e => WorkloadCommand.ListLine(e.Item1, e.Item2))) + "\n";
            return UserWorkloads.ParseList(output).SequenceEqual(list.Select(e => (e.Item1, e.Item2)));
        });
    }

    [Property(MaxTest = 300)]
    public Property The_rows_of_a_workload_are_its_declared_configurations()
    {
        var gen = Gen.Zip(Gen.Zip(Names, Gen.Choose(0, 15)), Gen.Elements(SuiteSize.Full, SuiteSize.Quick, SuiteSize.Smoke));
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var ((name, flags), size) = t;
            var rows = SuiteMatrix.UserRows([(name, (WorkloadConfigurations)flags)], size);
            return rows.Count == int.PopCount(flags)
                && rows.Select(r => r.Configuration).SequenceEqual(SuiteMatrix.ConfigurationNames((WorkloadConfigurations)flags))
                && rows.All(r => r.Label == name && r.IsUserWorkload && r.Id.StartsWith($"workload {name} --size {size.ToString().ToLowerInvariant()} ", StringComparison.Ordinal));
        });
    }

    [Property(MaxTest = 200)]
    public Property A_size_reads_back_in_any_case_and_nothing_else_is_a_size()
    {
        var gen = Gen.Zip(Gen.Zip(Gen.Elements(WorkloadSize.Full, WorkloadSize.Quick, WorkloadSize.Smoke), ArbMap.Default.GeneratorFor<bool[]>()), ArbMap.Default.GeneratorFor<string>());
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var ((size, upper), other) = t;
            string name = WorkloadCommand.SizeName(size);
            string cased = new(name.Select((c, i) => i < upper.Length && upper[i] ? char.ToUpperInvariant(c) : c).ToArray());
            bool otherIsSize = other is not null && (other.Equals("full", StringComparison.OrdinalIgnoreCase) || other.Equals("quick", StringComparison.OrdinalIgnoreCase) || other.Equals("smoke", StringComparison.OrdinalIgnoreCase));
            bool refused;
            try
            {
                WorkloadCommand.ParseSize(other!);
                refused = false;
            }
            catch (ConfigException)
            {
                refused = true;
            }

            return WorkloadCommand.ParseSize(cased) == size && refused != otherIsSize;
        });
    }

    [Property(MaxTest = 300)]
    public Property Across_rows_exactly_the_rows_off_the_most_common_checksum_fail()
    {
        // Rows of one workload with checksums from a small set, so ties and majorities both occur.
        var gen = Gen.Choose(0, 3).Select(c => (ulong)c).ArrayOf().Where(a => a.Length > 0);
        return Prop.ForAll(gen.ToArbitrary(), checksums =>
        {
            var rows = checksums.Select((c, i) => new RowResult
            {
                Id = $"workload w --size quick r{i}",
                Label = "w",
                Configuration = $"r{i}",
                Build = "this",
                Samples = [new RunSample { Milliseconds = 1, Records = 1, Checksum = c }],
            }).ToArray();
            var counts = checksums.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
            int top = counts.Values.Max();
            ulong agreed = checksums.First(c => counts[c] == top);
            int failed = ChecksumCheck.AcrossRows(rows);
            return failed == checksums.Count(c => c != agreed)
                && rows.All(r => (r.Status == RowStatus.Failed) == (r.Samples[0].Checksum != agreed));
        });
    }

    [Property(MaxTest = 300)]
    public Property A_list_of_distinct_numbers_reads_back_sorted()
    {
        var gen = Gen.Choose(0, 1000).ArrayOf().Select(a => a.Distinct().ToArray()).Where(a => a.Length > 0);
        return Prop.ForAll(gen.ToArbitrary(), values =>
            PowerCommand.ParseIntegers("--dials", string.Join(',', values), 0, 1000).SequenceEqual(values.Order()));
    }

    [Property(MaxTest = 300)]
    public Property Samples_slowed_threefold_are_a_regression_and_unchanged_ones_never_are()
    {
        // Runs within 20% of each other (a quiet host's spread), 3 to 20 of them per build.
        var gen = Gen.Zip(Gen.Zip(Gen.Choose(3, 20), Gen.Choose(1, 1_000_000)), Gen.Choose(0, int.MaxValue));
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var ((n, scale), seed) = t;
            var random = new Random(seed);
            double[] reference = Enumerable.Range(0, n).Select(_ => scale * (1 + (0.2 * random.NextDouble()))).ToArray();
            double[] same = reference.Reverse().ToArray();
            double[] slowed = reference.Select(x => x * 3).ToArray();
            return DetectionPower.VerdictAfter(slowed, reference, n, 0.10) == Verdict.Regression
                && DetectionPower.VerdictAfter(same, reference, n, 0.10) == Verdict.WithinNoise
                && DetectionPower.Cell([Verdict.Regression, Verdict.WithinNoise, Verdict.Improvement]) == new PowerCell(3, 1, 1);
        });
    }
}
