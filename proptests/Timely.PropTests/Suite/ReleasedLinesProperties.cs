using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bench.Suite;
using Timely.Examples;

namespace Timely.PropTests.Suite;

/// <summary>
/// The <c>recv'd</c> lines of <c>sequence</c> that <c>suite --rust</c> counts on both sides of its
/// <c>sequence-rust</c> row, against a model: generated outputs (one or two processes, launcher
/// prefixes or none, lines at whole microseconds printed as our examples print Rust's
/// <c>{:?}</c>, other lines between them) read back line for line, and the count within a window
/// (never on a stamp: half a microsecond past one) is the model's count of stamps inside it.
/// </summary>
public sealed class ReleasedLinesProperties
{
    private sealed record Released(long Microseconds, int Worker, int Pusher, ulong Round);

    private static readonly Gen<(string[] Outputs, Released[] Lines)> Runs =
        Gen.Zip(Gen.Zip(Gen.Choose(1, 2), Gen.Choose(0, 1)), Gen.Zip(Gen.Choose(0, 30), Gen.Choose(0, int.MaxValue)))
            .Select(t =>
            {
                var ((processes, launched), (count, seed)) = t;
                var random = new Random(seed);
                var outputs = new string[processes];
                var all = new List<Released>();
                for (int p = 0; p < processes; p++)
                {
                    var text = new System.Text.StringBuilder();
                    for (int i = 0; i < count; i++)
                    {
                        var line = new Released(random.NextInt64(1, 30_000_000), random.Next(0, 4), random.Next(0, 4), (ulong)random.Next(0, 1000));
                        string prefix = launched == 1 ? $"[p{random.Next(0, 2)}] " : "";
                        text.Append(prefix).Append(RustDuration.Format(TimeSpan.FromTicks(line.Microseconds * 10)))
                            .Append(CultureInfo.InvariantCulture, $":\tWorker {line.Worker}:\t recv'd: \"{Sequence.Element(line.Pusher, line.Round)}\"\n");
                        if (random.Next(0, 4) == 0)
                        {
                            text.Append(prefix).Append("12.5s\tworker 0 complete\n");
                        }

                        all.Add(line);
                    }

                    outputs[p] = text.Append("result: records 0 checksum 0000000000000000\n").ToString();
                }

                return (outputs, all.ToArray());
            });

    [Property(MaxTest = 300)]
    public Property Released_lines_read_back_and_count_as_the_model_within_any_window()
    {
        var windows = Gen.Choose(0, 31_000_000).Select(us => us + 0.5).ToArbitrary();
        return Prop.ForAll(Runs.ToArbitrary(), windows, (run, windowMicroseconds) =>
        {
            var parsed = run.Outputs.SelectMany(o => o.Split('\n')).Select(ReleasedLines.Parse).Where(x => x is not null).Select(x => x!.Value).ToArray();
            bool same = parsed.Length == run.Lines.Length && parsed.Zip(run.Lines).All(x =>
                x.First.Worker == x.Second.Worker && x.First.Pusher == x.Second.Pusher && x.First.Round == x.Second.Round
                && Math.Abs(x.First.Seconds - (x.Second.Microseconds / 1e6)) < 1e-9);
            int model = run.Lines.Count(l => l.Microseconds < windowMicroseconds);
            int counted = ReleasedLines.CountWithin(run.Outputs, windowMicroseconds / 1e6);
            return (same && counted == model).Label($"parsed {parsed.Length} of {run.Lines.Length}; counted {counted}, model {model}");
        });
    }
}
