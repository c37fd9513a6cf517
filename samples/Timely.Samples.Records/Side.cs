namespace Timely.Samples.Records;

/// <summary>Buy or sell: one byte on the wire, as its underlying type says.</summary>
public enum Side : byte
{
    /// <summary>A buy.</summary>
    Buy,

    /// <summary>A sell.</summary>
    Sell,
}
