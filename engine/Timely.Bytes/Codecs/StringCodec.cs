using System.Text;

namespace Timely.Bytes.Codecs;

/// <summary>
/// bincode's String: u64 byte count, then UTF-8 without BOM. Encoding is strict both ways:
/// a string with a lone surrogate cannot be written (Rust's String cannot hold one, and a
/// silent U+FFFD would not round-trip), and invalid UTF-8 input is a <see cref="WireFormatException"/>.
/// A null string is written as the empty string (there is no null on the Rust side).
/// </summary>
internal sealed class StringCodec : IWireCodec<string>, ISizedWireCodec
{
    public static readonly StringCodec Instance = new();

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public int MinimumSize => CodecSupport.LengthPrefix;

    public int Measure(in string value) => CodecSupport.LengthPrefix + Strict.GetByteCount(value ?? string.Empty);

    public int Write(Span<byte> destination, in string value)
    {
        string s = value ?? string.Empty;
        int count = Strict.GetByteCount(s);
        if (destination.Length - CodecSupport.LengthPrefix < count)
        {
            ThrowHelper.ThrowDestinationTooSmall("string", 0, CodecSupport.LengthPrefix + count, destination.Length);
        }

        CodecSupport.WriteCount(destination, count, "string");
        Strict.GetBytes(s, destination[CodecSupport.LengthPrefix..]);
        return CodecSupport.LengthPrefix + count;
    }

    public int Read(ReadOnlySpan<byte> source, ref string value)
    {
        int count = CodecSupport.ReadCount(source, 1, "string");
        ReadOnlySpan<byte> bytes = source.Slice(CodecSupport.LengthPrefix, count);
        if (count == 0)
        {
            value = string.Empty;
        }
        else if (value is not null && value.Length == count && IsSameAscii(value, bytes))
        {
            // Keep the instance already there: a recycled buffer of repeated keys reads
            // without allocating (the common case for small ASCII strings).
        }
        else
        {
            value = Decode(bytes);
        }

        return CodecSupport.LengthPrefix + count;
    }

    private static bool IsSameAscii(string current, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] >= 0x80 || current[i] != bytes[i])
            {
                return false;
            }
        }

        return true;
    }

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            ThrowHelper.ThrowInvalidUtf8(CodecSupport.LengthPrefix, bytes.Length, e);
            throw;
        }
    }
}
