using System.Reflection;

namespace Timely.Bytes.Generator.Tests;

/// <summary>
/// The generated codecs, compiled and run: bincode's layout of a Rust struct (fields in
/// declaration order, nothing between them), exact Measure, the Option tag for nullable members,
/// and clear errors for input or values they cannot take.
/// </summary>
public sealed class LayoutTests
{
    private const string Types = """
        public enum Side : byte { Buy, Sell }
        public sealed record Venue(string Name, int? Lane);
        [GenerateWireCodec]
        public sealed record Sample(ulong Id, string Name, Venue? Where, List<uint> Xs, (byte, short) P, Side S, bool B, float F, char C, string? Note);
        [GenerateWireCodec]
        public record Base(int A);
        public sealed record Derived(int A, int B) : Base(A);
        [GenerateWireCodec]
        public sealed record Holder(Venue Venue);
        public static class Codec
        {
            public static byte[] Encode<T>(T value)
            {
                var codec = WireCodec<T>.Default;
                var bytes = new byte[codec.Measure(value)];
                int written = codec.Write(bytes, value);
                if (written != bytes.Length) throw new InvalidOperationException($"measured {bytes.Length}, wrote {written}");
                return bytes;
            }

            public static T Decode<T>(byte[] bytes)
            {
                T value = default!;
                int read = WireCodec<T>.Default.Read(bytes, ref value);
                if (read != bytes.Length) throw new InvalidOperationException($"read {read} of {bytes.Length}");
                return value;
            }

            public static Sample Make() => new(1, "ab", new Venue("X", 7), [5], (9, -2), Side.Sell, true, 1.5f, 'é', null);
            public static byte[] EncodeSample() => Encode(Make());
            public static string RoundTrip() { var back = Decode<Sample>(EncodeSample()); var xs = new List<uint>(); return back with { Xs = xs } == Make() with { Xs = xs } && back.Xs.Count == 1 && back.Xs[0] == 5 ? "equal" : "differs: " + back; }
            public static Sample DecodeSample(byte[] bytes) => Decode<Sample>(bytes);
            public static byte[] EncodeDerivedAsBase() => Encode<Base>(new Derived(1, 2));
            public static byte[] EncodeNullVenue() => Encode(new Holder(null!));
        }
        """;

    private static readonly Lazy<Snippet> Compiled = new(() => Snippet.Compile(Types));

    private static object? Call(string method, params object?[] arguments)
    {
        try
        {
            return Compiled.Value.Call("Codec", method, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    [Fact]
    public void A_record_is_its_fields_in_declaration_order_as_bincode_writes_a_Rust_struct()
    {
        var bytes = (byte[])Call("EncodeSample")!;
        string expected =
            "0100000000000000" +                    // Id: u64
            "0200000000000000" + "6162" +           // Name: u64 length, UTF-8
            "01" + "0100000000000000" + "58" +      // Where: Some(Venue { Name: "X",
            "01" + "07000000" +                     //   Lane: Some(7i32) })
            "0100000000000000" + "05000000" +       // Xs: u64 count, u32
            "09" + "feff" +                         // P: (u8, i16)
            "01" +                                  // S: the enum's u8
            "01" +                                  // B: bool
            "0000c03f" +                            // F: f32 1.5
            "e900" +                                // C: char as its UTF-16 unit
            "00";                                   // Note: None
        Assert.Equal(expected, Convert.ToHexString(bytes).ToLowerInvariant());
        Assert.Equal("equal", Call("RoundTrip"));
    }

    [Fact]
    public void Truncated_input_and_a_bad_option_tag_are_wire_format_errors_naming_what_was_read()
    {
        var bytes = (byte[])Call("EncodeSample")!;
        var truncated = Assert.Throws<WireFormatException>(() => Call("DecodeSample", bytes[..^3]));
        Assert.Contains("Truncated input", truncated.Message, StringComparison.Ordinal);

        var badTag = (byte[])bytes.Clone();
        badTag[18] = 2;   // the tag of Where
        var tag = Assert.Throws<WireFormatException>(() => Call("DecodeSample", badTag));
        Assert.Contains("Invalid option tag 0x02", tag.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_derived_value_sent_as_its_base_is_refused_rather_than_cut_short()
    {
        var e = Assert.Throws<NotSupportedException>(() => Call("EncodeDerivedAsBase"));
        Assert.Equal("The generated codec of Base writes the fields of Base only, not those of Derived: send Base itself, or give the derived type a codec of its own.", e.Message);
    }

    [Fact]
    public void A_null_where_no_null_was_declared_names_the_fix()
    {
        var e = Assert.Throws<ArgumentNullException>(() => Call("EncodeNullVenue"));
        Assert.StartsWith("A null Venue cannot be written: declare the member or element that holds it as Venue? (an Option).", e.Message, StringComparison.Ordinal);
    }
}
