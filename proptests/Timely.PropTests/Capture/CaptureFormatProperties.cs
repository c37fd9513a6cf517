using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Dataflow.Capture;

namespace Timely.PropTests.Capture;

public class CaptureFormatProperties
{
    private static Gen<Event<ulong, TData>> EventGen<TData>(Gen<TData> data) =>
        Gen.OneOf(
            Gen.Zip(Generators.U64, Generators.ListOf(data), (t, d) => (Event<ulong, TData>)new Event<ulong, TData>.Messages(t, d)),
            Generators.ListOf(Gen.Zip(Generators.U64, Generators.I64)).Select(
                updates => (Event<ulong, TData>)new Event<ulong, TData>.Progress(updates.ConvertAll(u => (u.Item1, u.Item2)))));

    private static byte[] Write<[WireEncoded] TData>(List<Event<ulong, TData>> events)
    {
        var stream = new MemoryStream();
        using (var writer = new EventWriter<ulong, TData>(stream, leaveOpen: true))
        {
            foreach (var e in events)
            {
                writer.Push(e);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Reads until the source is exhausted and nothing is buffered; "no data now" answers are retried.</summary>
    private static List<Event<ulong, TData>> ReadAll<[WireEncoded] TData>(ChunkedStream source)
    {
        using var reader = new EventReader<ulong, TData>(source, zeroReadIsEnd: false);
        var events = new List<Event<ulong, TData>>();
        int idle = 0;
        while (!source.Exhausted || reader.Buffered > 0)
        {
            if (reader.TryNext(out var e))
            {
                events.Add(e);
                idle = 0;
            }
            else
            {
                Assert.True(++idle < 10_000, "reader stopped making progress");
            }
        }

        Assert.False(reader.TryNext(out _));
        return events;
    }

    private static Property RoundTrips<[WireEncoded] TData>(Gen<TData> data) =>
        Prop.ForAll(
            Gen.Zip(Generators.ListOf(EventGen(data)), Gen.Choose(1, 64).ArrayOf().Where(a => a.Length > 0)).ToArbitrary(),
            ((List<Event<ulong, TData>> Events, int[] Chunks) c) =>
            {
                byte[] bytes = Write(c.Events);

                // Whole stream at once.
                Assert.Equal(c.Events, ReadAll<TData>(new ChunkedStream(bytes, [int.MaxValue])));

                // Many random chunks of at most k bytes, with "nothing now" reads between them.
                Assert.Equal(c.Events, ReadAll<TData>(new ChunkedStream(bytes, [.. c.Chunks, 0])));
            });

    [Property(MaxTest = 150)]
    public Property Events_of_u64_round_trip_in_any_chunking() => RoundTrips(Generators.U64);

    [Property(MaxTest = 150)]
    public Property Events_of_strings_round_trip_in_any_chunking() => RoundTrips(Generators.Text);

    [Property(MaxTest = 150)]
    public Property Split_at_any_offset_reads_back_the_same_events() =>
        Prop.ForAll(
            Gen.Zip(Generators.ListOf(EventGen(Generators.Text)), Gen.Choose(0, 100_000)).ToArbitrary(),
            ((List<Event<ulong, string>> Events, int Cut) c) =>
            {
                byte[] bytes = Write(c.Events);
                int cut = bytes.Length == 0 ? 0 : c.Cut % (bytes.Length + 1);

                // First read hands out `cut` bytes, then one "nothing now", then the rest.
                var source = new ChunkedStream(bytes, [cut, 0, int.MaxValue]);
                Assert.Equal(c.Events, ReadAll<string>(source));
            });
}
