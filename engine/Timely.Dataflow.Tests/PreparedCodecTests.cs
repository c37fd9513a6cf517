using Timely.Bytes;
using Timely.Communication;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Tests;

/// <summary>
/// The engine's own serialized payloads (exchanged batches and progress, in and out of a nested
/// scope, and capture files with Product times) get their composite codecs from the Prepare* path,
/// never from the reflection fallback that a Native AOT build does not have. Record types of
/// their own (<see cref="Exchanged"/>, <see cref="Captured"/>) keep other tests' resolutions out
/// of the check.
/// </summary>
public sealed class PreparedCodecTests
{
    private static readonly ulong[] Expected = [2, 3, 3, 5, 6, 6, 7, 7, 7, 9, 10, 11];

    [Fact]
    public void Exchange_in_and_out_of_a_nested_scope_over_serialized_channels_takes_no_reflection_path()
    {
        var received = new List<Exchanged>[2];
        Execute.Run(Config.ProcessBinary(2), worker =>
        {
            var input = new InputHandle<ulong, Exchanged>();
            var seen = new List<Exchanged>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input)
                .Exchange(m => m.Value)
                .Iterate(s => s
                    .Exchange(m => m.Value / 2)
                    .Map(m => new Exchanged(m.Value + 1))
                    .Filter(m => m.Value % 4 != 0))
                .Inspect(seen.Add));

            if (worker.Index == 0)
            {
                for (ulong v = 1; v <= 8; v++)
                {
                    input.Send(new Exchanged(v));
                }
            }

            input.Close();
            while (worker.Step())
            {
            }

            received[worker.Index] = seen;
        });

        // Each round adds 1 and drops multiples of 4; Iterate returns what every round produced.
        Assert.Equal(Expected, received.SelectMany(r => r).Select(m => m.Value).Order());
        Assert.DoesNotContain(WireCodec.ReflectionBuilt(), Mentions<Exchanged>);
    }

    [Fact]
    public void A_capture_file_with_product_times_is_written_and_read_with_no_reflection_path()
    {
        var time = new Product<ulong, uint>(3, 1);
        var file = new MemoryStream();
        using (var writer = new EventWriter<Product<ulong, uint>, Captured>(file, leaveOpen: true))
        {
            writer.Push(new Event<Product<ulong, uint>, Captured>.Progress([(time, 1)]));
            writer.Push(new Event<Product<ulong, uint>, Captured>.Messages(time, [new Captured(7), new Captured(9)]));
        }

        file.Position = 0;
        using var reader = new EventReader<Product<ulong, uint>, Captured>(file);
        Assert.True(reader.TryNext(out var progress));
        Assert.Equal((time, 1L), Assert.IsType<Event<Product<ulong, uint>, Captured>.Progress>(progress).Updates.Single());
        Assert.True(reader.TryNext(out var messages));
        Assert.Equal([new Captured(7), new Captured(9)], Assert.IsType<Event<Product<ulong, uint>, Captured>.Messages>(messages).Data);

        Type[] reflected = WireCodec.ReflectionBuilt();
        Assert.DoesNotContain(reflected, Mentions<Captured>);
        Assert.DoesNotContain(reflected, Mentions<Product<ulong, uint>>);
    }

    private static bool Mentions<TPart>(Type type) =>
        type == typeof(TPart) || (type.IsArray && Mentions<TPart>(type.GetElementType()!)) ||
        (type.IsGenericType && type.GetGenericArguments().Any(Mentions<TPart>));

    /// <summary>A record type only the exchange test uses.</summary>
    public readonly record struct Exchanged(ulong Value);

    /// <summary>A record type only the capture test uses.</summary>
    public readonly record struct Captured(ulong Value);
}
