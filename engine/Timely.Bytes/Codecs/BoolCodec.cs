namespace Timely.Bytes.Codecs;

/// <summary>bincode's bool: one byte, 0 or 1; any other byte is rejected as serde does.</summary>
internal sealed class BoolCodec : IWireCodec<bool>, ISizedWireCodec
{
    public static readonly BoolCodec Instance = new();

    public int MinimumSize => 1;

    public int Measure(in bool value) => 1;

    public int Write(Span<byte> destination, in bool value)
    {
        if (destination.IsEmpty)
        {
            ThrowHelper.ThrowDestinationTooSmall("bool", 0, 1, 0);
        }

        destination[0] = value ? (byte)1 : (byte)0;
        return 1;
    }

    public int Read(ReadOnlySpan<byte> source, ref bool value)
    {
        if (source.IsEmpty)
        {
            ThrowHelper.ThrowTruncated("bool", 0, 1, 0);
        }

        byte b = source[0];
        if (b > 1)
        {
            ThrowHelper.ThrowInvalidBool(b, 0);
        }

        value = b != 0;
        return 1;
    }
}
