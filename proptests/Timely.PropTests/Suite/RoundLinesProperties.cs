using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bench.Suite;

namespace Timely.PropTests.Suite;

/// <summary>
/// The <c>round N complete</c> lines of <c>event_driven</c> that <c>suite --rust</c> reads from
/// both sides, against models: a duration in Rust's <c>{:?}</c> form reads back as the
/// nanoseconds it was printed from; the round lines of generated outputs (several processes,
/// launcher prefixes, two workers' lines interleaved, other lines between them) read back
/// exactly; and the rate is the model's (per source the latest time of each round, from the
/// second round when there are three, the slowest source), or none when no source shows two rounds.
/// </summary>
public sealed class RoundLinesProperties
{
    [Property(MaxTest = 1000)]
    public Property A_duration_in_rusts_form_reads_back_as_its_nanoseconds()
    {
        var nanoseconds = Gen.OneOf(Gen.Choose(0, 999).Select(n => (long)n), Gen.Choose(1000, int.MaxValue).Select(n => (long)n), Gen.Choose(0, int.MaxValue).Select(n => (long)n * 97));
        return Prop.ForAll(nanoseconds.ToArbitrary(), ns =>
        {
            double? seconds = RoundLines.Seconds(Rust(ns));
            return seconds is double s && Math.Abs(s - (ns / 1e9)) <= 1e-12 * Math.Max(1, ns / 1e9);
        });
    }

    [Fact]
    public void What_is_not_a_duration_reads_as_none()
    {
        foreach (string text in new[] { "", "ms", "1.5", "-3ms", "1,5s", "1e3s", "12 ms", "3.2h", "1.2.3s", "round" })
        {
            Assert.Null(RoundLines.Seconds(text));
        }
    }

    [Property(MaxTest = 500)]
    public Property Round_lines_read_back_exactly_and_give_the_models_rate()
    {
        return Prop.ForAll(Runs.ToArbitrary(), run =>
        {
            var outputs = run.Select(p => p.Text).ToArray();
            var parsed = outputs.SelectMany(RoundLines.Parse).ToArray();
            var expected = run.SelectMany(p => p.Lines).ToArray();
            bool same = parsed.Length == expected.Length
                && parsed.Zip(expected).All(x => x.First.Source == x.Second.Source && x.First.Round == x.Second.Round && Math.Abs(x.First.Seconds - (x.Second.Nanoseconds / 1e9)) <= 1e-12 * Math.Max(1, x.First.Seconds));
            double? model = ModelRate(run);
            double? rate = RoundLines.RoundsPerSecond(outputs);
            bool rateMatches = model is null ? rate is null : rate is double r && Math.Abs(r - model.Value) <= 1e-6 * model.Value;
            return (same && rateMatches && RoundLines.Count(outputs) == expected.Length).Label($"parsed {parsed.Length} of {expected.Length}; rate {rate} model {model}");
        });
    }

    private sealed record Line(string Source, ulong Round, long Nanoseconds);

    private sealed record ProcessOutput(string Text, IReadOnlyList<Line> Lines);

    /// <summary>One or two processes; each one source (no prefix) or a launcher's two (<c>[p0] </c>, <c>[p1] </c>); each source one or two workers printing rounds 0, 1000, ... at increasing times, with other lines between.</summary>
    private static readonly Gen<ProcessOutput[]> Runs =
        Gen.Zip(Gen.Zip(Gen.Choose(1, 2), Gen.Choose(0, 1)), Gen.Zip(Gen.Zip(Gen.Choose(1, 2), Gen.Choose(0, 6)), Gen.Choose(0, int.MaxValue)))
            .Select(t =>
            {
                var ((processes, launched), ((workers, rounds), seed)) = t;
                var random = new Random(seed);
                var outputs = new ProcessOutput[processes];
                for (int p = 0; p < processes; p++)
                {
                    var lines = new List<(long At, string Text, Line? Round)>();
                    string[] sources = launched == 1 ? ["[p0] ", "[p1] "] : [""];
                    foreach (string source in sources)
                    {
                        lines.Add((0, $"{source}{Rust(random.Next(1, 1_000_000))}\tdataflows built (10 x 5)", null));
                        for (int w = 0; w < workers; w++)
                        {
                            long at = random.Next(1, 5_000_000);
                            for (int k = 0; k < rounds; k++)
                            {
                                at += random.Next(1, 30_000_000) * (long)random.Next(1, 40);
                                var round = new Line(source.TrimEnd(), (ulong)k * 1000, at);
                                lines.Add((at, $"{source}{Rust(at)}\tround {round.Round} complete in {random.Next(0, 9)} steps", round));
                            }

                            lines.Add((at + 1, $"{source}{Rust(at + 1)}\tworker {w} complete", null));
                        }

                        lines.Add((long.MaxValue, $"{source}result: records {rounds} checksum 0000000000000000", null));
                    }

                    var ordered = lines.OrderBy(l => l.At).ToList();
                    outputs[p] = new ProcessOutput(string.Join('\n', ordered.Select(l => l.Text)) + "\n", ordered.Where(l => l.Round is not null).Select(l => l.Round!).ToArray());
                }

                return outputs;
            });

    private static double? ModelRate(ProcessOutput[] run)
    {
        double? slowest = null;
        foreach (var process in run)
        {
            foreach (var source in process.Lines.Select(l => l.Source).Distinct())
            {
                var latest = new SortedDictionary<ulong, long>();
                foreach (var line in process.Lines.Where(l => l.Source == source))
                {
                    latest[line.Round] = Math.Max(latest.GetValueOrDefault(line.Round), line.Nanoseconds);
                }

                var points = latest.ToArray();
                if (points.Length < 2)
                {
                    continue;
                }

                var first = points[points.Length >= 3 ? 1 : 0];
                var last = points[^1];
                if (last.Value > first.Value)
                {
                    double rate = (last.Key - first.Key) / ((last.Value - first.Value) / 1e9);
                    slowest = slowest is null ? rate : Math.Min(slowest.Value, rate);
                }
            }
        }

        return slowest;
    }

    /// <summary>Rust's <c>{:?}</c> of a <c>Duration</c> of <paramref name="ns"/> nanoseconds: the largest unit of ns, µs, ms, s with the whole part at least 1, trailing zeros of the fraction dropped.</summary>
    private static string Rust(long ns)
    {
        var (scale, digits, unit) = ns >= 1_000_000_000 ? (1_000_000_000L, 9, "s") : ns >= 1_000_000 ? (1_000_000L, 6, "ms") : ns >= 1000 ? (1000L, 3, "µs") : (1L, 0, "ns");
        long whole = ns / scale, fraction = ns % scale;
        string tail = fraction == 0 ? "" : "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
        return whole.ToString(CultureInfo.InvariantCulture) + tail + unit;
    }
}
