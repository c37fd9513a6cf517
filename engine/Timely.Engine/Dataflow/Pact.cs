namespace Timely.Dataflow;

/// <summary>
/// How records reach an operator input (timely's parallelization contract): along the
/// same worker (<see cref="Pipeline"/>) or to the worker chosen by a hash of each record
/// (<see cref="Exchange"/>).
/// </summary>
public sealed class Pact<TData>
{
    private Pact(Func<TData, ulong>? hash)
    {
        Hash = hash;
    }

    /// <summary>Records stay on the worker that produced them.</summary>
    public static Pact<TData> Pipeline { get; } = new(null);

    /// <summary>The exchange hash, or null for <see cref="Pipeline"/>.</summary>
    public Func<TData, ulong>? Hash { get; }

    /// <summary>
    /// Each record goes to worker <c>hash(record) % peers</c> (computed as
    /// <c>hash &amp; (peers - 1)</c> when peers is a power of two).
    /// </summary>
    public static Pact<TData> Exchange(Func<TData, ulong> hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return new Pact<TData>(hash);
    }
}
