namespace Timely.Bytes;

/// <summary>
/// Input bytes that do not decode: truncated data, a length that exceeds what remains or a
/// configured bound, an invalid tag, bool or UTF-8 sequence. The message names what was
/// being read, the offset and the lengths involved, so a corrupt frame can be located.
/// </summary>
public sealed class WireFormatException : FormatException
{
    public WireFormatException()
        : base("Malformed wire data.")
    {
    }

    public WireFormatException(string message)
        : base(message)
    {
    }

    public WireFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
