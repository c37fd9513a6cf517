using Timely.Bytes;

namespace MyBenchmarks;

/// <summary>
/// The record type of this benchmark: one sale. It crosses workers (processes, with shared memory
/// or TCP), so it needs a codec; the codec generator writes it at compile time.
/// </summary>
[GenerateWireCodec]
public sealed record Sale(ulong Customer, ushort Store, long Cents)
{
    /// <summary>Sale number <paramref name="i"/> of a deterministic stream: the same on every run and configuration.</summary>
    public static Sale Make(ulong i, ulong customers)
    {
        ulong h = unchecked((i + 1) * 0x9E3779B97F4A7C15UL);
        return new Sale(h % customers, (ushort)(h >> 48), (long)((h >> 20) % 100_000));
    }
}
