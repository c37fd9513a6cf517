namespace Timely.Bytes;

/// <summary>
/// Input bytes that do not decode: truncated data, a length that exceeds what remains or a
/// configured bound, an invalid tag, bool or UTF-8 sequence. The message names what was
/// being read, the offset and the lengths involved, so a corrupt frame can be located.
/// </summary>
public sealed class WireFormatException : FormatException
{
    /// <summary>An error with a generic message; prefer the constructor that says what was read and where.</summary>
    public WireFormatException()
        : base("Malformed wire data.")
    {
    }

    /// <summary>An error whose <paramref name="message"/> names what was being read, the offset and the lengths.</summary>
    public WireFormatException(string message)
        : base(message)
    {
    }

    /// <summary>An error whose <paramref name="message"/> says what failed to decode, caused by <paramref name="innerException"/> (e.g. a UTF-8 decoder error).</summary>
    public WireFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
