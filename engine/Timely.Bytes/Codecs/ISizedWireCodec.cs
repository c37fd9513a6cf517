namespace Timely.Bytes.Codecs;

/// <summary>
/// Built-in codecs state the fewest bytes one value can take, so a sequence codec can
/// reject a claimed count that the remaining input cannot hold before it allocates
/// (a corrupt u64 of 2^60 must not become a 2^60-element array).
/// </summary>
internal interface ISizedWireCodec
{
    /// <summary>Fewest bytes any encoded value takes (at least 1).</summary>
    int MinimumSize { get; }
}
