using FsCheck;
using FsCheck.Fluent;
using Timely.Bytes;

namespace Timely.PropTests.Bytes;

public class CodecProperties
{
    // Fixed test count keeps the suite fast and the run deterministic in length.
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(200);

    private static void Check<T>(Gen<T> gen, Action<T> property) =>
        FsCheck.Check.One(Config, Prop.ForAll(gen.ToArbitrary(), property));

    private static byte[] Encode<T>(T value)
    {
        IWireCodec<T> codec = WireCodec<T>.Default;
        int measured = codec.Measure(value);
        var buffer = new byte[measured + 8];
        int written = codec.Write(buffer, value);
        Assert.Equal(measured, written);
        return buffer[..written];
    }

    private static T Decode<T>(byte[] bytes)
    {
        T value = default!;
        int read = WireCodec<T>.Default.Read(bytes, ref value);
        Assert.Equal(bytes.Length, read);
        return value;
    }

    private static void RoundTrip<T>(T value)
    {
        byte[] bytes = Encode(value);
        Assert.Equal(value, Decode<T>(bytes));
    }

    /// <summary>Every strict prefix of a valid encoding is rejected with WireFormatException, nothing else.</summary>
    private static void PrefixesThrow<T>(T value)
    {
        byte[] bytes = Encode(value);

        // Up to ~32 cut points spread over the encoding plus the last 8 (exceptions cost
        // ~10 µs each; every prefix of every case would take seconds for no extra coverage:
        // the unit tests cut a nested value at every offset).
        int stride = Math.Max(1, bytes.Length / 32);
        for (int n = 0; n < bytes.Length; n = n + stride < bytes.Length - 8 ? n + stride : n + 1)
        {
            byte[] prefix = bytes[..n];
            Assert.Throws<WireFormatException>(() => Decode<T>(prefix));
        }
    }

    [Fact]
    public void Scalars_round_trip()
    {
        Check(Generators.U64, RoundTrip);
        Check(Generators.I64, RoundTrip);
        Check(Generators.I32, RoundTrip);
        Check(Generators.Bool, RoundTrip);
        Check(Generators.F64, d => Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits(Decode<double>(Encode(d)))));
    }

    [Fact]
    public void Strings_round_trip_with_utf8_byte_count() =>
        Check(Generators.Text, s =>
        {
            byte[] bytes = Encode(s);
            Assert.Equal((ulong)System.Text.Encoding.UTF8.GetByteCount(s), BitConverter.ToUInt64(bytes, 0));
            Assert.Equal(s, Decode<string>(bytes));
        });

    [Fact]
    public void Sequences_round_trip()
    {
        Check(Generators.ListOf(Generators.U64), RoundTrip);
        Check(Generators.ArrayOf(Generators.I64), RoundTrip);
        Check(Generators.ListOf(Generators.Text), RoundTrip);
        Check(Generators.ArrayOf(Generators.Text), RoundTrip);
        Check(Generators.ListOf(Generators.Bool), RoundTrip);
    }

    [Fact]
    public void Tuples_and_nested_composites_round_trip()
    {
        Check(Gen.Zip(Generators.U64, Generators.I64), RoundTrip);
        Check(Gen.Zip(Generators.I32, Generators.Text, (a, b) => (a, b, true)), RoundTrip);
        Check(Gen.Zip(Generators.U64, Generators.Text, (a, b) => (a, b, a, b)), RoundTrip);
        Check(Generators.ListOf(Gen.Zip(Generators.U64, Generators.Text)), RoundTrip);
        Check(Generators.ListOf(Generators.ListOf(Gen.Zip(Generators.U64, Generators.I64))), RoundTrip);
        Check(Generators.ArrayOf(Generators.ArrayOf(Generators.Text)), RoundTrip);
    }

    [Fact]
    public void Decoding_into_a_recycled_instance_gives_the_same_value() =>
        Check(Gen.Zip(Generators.ListOf(Gen.Zip(Generators.U64, Generators.Text)), Generators.ListOf(Gen.Zip(Generators.U64, Generators.Text))), pair =>
        {
            (List<(ulong, string)> first, List<(ulong, string)> second) = pair;
            List<(ulong, string)> recycled = Decode<List<(ulong, string)>>(Encode(first));
            WireCodec<List<(ulong, string)>>.Default.Read(Encode(second), ref recycled);
            Assert.Equal(second, recycled);
        });

    [Fact]
    public void Every_truncated_prefix_throws_wire_format_exception()
    {
        Check(Generators.ListOf(Generators.U64), PrefixesThrow);
        Check(Generators.Text, PrefixesThrow);
        Check(Generators.ListOf(Gen.Zip(Generators.U64, Generators.Text)), PrefixesThrow);
        Check(Generators.ArrayOf(Generators.ArrayOf(Generators.Text)), PrefixesThrow);
        Check(Gen.Zip(Generators.I32, Generators.Text, (a, b) => (a, b, true)), PrefixesThrow);
    }

    [Fact]
    public void Garbage_input_only_ever_throws_wire_format_exception_and_allocates_in_proportion() =>
        Check(Generators.Garbage, bytes =>
        {
            DecodeGarbage<ulong>(bytes);
            DecodeGarbage<bool>(bytes);
            DecodeGarbage<string>(bytes);
            DecodeGarbage<List<ulong>>(bytes);
            DecodeGarbage<string[]>(bytes);
            DecodeGarbage<List<(ulong, string)>>(bytes);
            DecodeGarbage<List<List<ulong>>>(bytes);
            DecodeGarbage<(bool, int?, string)>(bytes);
        });

    private static void DecodeGarbage<T>(byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        int read = 0;
        Exception? error = Record.Exception(() =>
        {
            T value = default!;
            read = WireCodec<T>.Default.Read(bytes, ref value);
        });

        // WireFormatException is the one permitted failure; any other type fails the property.
        if (error is not null)
        {
            Assert.IsType<WireFormatException>(error);
        }
        else
        {
            Assert.InRange(read, 0, bytes.Length);
        }

        // Every claimed count is checked against the input first, so the decoded value is
        // at most a small multiple of the input (here 200 bytes per input byte + a constant).
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= (200L * bytes.Length) + 64 * 1024, $"{typeof(T)}: {allocated} bytes allocated for {bytes.Length} input bytes");
    }
}
