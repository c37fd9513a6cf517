using System.Runtime.InteropServices;

namespace Timely.Bytes.Tests;

public class CodecGoldenTests
{
    public enum Color : byte
    {
        Red = 1,
        Green = 2,
    }

    public enum Wide
    {
        Big = 0x01020304,
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Point
    {
        public int X;
        public int Y;
    }

    internal static byte[] Encode<T>(T value)
    {
        IWireCodec<T> codec = WireCodec<T>.Default;
        var buffer = new byte[codec.Measure(value) + 16];
        int written = codec.Write(buffer, value);
        Assert.Equal(codec.Measure(value), written);
        return buffer[..written];
    }

    internal static T Decode<T>(byte[] bytes)
    {
        T value = default!;
        int read = WireCodec<T>.Default.Read(bytes, ref value);
        Assert.Equal(bytes.Length, read);
        return value;
    }

    private static void Golden<T>(T value, string hex)
    {
        byte[] expected = Hex.Parse(hex);
        Assert.Equal(Hex.Of(expected), Hex.Of(Encode(value)));
        Assert.Equal(value, Decode<T>(expected));
    }

    [Fact]
    public void String_matches_bincode() =>
        Golden("hello, 0", "08 00 00 00 00 00 00 00 68 65 6c 6c 6f 2c 20 30");

    [Fact]
    public void Non_ascii_string_is_utf8_with_byte_count() =>
        Golden("é😀", "06 00 00 00 00 00 00 00 c3 a9 f0 9f 98 80");

    [Fact]
    public void Empty_string_is_only_a_zero_count() => Golden("", "00 00 00 00 00 00 00 00");

    [Fact]
    public void Primitives_are_little_endian_fixed_width()
    {
        Golden(10UL, "0a 00 00 00 00 00 00 00");
        Golden(-1L, "ff ff ff ff ff ff ff ff");
        Golden(-2, "fe ff ff ff");
        Golden(0x0102u, "02 01 00 00");
        Golden((ushort)0x0102, "02 01");
        Golden((byte)7, "07");
        Golden((sbyte)-1, "ff");
        Golden(1.0, "00 00 00 00 00 00 f0 3f");
        Golden(1.0f, "00 00 80 3f");
        Golden(true, "01");
        Golden(false, "00");
    }

    [Fact]
    public void Char_is_its_utf16_code_unit() => Golden('A', "41 00");

    [Fact]
    public void Enums_use_their_underlying_type()
    {
        Golden(Color.Green, "02");
        Golden(Wide.Big, "04 03 02 01");
    }

    [Fact]
    public void Unmanaged_struct_is_its_memory_layout() =>
        Golden(new Point { X = 3, Y = 4 }, "03 00 00 00 04 00 00 00");

    [Fact]
    public void List_of_u64_is_count_then_elements() =>
        Golden(new List<ulong> { 0, 1, 2 }, "03 00 00 00 00 00 00 00" + "00 00 00 00 00 00 00 00" + "01 00 00 00 00 00 00 00" + "02 00 00 00 00 00 00 00");

    [Fact]
    public void Array_of_i32_is_count_then_elements() =>
        Assert.Equal("0200000000000000" + "01000000" + "ffffffff", Hex.Of(Encode(new[] { 1, -1 })));

    [Fact]
    public void Tuple_fields_are_back_to_back_without_padding()
    {
        // (u64, i64) is the progress pair of the capture format: Progress([(0, -1)]).
        Golden((0UL, -1L), "00 00 00 00 00 00 00 00 ff ff ff ff ff ff ff ff");

        // In memory (byte, ulong) has 7 padding bytes; on the wire it is 9 bytes.
        Golden(((byte)1, 2UL), "01 02 00 00 00 00 00 00 00");
        Golden((true, (byte)5, "a"), "01 05 01 00 00 00 00 00 00 00 61");
        Golden((1, 2, 3, 4), "01 00 00 00 02 00 00 00 03 00 00 00 04 00 00 00");
    }

    [Fact]
    public void Nested_list_of_tuples()
    {
        byte[] bytes = Encode(new List<(ulong, string)> { (1, "x"), (2, "") });
        Assert.Equal(
            "0200000000000000" + "0100000000000000" + "0100000000000000" + "78" + "0200000000000000" + "0000000000000000",
            Hex.Of(bytes));
        Assert.Equal(new List<(ulong, string)> { (1, "x"), (2, "") }, Decode<List<(ulong, string)>>(bytes));
    }

    [Fact]
    public void Jagged_string_array()
    {
        string[][] value = [["a"], []];
        byte[] bytes = Encode(value);
        Assert.Equal("0200000000000000" + "0100000000000000" + "0100000000000000" + "61" + "0000000000000000", Hex.Of(bytes));
        Assert.Equal(value, Decode<string[][]>(bytes));
    }

    [Fact]
    public void Nullable_is_rust_option()
    {
        Golden<int?>(null, "00");
        Golden<int?>(5, "01 05 00 00 00");
        Assert.Throws<WireFormatException>(() => Decode<int?>([2, 0, 0, 0, 0]));
    }
}
