using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Bytes.Codecs;

namespace Timely.PropTests.Bytes;

public class CodecProperties
{
    // Fixed test count (MaxTest = 200 on every property) keeps the suite fast and the run
    // deterministic in length. A property over several generators joins one ForAll per
    // generator with And: each of the 200 cases draws from every generator, each labelled, so
    // a failure names its generator and shrinks within it.
    private static Property Check<T>(Gen<T> gen, Action<T> property, string label) =>
        Prop.ForAll(gen.ToArbitrary(), property).Label(label);

    internal static byte[] Encode<T>(T value)
    {
        IWireCodec<T> codec = WireCodec<T>.Default;
        int measured = codec.Measure(value);
        var buffer = new byte[measured + 8];
        int written = codec.Write(buffer, value);
        Assert.Equal(measured, written);
        return buffer[..written];
    }

    internal static T Decode<T>(byte[] bytes)
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
    internal static void PrefixesThrow<T>(T value)
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

    [Property(MaxTest = 200)]
    public Property Scalars_round_trip() =>
        Check(Generators.U64, RoundTrip, "u64")
            .And(Check(Generators.I64, RoundTrip, "i64"))
            .And(Check(Generators.I32, RoundTrip, "i32"))
            .And(Check(Generators.Bool, RoundTrip, "bool"))
            .And(Check(Generators.F64, d => Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits(Decode<double>(Encode(d)))), "f64 bits"));


    [Property(MaxTest = 200)]
    public Property Strings_round_trip_with_utf8_byte_count() =>
        Check(Generators.Text, s =>
        {
            byte[] bytes = Encode(s);
            Assert.Equal((ulong)System.Text.Encoding.UTF8.GetByteCount(s), BitConverter.ToUInt64(bytes, 0));
            Assert.Equal(s, Decode<string>(bytes));
        }, "text");

    [Property(MaxTest = 200)]
    public Property Sequences_round_trip() =>
        Check(Generators.ListOf(Generators.U64), RoundTrip, "list of u64")
            .And(Check(Generators.ArrayOf(Generators.I64), RoundTrip, "array of i64"))
            .And(Check(Generators.ListOf(Generators.Text), RoundTrip, "list of text"))
            .And(Check(Generators.ArrayOf(Generators.Text), RoundTrip, "array of text"))
            .And(Check(Generators.ListOf(Generators.Bool), RoundTrip, "list of bool"));


    [Property(MaxTest = 200)]
    public Property Tuples_and_nested_composites_round_trip() =>
        Check(Gen.Zip(Generators.U64, Generators.I64), RoundTrip, "(u64, i64)")
            .And(Check(Gen.Zip(Generators.I32, Generators.Text, (a, b) => (a, b, true)), RoundTrip, "(i32, text, bool)"))
            .And(Check(Gen.Zip(Generators.U64, Generators.Text, (a, b) => (a, b, a, b)), RoundTrip, "(u64, text, u64, text)"))
            .And(Check(Generators.ListOf(Gen.Zip(Generators.U64, Generators.Text)), RoundTrip, "list of (u64, text)"))
            .And(Check(Generators.ListOf(Generators.ListOf(Gen.Zip(Generators.U64, Generators.I64))), RoundTrip, "list of list of (u64, i64)"))
            .And(Check(Generators.ArrayOf(Generators.ArrayOf(Generators.Text)), RoundTrip, "array of array of text"));


    [Property(MaxTest = 200)]
    public Property Records_of_copied_fields_write_the_field_by_field_bytes() =>
        Check(Generators.ListOf(Gen.Zip(Generators.U64, Generators.U64)), SameAsFieldByField, "list of (u64, u64)")
            .And(Check(Generators.ListOf(Gen.Zip(Generators.I32, Generators.I64)), SameAsFieldByField, "list of (i32, i64), padded"))
            .And(Check(Generators.ListOf(Gen.Zip(Generators.I32, Generators.I32)).Select(l => l.ConvertAll(p => ((uint)p.Item1, (uint)p.Item2))), SameAsFieldByField, "list of (u32, u32)"))
            .And(Check(Generators.ListOf(Gen.Zip(Generators.I32, Generators.U64)).Select(l => l.ConvertAll(p => ((byte)p.Item1, p.Item2))), SameAsFieldByField, "list of (u8, u64), padded"))
            .And(Check(Generators.ListOf(Gen.Zip(Gen.Zip(Generators.I32, Generators.I32), Generators.I64)), NestedSameAsFieldByField, "list of ((i32, i32), i64)"));

    // The reference: the list codec over the tuple codec, one call per field, as bincode lays it out.
    private static void SameAsFieldByField<T1, T2>(List<(T1, T2)> value)
    {
        var reference = new ListCodec<(T1, T2)>(new TupleCodec<T1, T2>(WireCodec<T1>.Default, WireCodec<T2>.Default));
        SameAs(reference, value);
    }

    private static void NestedSameAsFieldByField(List<((int, int), long)> value)
    {
        var inner = new TupleCodec<int, int>(WireCodec<int>.Default, WireCodec<int>.Default);
        SameAs(new ListCodec<((int, int), long)>(new TupleCodec<(int, int), long>(inner, WireCodec<long>.Default)), value);
    }

    private static void SameAs<T>(IWireCodec<List<T>> reference, List<T> value)
    {
        var expected = new byte[reference.Measure(value)];
        Assert.Equal(expected.Length, reference.Write(expected, value));
        byte[] actual = Encode(value);
        Assert.Equal(expected, actual);
        List<T> decoded = [];
        Assert.Equal(actual.Length, reference.Read(actual, ref decoded));
        Assert.Equal(value, decoded);
        Assert.Equal(value, Decode<List<T>>(expected));
    }

    [Property(MaxTest = 200)]
    public Property Decoding_into_a_recycled_instance_gives_the_same_value() =>
        Check(Gen.Zip(Generators.ListOf(Gen.Zip(Generators.U64, Generators.Text)), Generators.ListOf(Gen.Zip(Generators.U64, Generators.Text))), pair =>
        {
            (List<(ulong, string)> first, List<(ulong, string)> second) = pair;
            List<(ulong, string)> recycled = Decode<List<(ulong, string)>>(Encode(first));
            WireCodec<List<(ulong, string)>>.Default.Read(Encode(second), ref recycled);
            Assert.Equal(second, recycled);
        }, "two lists of (u64, text)");

    [Property(MaxTest = 200)]
    public Property Every_truncated_prefix_throws_wire_format_exception() =>
        Check(Generators.ListOf(Generators.U64), PrefixesThrow, "list of u64")
            .And(Check(Generators.Text, PrefixesThrow, "text"))
            .And(Check(Generators.ListOf(Gen.Zip(Generators.U64, Generators.Text)), PrefixesThrow, "list of (u64, text)"))
            .And(Check(Generators.ArrayOf(Generators.ArrayOf(Generators.Text)), PrefixesThrow, "array of array of text"))
            .And(Check(Gen.Zip(Generators.I32, Generators.Text, (a, b) => (a, b, true)), PrefixesThrow, "(i32, text, bool)"));


    // ByteArrayCodec (byte[]'s codec, which the engine's channels call directly) and the count
    // check it shares with the other unmanaged arrays and lists: the encoding is the u64 count and
    // the bytes; a count is read when the bytes left hold it (exactly, too) and refused otherwise.
    [Property(MaxTest = 200)]
    public Property A_byte_arrays_encoding_is_its_count_and_bytes_and_a_count_is_read_exactly_when_the_bytes_left_hold_it() =>
        Prop.ForAll(Generators.Garbage.ToArbitrary(), Gen.Choose(-3, 3).ToArbitrary(), (message, delta) =>
        {
            Assert.Same(ByteArrayCodec.Instance, WireCodec<byte[]>.Default);
            byte[] encoded = Encode(message);
            Assert.Equal((ulong)message.Length, BinaryPrimitives.ReadUInt64LittleEndian(encoded));
            Assert.Equal(message, encoded[8..]);
            byte[] sameLength = new byte[message.Length];
            byte[] into = sameLength;
            Assert.Equal(encoded.Length, ByteArrayCodec.Instance.Read(encoded, ref into));
            Assert.Same(sameLength, into);
            Assert.Equal(message, into);

            ulong claimed = (ulong)(long)(message.Length + delta);   // below zero: a count near 2^64
            BinaryPrimitives.WriteUInt64LittleEndian(encoded, claimed);
            byte[] value = null!;
            if (claimed <= (ulong)message.Length)
            {
                Assert.Equal(8 + (int)claimed, ByteArrayCodec.Instance.Read(encoded, ref value));
                Assert.Equal(message[..(int)claimed], value);
            }
            else
            {
                var e = Assert.Throws<WireFormatException>(() => ByteArrayCodec.Instance.Read(encoded, ref value));
                Assert.StartsWith($"Corrupt length: Byte[] at offset 8 claims {claimed} element(s)", e.Message, StringComparison.Ordinal);
            }
        });

    [Property(MaxTest = 200)]
    public Property Garbage_input_only_ever_throws_wire_format_exception_and_allocates_in_proportion() =>
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
        }, "garbage");

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
