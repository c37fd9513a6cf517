using System.Globalization;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>flow_controlled</c>: every worker feeds 0..100000 through an
/// <see cref="IteratorSourceOperators.IteratorSource{T, TData}"/>, ten records per call, each
/// record <c>(x, x)</c> at time <c>x / 100 * 100</c>, asking for more only once its probe has
/// reached the time the previous call was made at; each record is printed as
/// <c>@ time: (x, x)</c>, as Rust's example prints it (to standard error there). Records =
/// records printed; checksum = the sum of <c>Pair(time, x)</c>.
/// </summary>
public static class FlowControlled
{
    /// <summary>The values every worker sends (Rust's <c>0u64..100000</c>).</summary>
    public const ulong Values = 100_000;

    // "@ " + time + ": (" + x + ", " + x + ")": three ulongs of at most 20 digits and 8 more.
    private const int LineLength = 68;

    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; this worker's result.</summary>
    public static ExampleResult Run(Worker worker, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(log);
        var meter = WorkloadResult.Start();
        long printed = 0;
        ulong checksum = 0;
        ulong next = 0;
        worker.Dataflow<ulong>(scope =>
        {
            var probe = new ProbeHandle<ulong>();
            scope.IteratorSource<ulong, (ulong, ulong)>(
                    "Source",
                    previous =>
                    {
                        if (next >= Values)
                        {
                            return null;
                        }

                        ulong time = next / 100 * 100;
                        var records = new List<(ulong, ulong)>(10);
                        for (; next < Values && records.Count < 10; next++)
                        {
                            records.Add((next, next));
                        }

                        return new IteratorSourceInput<ulong, (ulong, ulong)>(0, [(time, records)], previous);
                    },
                    probe)
                .InspectTime((time, record) =>
                {
                    Span<char> line = stackalloc char[LineLength];
                    log.WriteLine(line[..Format(line, time, record.Item1, record.Item2)]);
                    printed++;
                    checksum = unchecked(checksum + ExampleRandom.Pair(time, record.Item1));
                })
                .ProbeWith(probe);
        });

        while (worker.StepOrPark(null))
        {
        }

        return new ExampleResult(meter.Stop(worker.Index, printed), checksum);
    }

    /// <summary>Writes <c>@ time: (x, y)</c> at the start of <paramref name="line"/> (at least <see cref="LineLength"/> chars); returns its length.</summary>
    /// <remarks>
    /// Formatted into the stack, not a string: a string a line was most of what the timed part
    /// allocated (about 7 MB a worker of 12). And by <see cref="ulong.TryFormat(Span{char}, out int, ReadOnlySpan{char}, IFormatProvider?)"/>,
    /// not an interpolated <c>TryWrite</c>: the handler's generic <c>AppendFormatted&lt;ulong&gt;</c>
    /// boxes each value while it runs unoptimized (the JIT's first tier, most of a run this
    /// short), 72 B a line, 7.2 MB a worker, which still set off one gen0 a run on two workers
    /// (22.1 MB allocated in the timed part; 0 B a line once optimized, 0 B here at every tier).
    /// </remarks>
    internal static int Format(Span<char> line, ulong time, ulong x, ulong y)
    {
        "@ ".CopyTo(line);
        int n = 2;
        time.TryFormat(line[n..], out int written, default, CultureInfo.InvariantCulture);
        n += written;
        ": (".CopyTo(line[n..]);
        n += 3;
        x.TryFormat(line[n..], out written, default, CultureInfo.InvariantCulture);
        n += written;
        ", ".CopyTo(line[n..]);
        n += 2;
        y.TryFormat(line[n..], out written, default, CultureInfo.InvariantCulture);
        n += written;
        line[n++] = ')';
        return n;
    }

    /// <summary>The run's result computed sequentially: every worker prints every record once.</summary>
    public static (long Records, ulong Checksum) Reference(int peers)
    {
        ulong checksum = 0;
        for (ulong x = 0; x < Values; x++)
        {
            checksum = unchecked(checksum + ExampleRandom.Pair(x / 100 * 100, x));
        }

        return (checked((long)Values * peers), unchecked(checksum * (ulong)peers));
    }
}
