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

    public sealed class Generated1
    {
        public int Value { get; set; }
    }

    public sealed class Generated2
    {
        public int Value { get; set; }
    }

    public sealed class Generated3
    {
        public int Value { get; set; }
    }

    [Fact]
    public void A_generated_codec_is_used_when_no_codec_is_registered_by_hand()
    {
        var generated = new FixedCodec<Generated1>(0x11);
        WireCodec.RegisterGenerated(generated);
        WireCodec.RegisterGenerated(new FixedCodec<Generated1>(0x22));   // a second generated one: same layout, ignored
        Assert.Same(generated, WireCodec<Generated1>.Default);
        WireCodec.RegisterGenerated(new FixedCodec<Generated1>(0x33));   // after first use: still ignored, no error
        Assert.Same(generated, WireCodec<Generated1>.Default);
    }

    [Fact]
    public void A_hand_written_codec_wins_over_a_generated_one_registered_before_or_after_it()
    {
        var hand = new FixedCodec<Generated2>(0x44);
        WireCodec.RegisterGenerated(new FixedCodec<Generated2>(0x55));
        WireCodec.Register(hand);
        Assert.Same(hand, WireCodec<Generated2>.Default);

        var hand3 = new FixedCodec<Generated3>(0x66);
        WireCodec.Register(hand3);
        WireCodec.RegisterGenerated(new FixedCodec<Generated3>(0x77));
        Assert.Same(hand3, WireCodec<Generated3>.Default);
    }

    [Fact]
    public void A_generated_codec_after_the_type_resolved_to_another_codec_is_an_error_naming_the_cause()
    {
        Assert.Equal(4, WireCodec<UsedBeforeGenerated>.Default.Measure(default));
        var e = Assert.Throws<InvalidOperationException>(() => WireCodec.RegisterGenerated(new FixedCodec<UsedBeforeGenerated>(0)));
        Assert.Contains("already resolved to another codec before its generated one was registered", e.Message, StringComparison.Ordinal);
    }

    public struct UsedBeforeGenerated
    {
        public int Value;
    }

    private sealed class FixedCodec<T>(byte mark) : IWireCodec<T>
    {
        public int Measure(in T value) => 1;

        public int Write(Span<byte> destination, in T value)
        {
            destination[0] = mark;
            return 1;
        }

        public int Read(ReadOnlySpan<byte> source, ref T value) => 1;
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
        Assert.Contains("[GenerateWireCodec]", e.Message, StringComparison.Ordinal);   // the way with no codec by hand
        Assert.DoesNotContain('\n', e.Message);
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
