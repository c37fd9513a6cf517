using System.Buffers.Binary;

namespace Timely.Bytes.Tests;

public class RegisterTests
{
    // Each test uses its own types: WireCodec's registry is process-wide by design.
    public sealed class Celsius
    {
        public double Degrees { get; set; }
    }

    public sealed class CelsiusCodec : IWireCodec<Celsius>
    {
        public int Measure(in Celsius value) => 4;

        public int Write(Span<byte> destination, in Celsius value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(destination, (int)Math.Round(value.Degrees * 100));
            return 4;
        }

        public int Read(ReadOnlySpan<byte> source, ref Celsius value)
        {
            if (source.Length < 4)
            {
                throw new WireFormatException("Celsius needs 4 bytes");
            }

            value ??= new Celsius();
            value.Degrees = BinaryPrimitives.ReadInt32LittleEndian(source) / 100.0;
            return 4;
        }
    }

    public struct UsedBeforeRegister
    {
        public int Value;
    }

    public sealed class NoCodec
    {
        public int Value { get; set; }
    }

    public sealed class Twice
    {
        public int Value { get; set; }
    }

    [Fact]
    public void Registered_codec_is_used_directly_and_inside_composites()
    {
        var codec = new CelsiusCodec();
        WireCodec.Register(codec);
        Assert.Same(codec, WireCodec<Celsius>.Default);

        var list = new List<(ulong, Celsius)> { (1, new Celsius { Degrees = 21.5 }) };
        byte[] bytes = CodecGoldenTests.Encode(list);
        Assert.Equal("0100000000000000" + "0100000000000000" + "66080000", Hex.Of(bytes));
        var back = CodecGoldenTests.Decode<List<(ulong, Celsius)>>(bytes);
        Assert.Equal(21.5, back[0].Item2.Degrees);
    }

    [Fact]
    public void Register_after_first_use_throws()
    {
        Assert.Equal(4, WireCodec<UsedBeforeRegister>.Default.Measure(default));
        var e = Assert.Throws<InvalidOperationException>(() => WireCodec.Register(new UnmanagedLikeCodec()));
        Assert.Contains("already resolved", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_twice_throws()
    {
        WireCodec.Register(new TwiceCodec());
        Assert.Throws<InvalidOperationException>(() => WireCodec.Register(new TwiceCodec()));
    }

    [Fact]
    public void Type_without_codec_names_the_fix()
    {
        var e = Assert.Throws<NotSupportedException>(() => WireCodec<NoCodec>.Default);
        Assert.Contains("WireCodec.Register", e.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => WireCodec<List<NoCodec>>.Default);
    }

    [Fact]
    public void Auto_layout_struct_with_several_fields_is_refused()
    {
        // ValueTuple<...5 fields> is LayoutKind.Auto: the runtime may reorder its fields.
        var e = Assert.Throws<NotSupportedException>(() => WireCodec<(int, int, int, int, int)>.Default);
        Assert.Contains("LayoutKind.Auto", e.Message, StringComparison.Ordinal);
        Assert.Equal(8, WireCodec<DateTime>.Default.Measure(default)); // auto layout, one field: fine
    }

    [Fact]
    public void Concurrent_first_use_resolves_one_codec()
    {
        // A type no other test touches, so this is its first resolution.
        const int Threads = 8;
        var seen = new IWireCodec<List<(short, string, Twice2)>>[Threads];
        using var start = new Barrier(Threads);
        var threads = new Thread[Threads];
        WireCodec.Register(new Twice2Codec());
        for (int i = 0; i < Threads; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                start.SignalAndWait();
                seen[index] = WireCodec<List<(short, string, Twice2)>>.Default;
            });
            threads[i].Start();
        }

        foreach (var t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(10)));
        }

        Assert.All(seen, codec => Assert.Same(seen[0], codec));
    }

    public sealed class Twice2
    {
    }

    private sealed class Twice2Codec : IWireCodec<Twice2>
    {
        public int Measure(in Twice2 value) => 1;

        public int Write(Span<byte> destination, in Twice2 value)
        {
            destination[0] = 0;
            return 1;
        }

        public int Read(ReadOnlySpan<byte> source, ref Twice2 value) => 1;
    }

    private sealed class UnmanagedLikeCodec : IWireCodec<UsedBeforeRegister>
    {
        public int Measure(in UsedBeforeRegister value) => 1;

        public int Write(Span<byte> destination, in UsedBeforeRegister value)
        {
            destination[0] = 0;
            return 1;
        }

        public int Read(ReadOnlySpan<byte> source, ref UsedBeforeRegister value) => 1;
    }

    private sealed class TwiceCodec : IWireCodec<Twice>
    {
        public int Measure(in Twice value) => 1;

        public int Write(Span<byte> destination, in Twice value)
        {
            destination[0] = 0;
            return 1;
        }

        public int Read(ReadOnlySpan<byte> source, ref Twice value) => 1;
    }
}
